"""Cookie-consent walls: a page that asks for consent instead of showing the article.

Two signs, either one enough (docs/crawling.md, reason ``consent_wall``):

* the URL: the article URL was redirected to another URL that is a consent page: its host's first
  label or its last path segment is made of consent words (``consent.example.com``, ``/consent``,
  ``/cookie-settings``, ``/privacy-choices``, ``/v2/collectConsent``, ``/einwilligung``, ...);
* the text: a short text (at most ``MAX_WORDS`` words) that is almost all consent notice: cookie or
  consent words at least twice, accept/reject/manage wording, consent and privacy vocabulary at
  least ``MIN_DENSITY`` of its words, and paragraphs carrying that vocabulary holding at least
  ``MIN_SHARE`` of them. Vocabulary in English, German, French, Spanish, Italian and Dutch.

An article *about* cookies or privacy is long, or written about a third party ("the regulator",
"the company's banner"): its consent words are a small part of it (tests/test_consent.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

# Measured on cleaned texts: the 8 walls of tests/fixtures/consent have 57-96 words, density
# 0.26-0.36 and share 0.97-1; its articles about cookies and privacy at most 0.094, and so do the
# short texts (up to 400 words) of copydesk's and the public cleaning benchmarks' pages.
MAX_WORDS = 400      # a consent notice is short
MIN_DENSITY = 0.16   # consent vocabulary and we/you words, per word
MIN_SHARE = 0.6      # of the words, in paragraphs that carry consent vocabulary


def _words(spec: str) -> re.Pattern[str]:
    """One regex matching a whole casefolded token: ``word`` exactly, ``stem*`` as a prefix."""
    alts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in spec.split()]
    return re.compile("(?:" + "|".join(alts) + ")")


# the thing asked for: cookies and consent (en, de, fr, es, it, nl)
CORE = _words("""
    cookie* gdpr dsgvo rgpd consent* einwillig* zustimm* consensi consenso toestemming*
    cookiebeleid cookieverklaring
""")
# what walls explain it with: privacy, personal data, partners, devices, advertising, settings
CONTEXT = _words("""
    privacy* personal personalis* personaliz* data partner partners vendor vendors device devices identifier*
    tracking tracker* advertis* ads preference* settings geolocation analytics purposes
    datenschutz* privatsphäre* daten personenbezogen* personalisier* anbieter* drittanbieter* gerät* endgerät*
    werbung werbe* einstellungen präferenzen verarbeitung zwecke
    confidentialité données personnelles partenaires appareil appareils publicité* publicitaire* personnalis*
    préférences paramètres traceur* finalités
    privacidad datos personales socios proveedores dispositivo* publicidad publicitari* personaliz* preferencias
    configuración rastreo finalidades
    riservatezza dati personali fornitori pubblicità pubblicitari* personalizz* preferenze impostazioni
    tracciamento finalità
    gegevens persoonsgegevens persoonlijke apparaat advertenties advertentie* gepersonaliseerd* voorkeuren
    instellingen verwerking verwerken
""")
# the choice offered: accept, reject, refuse, manage, agree, withdraw
ACTION = _words("""
    accept* reject* refuse* refusing decline* manage agree* allow deny customise customize withdraw revoke opt
    akzeptier* ablehn* verwalten einverstanden erlauben zulassen widerruf*
    accepte* accepter refuse refusez refuser gérer gérez paramétrer retirer
    acepta* aceptar acepto rechaza* rechazar gestionar configurar retirar revocar
    accetta* accetto rifiuta* gestisci gestire revocare
    accepteer* accepteren weiger* beheren akkoord toestaan intrekken
""")
# who speaks to whom: a notice is written by "we" (the site and its partners) to "you"; Spanish and
# Italian drop the pronoun, so their "we use" verbs stand for it
ADDRESS = _words("""
    we our ours us you your yours
    wir uns unser unsere unserer unseren unserem ihnen
    nous nos notre vous votre vos
    nosotros nuestros nuestras nuestro nuestra tu tus usted utilizamos usamos
    noi nostri nostro nostra nostre tuo tua tuoi tue vostro vostri vostra vostre puoi utilizziamo usiamo
    wij onze ons uw jouw jij
""")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Score:
    words: int
    core: int      # cookie/consent words
    action: int    # accept/reject/manage words
    density: float  # all four vocabularies (address too) per word
    share: float   # of the words, in paragraphs carrying that vocabulary

    @property
    def is_wall(self) -> bool:
        return (0 < self.words <= MAX_WORDS and self.core >= 2 and self.action >= 1
                and self.density >= MIN_DENSITY and self.share >= MIN_SHARE)


def score(text: str) -> Score:
    """The consent features of a cleaned text (its title may be given as a first line)."""
    words = core = action = hits = address = in_consent_paras = 0
    for para in text.split("\n"):
        tokens = _TOKEN.findall(para.casefold())
        para_hits = para_core = 0
        for t in tokens:
            if CORE.fullmatch(t):
                para_core += 1
            elif ACTION.fullmatch(t):
                action += 1
                para_hits += 1
            elif CONTEXT.fullmatch(t):
                para_hits += 1
            elif ADDRESS.fullmatch(t):
                address += 1
        para_hits += para_core
        core += para_core
        hits += para_hits
        words += len(tokens)
        # a button line ("Accept all") carries it as much as a paragraph of explanation does
        if para_core or para_hits >= max(1, len(tokens) // 10):
            in_consent_paras += len(tokens)
    if not words:
        return Score(0, 0, 0, 0.0, 0.0)
    return Score(words, core, action, (hits + address) / words, in_consent_paras / words)


def is_consent_text(text: str, title: str | None = None) -> bool:
    """A short text that is essentially a consent notice (with accept/reject/manage wording)."""
    if len(text.split()) > MAX_WORDS:  # the common case, decided without tokenising
        return False
    return score(f"{title}\n{text}" if title else text).is_wall


# path segments and host labels that name a consent page: every part a consent word, one of them
# naming the consent itself ("/privacy" alone is a policy page, "/privacy-choices" a consent page)
_SEGMENT_CORE = frozenset("""consent consents cookie cookies cookiewall cookiebanner cookieconsent collectconsent
    gdpr dsgvo rgpd cmp einwilligung zustimmung consentement consentimiento consenso toestemming
    privacychoices privacygate""".split())
_SEGMENT_PRIVACY = frozenset("privacy datenschutz confidentialite privacidad".split())
_SEGMENT_CHOICE = frozenset("""choice choices settings preferences options gate wall center centre manager
    banner notice consent""".split())
_SEGMENT_OTHER = _SEGMENT_CHOICE | frozenset("""v1 v2 v3 collect accept ask page index html php aspx jsp
    en de fr es it nl""".split())


def _is_consent_segment(segment: str) -> bool:
    parts = [p for p in re.split(r"[-_.~+]", unquote(segment).casefold()) if p]
    if not parts or len(parts) > 4:  # an article slug has more words than a consent page's name
        return False
    if any(p in _SEGMENT_CORE for p in parts):
        return all(p in _SEGMENT_CORE or p in _SEGMENT_OTHER for p in parts)
    return (any(p in _SEGMENT_PRIVACY for p in parts) and any(p in _SEGMENT_CHOICE for p in parts)
            and all(p in _SEGMENT_PRIVACY or p in _SEGMENT_OTHER for p in parts))


def is_consent_url(url: str) -> bool:
    """A URL whose host's first label or last path segment names a consent page (a section
    ``/cookies/best-oat-cookies`` is not one: its last segment is the article's)."""
    u = urlsplit(url)
    segments = [s for s in u.path.split("/") if s]
    first_label = (u.hostname or "").split(".")[0]
    return _is_consent_segment(first_label) or bool(segments and _is_consent_segment(segments[-1]))


def redirected_to_consent(final_url: str, request_url: str | None) -> bool:
    """The article URL ``request_url`` ended, after redirects, on a consent page at another URL
    (not the same path with another scheme or host name)."""
    if not request_url or request_url == final_url:
        return False
    final, requested = urlsplit(final_url), urlsplit(request_url)
    if final.path == requested.path and final.query == requested.query:
        return False
    return is_consent_url(final_url) and not is_consent_url(request_url)


def readdressed_wall(page: Any) -> tuple[Any, str] | None:
    """For a page (copydesk.documents.Page) that an article URL was redirected to and that is a
    consent page: the page under the article URL, to be failed there (the consent page is no
    article to fetch again), and the detail "redirected to <consent URL>". None otherwise."""
    if not (page.request_url and redirected_to_consent(page.url, page.request_url)):
        return None
    return replace(page, url=page.request_url, request_url=None), f"redirected to {page.url}"
