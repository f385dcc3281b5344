"""copydesk's post-cleaning of extracted text: what trafilatura and readability let through.

Everything here works on plain text, line by line (one line = one paragraph), so it serves both
the HTML path (after extraction) and `clean_text` for text an older scraper produced.

Rules are about kinds of lines (a copyright notice, a share bar, a "Related posts" list, leftover
script), never about particular sites. Most rules only look at short lines: article prose is long,
boilerplate is short, and that asymmetry keeps the false-positive rate low.
"""
from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from .model import count_words

# ----------------------------------------------------------------------------- character level

_ZERO_WIDTH_CHARS = r"\u200b\u200c\u200d\u2060\ufeff\u00ad"
_LINE_SEP_CHARS = r"\r\u2028\u2029\x0b\x0c\x85"
_CONTROL_CHARS = r"\x00-\x08\x0e-\x1f\x7f"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")
# Runs of whitespace other than newlines, except a lone " " (the common case, already right).
_SPACES = re.compile(r" [^\S\n]+|[^\S\n ][^\S\n]*")
# U+2028/2029 and other exotic separators become newlines; NBSP and friends become spaces.
_LINE_SEPS = re.compile(rf"\r\n?|[{_LINE_SEP_CHARS}]")
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_ODD_CHARS = re.compile(f"[{_ZERO_WIDTH_CHARS}{_LINE_SEP_CHARS}{_CONTROL_CHARS}]")

# A real entity, possibly double-escaped (&amp;quot;): html.unescape handles those.
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Entity debris whose "&" was lost or turned into a comma by a machine translation or a
# careless re-encoding: ",quot;" / " quot;" / "amp;quot;".
_DEBRIS_NAME = r"(quot|apos|amp|nbsp|lt|gt|#0?39|#34|rsquo|lsquo|rdquo|ldquo|ndash|mdash|hellip);"
_ENTITY_DEBRIS = re.compile(rf"(?:[,&]|\b)(?:amp;)*{_DEBRIS_NAME}", re.I)
# How every debris match ends: found from the few ";" instead of trying the \b at every position.
_DEBRIS_END = re.compile(_DEBRIS_NAME, re.I)
_DEBRIS_MAP = {
    "quot": '"', "apos": "'", "amp": "&", "nbsp": " ", "lt": "<", "gt": ">", "#39": "'", "#039": "'",
    "#34": '"', "rsquo": "\u2019", "lsquo": "\u2018", "rdquo": "\u201d", "ldquo": "\u201c",
    "ndash": "\u2013", "mdash": "\u2014", "hellip": "\u2026",
}
# Two-character sequences typical of UTF-8 read as windows-1252/latin-1 ("Ã©", "â€™", "Ã¼").
_MOJIBAKE_HINT = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


def fix_entities(text: str) -> str:
    if "&" in text:
        for _ in range(3):  # &amp;amp;quot; needs more than one pass
            if not _ENTITY.search(text):
                break
            text = html.unescape(text)
    if _has_debris(text):
        text = _ENTITY_DEBRIS.sub(lambda m: _DEBRIS_MAP.get(m.group(1).lower(), m.group(0)), text)
    return text


def _has_debris(text: str) -> bool:
    pos = text.find(";")
    while pos != -1:
        if _DEBRIS_END.search(text, max(0, pos - 6), pos + 1):  # the longest name has 6 characters
            return True
        pos = text.find(";", pos + 1)
    return False


def fix_mojibake(text: str) -> str:
    if not _MOJIBAKE_HINT.search(text):
        return text  # ftfy costs ~0.5 ms per 1,000 characters: only call it on suspicious text
    import ftfy

    return ftfy.fix_text(
        text, unescape_html=False, uncurl_quotes=False, fix_character_width=False,
        fix_line_breaks=False, normalization="NFC",
    )


def normalize(text: str) -> str:
    """Unicode repair and whitespace: one paragraph per line, no blank lines, single spaces."""
    if _ODD_CHARS.search(text):  # one scan instead of three on text that holds none
        text = _LINE_SEPS.sub("\n", text)
        text = _ZERO_WIDTH.sub("", text)
        text = _CONTROL.sub("", text)
    text = fix_mojibake(text)
    text = fix_entities(text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text)  # also turns NBSP, thin and ideographic spaces into " "
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


# ----------------------------------------------------------------------------- code left in text

_CODE_HINTS = re.compile(
    r"\bfunction\s*\w*\s*\(|\bdocument\.[a-zA-Z]|\bwindow\.[a-zA-Z]|\b(?:var|let|const)\s+[\w$]+\s*=[^=]"
    r"|\}\s*\)\s*;|=>\s*\{|\.innerHTML\b|\.style\.\w+\s*=|getElementById|querySelector|addEventListener"
    r"|\bgoogletag\.|\bgtag\(|\bdataLayer\b|_gaq\.push|adsbygoogle|\bfbq\(|\bjQuery\(|\$\(\s*['\"]"
    r"|\breturn\s+[\w!]+\s*;|\bif\s*\([^)]{0,300}[=!]==?|!==|===|\+\+|\|\||&&|!important"
    # a CSS rule; the look-behind starts the selector at the start of its run (linear, not quadratic)
    r"|(?<![\w#.\]-])[\w#.\]-]+\s*\{\s*[a-z-]+\s*:\s*[^;{}]+;|@media\b|@font-face|@import\b",
)
_CODE_CHARS = re.compile(r"[{}();=<>\[\]$]")
_HTML_TAG = re.compile(
    r"<!--(?:[^<]|<(?!!--))*?-->|<!--|-->|</?(?:script|style|div|span|iframe|noscript|ins|section|article|aside|nav|p|a|br|img|ul|li|table|tr|td|font|b|i|strong|em)\b[^>]{0,500}>",
    re.I,
)


def is_code(line: str) -> bool:
    """Leftover JavaScript or CSS: code tokens plus a density of code punctuation prose never has."""
    if not any(c in line for c in "{}=$|&+@"):
        return False  # every code signature below needs one of these; prose mostly has none
    hits = len(_CODE_HINTS.findall(line))
    if not hits:
        return False
    density = len(_CODE_CHARS.findall(line)) / max(len(line), 1)
    return hits >= 3 or (hits >= 2 and density > 0.02) or density > 0.05


# WordPress/BBCode shortcodes a theme failed to render: [button link="..."]Text[/button]
_SHORTCODE = re.compile(r"\[/[a-z][\w-]*\]|\[[a-z][\w-]*\s[^\]\n]*=[^\]\n]*\]", re.I)


def strip_shortcodes(line: str) -> str:
    if "[" not in line:
        return line
    for m in re.finditer(r"\[/([a-z][\w-]*)\]", line, re.I):
        line = re.sub(rf"\[{re.escape(m.group(1))}\]", " ", line, flags=re.I)
    return _SPACES.sub(" ", _SHORTCODE.sub(" ", line)).strip()


def strip_tags(line: str) -> str:
    if "<" not in line and "-->" not in line:
        return line
    return _SPACES.sub(" ", _HTML_TAG.sub(" ", line)).strip()


# ----------------------------------------------------------------------------- boilerplate lines


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _lower_rx(pattern: str) -> re.Pattern[str]:
    """A line rule, matched against the lower-cased line: a third of the time re.I takes (written
    in lower case; every line is checked against every rule)."""
    return re.compile(pattern)


_END_PUNCT = tuple('.!?…"”»\')')

# "Read also" in German, Spanish, Portuguese, French, Italian, Dutch and Polish: the line that points
# to another story ("Lesen Sie auch: ...", "Lea también: ...", "VEA TAMBIÉN: ...").
_READ_ALSO = (
    r"lesen sie (?:auch|mehr|hier)|lies auch|auch interessant|schon gelesen|mehr zum thema|siehe auch|weiterlesen"
    r"|(?:das|dies|das thema|diese themen?) könnte(?:n)? (?:sie|dich|euch) auch interessieren|lea (?:también|más|además)|lee (?:también|más|además)|lea:|vea también"
    r"|ver también|mira también|te puede interesar|le puede interesar|puede interesarte|leia (?:também|mais)|veja também"
    r"|saiba mais|lire aussi|à lire aussi|a lire aussi|voir aussi|lire la suite|à lire également|leggi anche"
    r"|potrebbe interessarti|lees ook|zie ook|lees meer|czytaj (?:też|także|również|więcej)|zobacz (?:też|także|również)"
    r"|przeczytaj (?:też|także|również)"
)

# (regex, max words of a line it may remove). Anchored at the start of the line unless stated.
_NETWORKS = r"(?:telegram|whatsapp|youtube|instagram|tiktok|facebook|twitter|linkedin|google news|signal|threads)"
_OUR = r"(?:our|nuestros?|nuestras?|unser(?:e[mnrs]?)?|notre|nos|nosso|nossa|nostro|nostra|naszego|naszym|nasz[ae]?)"

_LINE_RULES: list[tuple[re.Pattern[str], int]] = [
    # copyright and reprint notices
    (_lower_rx(r"^(?:©|\(c\)\s*\d|ⓒ|copyright\s*(?:©|\(c\)|\d{4}|by\b|:|\W*$))"), 40),
    (_lower_rx(r"^copyright\b[^.!?]*$"), 8),
    (_lower_rx(r"\ball rights reserved\b"), 40),
    (_lower_rx(r"\b(?:alle rechte vorbehalten|todos los derechos reservados|tous droits réservés|tutti i diritti riservati|todos os direitos reservados|wszelkie prawa zastrzeżone|alle rechten voorbehouden|(?:vervielfältigung|nachdruck|weiterverbreitung) nur mit (?:schriftlicher )?genehmigung)\b"), 40),
    (_lower_rx(r"^(?:this copy is for your personal|to order presentation-ready copies|order reprints\b|reprints? (?:&|and) permissions)"), 40),
    (_lower_rx(r"\bmay not be (?:published|reproduced|copied), broadcast|may not be reproduced|without (?:prior )?(?:written )?permission (?:is )?(?:prohibited|forbidden)"), 40),
    (_lower_rx(r"^(?:this (?:article|story|post) )?(?:was )?originally (?:published|appeared|posted)\b"), 30),
    (_lower_rx(r"^the post .{3,200} appeared first on\b"), 40),
    (_lower_rx(r"^(?:source|via|republished (?:with|by)|reposted from)\s*:"), 12),
    # share / follow / subscribe / newsletter
    (_lower_rx(r"^share(?:\W*$|\s*[:|]| (?:this|it|via|by email|the (?:article|story|post|page)|(?:on|to|with) (?:facebook|twitter|x|whatsapp|linkedin|reddit|pinterest|telegram|email|messenger|friends))\b)"), 10),
    (_lower_rx(r"^(?:tweet|pin it|email|print|whatsapp|facebook|twitter|linkedin|reddit|telegram)(?:\s+(?:this|it)(?:\s+(?:story|article|post|page|link))?\W*|\s*[:|].*|\W*)$"), 10),
    (_lower_rx(r"^(?:(?:facebook|twitter|x|pinterest|whatsapp|linkedin|reddit|email|print|telegram|messenger|copy link|tumblr|share)\s*[|,·•]?\s*){2,}$"), 12),
    (_lower_rx(r"^follow (?:us\b|@\w|[\w.@]+ on (?:twitter|x|facebook|instagram|tiktok|linkedin|threads|bluesky|mastodon|youtube)\b)"), 15),
    (_lower_rx(r"\b(?:sign up|subscribe|register|signup) (?:for|to) (?:our|the|my) (?:\w+ )?(?:\w+ )?(?:newsletters?|emails?|updates|mailing list|alerts|digest)\b"), 30),
    (_lower_rx(r"^(?:subscribe|newsletter|get our newsletter|join our (?:newsletter|mailing list))(?!\w)|^sign up(?: (?:for|to|now|today|here)\b|\W*$)|^get the latest\b.*\b(?:newsletter|inbox)|^don't miss\b.*\bnewsletter"), 20),
    (_lower_rx(r"^(?:click|tap) here\b|^\((?:click|tap) here\b"), 25),
    # a paywall's prompts ("Already a subscriber? Log in", "This story is for subscribers only.")
    (_lower_rx(r"^(?:already (?:a subscriber|subscribed|have an account)\s*[?.!]|continue reading with (?:a|an|your) (?:\w+ )?(?:subscription|account|membership)\b|(?:subscribe|log ?in|sign in|register) (?:now )?to (?:continue|keep) reading\b|to continue reading,? (?:please )?(?:subscribe|log ?in|sign in|register)\b|this (?:story|article|content) is (?:for|available to|only (?:for|available to)|exclusive to) (?:our )?(?:paying )?subscribers\b|(?:sie sind )?(?:bereits|schon) abonnent\w*\s*\?|déjà abonné\w*\s*\?|¿?ya eres suscriptor\w*\s*\?|(?:jetzt|hier) weiterlesen mit\b)"), 20),
    (_lower_rx(r"\bshare (?:it|this(?: \w+)?) with (?:a|your) friends?\b|^(?:like|enjoyed|enjoy) this (?:story|article|post)\b"), 15),
    (_lower_rx(r"\bnewsletters?\b.*\b(?:sign up|subscribe|inbox|delivered|register)\b|\b(?:sign up|subscribe)\b.*\bnewsletters?\b"), 40),
    # the site's own channels and apps: "our WhatsApp channel", "nuestro canal de YouTube", "download the X
    # apps for iOS and Android", a line ending in "Sign up here" (a YouTube channel in the news has no "our")
    (_lower_rx(rf"\b{_OUR}\s+(?:\w+\s+){{0,2}}(?:{_NETWORKS}[- ]?(?:channel|canal|kanal|kanał|group|gruppe|grupo|page|account)|apps?)\b"
         rf"|\b(?:canal|channel|kanal|kanał|grupo|gruppe) (?:de |on |auf |na |en )?{_NETWORKS}\b"
         r"|\b(?:download|install|get|descarga|baixe|lade|laden sie)\b[^.!?]{0,40}\bapps?\b[^.!?]{0,30}\b(?:ios|android|iphone|app store|google play)\b"
         r"|\bsign up(?: here| now| today| for free)?\s*[!»›>]*$"), 30),
    # cookies and consent
    (_lower_rx(r"\b(?:we use cookies|this (?:web)?site uses cookies|use of cookies|accept (?:all )?cookies|cookie (?:policy|settings|preferences|consent)|by continuing to (?:browse|use|visit) (?:this|our|the) (?:site|website))\b"), 60),
    # ads and page furniture
    (_lower_rx(r"^(?:advertisement|advertising|ad|sponsored(?: content)?|promoted|paid content|story continues below(?: advertisement)?|article continues (?:below|after)\b.*|continue reading(?: (?:below|the main story|the story))?|scroll (?:down )?to continue\b.*)\W*$"), 8),
    (_lower_rx(r"^(?:back to top|skip to (?:main )?content|skip navigation|sign in|log ?in|log ?out|register|privacy policy|terms (?:of|and) (?:use|service|conditions)|cookie policy|contact us|about us|home|menu|search|loading\W*|please enable javascript\b.*|you need to enable javascript\b.*)\W*$"), 8),
    (_lower_rx(r"^(?:previous|next|older|newer) (?:article|post|story|entry)\b"), 16),
    (_lower_rx(r"^(?:tags|tagged|filed under|categories|category|topics|posted in|labels)\s*:"), 30),
    # datelines and bylines standing alone: "Updated at 1:23 p.m.", "05/10/2018 - Posted by: X"
    (_lower_rx(r"^(?:updated|last updated|published|posted|atualizado|publicado|actualizado|aktualisiert|mis à jour|pubblicato)(?:\s+(?:on|at|em|el|am|le|il))?\s*:?\s*(?:\w+,?\s+)?(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|today|yesterday)"), 12),
    (_lower_rx(r"^(?:[\d/.\-\s]+[-|–·]\s*)?(?:posted|published|publicado|publicada|publié|pubblicato|veröffentlicht) (?:by|por|par|von|da)\b"), 25),
    # a date standing alone: "2024-11-02", "Tuesday, 12 March 2024", "March 12, 2024 10:45 AM"
    (_lower_rx(r"^(?:[^\W\d]+\.?,?\s+)?(?:\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}\.?\s+[^\W\d]+\.?,?\s+\d{4}|[^\W\d]+\.?\s+\d{1,2},?\s+\d{4})(?:[\st,]+\d{1,2}[:.h]\d{2}.{0,12})?$"), 8),
    # a date and time standing alone: a year and a clock time in a line of at most 10 words
    (_lower_rx(r"^(?=.*\b(?:19|20)\d\d\b)(?=.*\b\d{1,2}[:h]\d\d\b)[^.!?]*$"), 10),
    (_lower_rx(r"^(?:read more|read also|also read|see also|read next|more:|related:|recommended:|more on this\b|watch:|listen:|read:|read the full (?:story|article)|also on\b|related(?: \w+)?\s*:)"), 25),
    # a teaser: a summary line that ends in the link to its story ("... Full Story |", "... Read more »")
    # (the link follows a sentence's end or a separator: "... go on to read more." is prose)
    (_lower_rx(r"[.!?…\"”»)\]|:–—-]\s*(?:full story|read more|continue reading|read the (?:full|whole) (?:story|article)|weiterlesen"
         r"|mehr lesen|leer más|seguir leyendo|lire la suite|leia mais|continua a leggere|czytaj dalej|lees verder)\W*$"
         r"|\[(?:…|\.\.\.)\]\W*$"), 60),
    # the same "read also" pointers in the languages of the pages copydesk meets most
    # (followed by a colon, a dash or nothing, or in a line that ends in a colon: "Auch interessant ist, dass ..." is prose)
    (_lower_rx(rf"^(?:{_READ_ALSO})(?:\s*[:|?!»>–—-]|\s*$|.*:\s*$)"), 25),
    # advertising and affiliate disclosures standing alone
    (_lower_rx(r"^\W*(?:anzeige|werbung|publicidad|publicité|pubblicità|reklama|publicidade|advertorial)(?:\W*$|\W*[:.,|]\s*(?:\w+\s+){0,12}\w*\W*$)|\benthält (?:werbung|affiliate[- ]links?)\b|^\W*(?:dieser beitrag|dieser artikel|this (?:post|article)) (?:enthält|contains) (?:werbung|affiliate|advertising)"), 16),
    # affiliate and advertiser disclosures ("We may receive compensation when you click ...")
    (_lower_rx(r"\b(?:we|i|the site|this site|the author) (?:may|might|will|can) (?:receive|earn|get|be paid) (?:a )?(?:small )?(?:compensation|commissions?|a share of sales)\b|\bcontains? (?:affiliate links|references to products)\b|\b(?:erhalten|bekommen) wir (?:ggf\. |eventuell |unter umständen )?(?:eine )?provision\b"), 60),
    # a newsletter's name standing alone ("The Morning Newsletter", "PC Gamer Newsletter")
    (_lower_rx(r"^(?:[\w'’.&-]+\s+){0,3}newsletters?\W*$"), 4),
    # newsletters and subscriptions in other languages
    (_lower_rx(r"\bnewsletter\b.*\b(?:abonnieren|anmelden|bestellen|erhalten|registrieren|suscr[ií]b|inscr[ií]b|assine|cadastre|iscriviti|zapisz|abonnez|inscrivez)|^(?:jetzt )?(?:newsletter )?(?:abonnieren|anmelden)\W*$|\b(?:suscr[ií]bete|suscr[ií]base|abonnez-vous|iscriviti|assine|zapisz się)\b"), 30),
    # photo credits in other languages ("Fot. X / Agencja", "Bild: dpa", "Beitragsbild: ...")
    (_lower_rx(r"^\(?(?:fot\.|foto(?:s|grafie)?\s*[:©]|bild(?:quelle|nachweis)?\s*[:©]|beitragsbild|titelbild|headerbild|bildrechte|imagen\s*:|crédit(?:s)? photo|zdj(?:ę|e)cie\s*:|image illustrative)"), 20),
    # photo and video credits standing alone
    (_lower_rx(r"^\(?(?:photos?|images?|pictures?|photograph|foto|fotos|credit|illustration|video|graphic)(?: by| credit| courtesy(?: of)?| source| copyright| caption)?(?:\s*[:/|©]|\s+[-–—]\s)"), 15),
    (_lower_rx(r"^\(?(?:photo|image|picture|photograph|illustration) (?:by|courtesy of|credit)\b"), 15),
    (_lower_rx(r"^image (?:copyright|caption)\b|^media caption\b|^getty images\b|^(?:ap|afp|reuters|epa|getty) photo\b"), 25),
    (_lower_rx(r"/\s*(?:getty images|afp|ap|reuters|epa|shutterstock|bloomberg|istock(?:photo)?|ap images|efe|anadolu)(?: via getty images)?\)?$"), 15),
]

# Headings that open a list of links to other stories: the heading and the short link lines
# under it go, up to the next line of prose.
_LIST_HEADING = _rx(
    r"^(?:related(?: (?:posts?|articles?|stories|news|content|coverage|links|reading|topics|videos?|items))?"
    r"|you (?:may|might) also (?:like|enjoy|be interested in)|recommended(?: for you| stories| articles| reading)?"
    r"|(?:more|other|latest|top|recent|popular|trending) (?:from|stories|articles|posts|news|in|on)\b.*"
    r"|(?:more|other|latest|top|recent|popular) (?:\w+ ){1,2}(?:news|stories|articles|posts|headlines)"
    r"|most (?:popular|read|viewed|shared|commented)\b.*|trending(?: now| stories)?|don't miss|editor'?s? picks?"
    r"|read (?:more|next|also)|also read|see also|further reading|what to read next|in (?:other|case you missed)\b.*"
    r"|popular posts|recent posts|similar (?:posts|articles|stories)|more (?:stories|news|headlines)"
    r"|around the web|from (?:the|our) (?:web|partners)|sponsored stories|promoted stories"
    r"|tags|tagged|topics|categories|labels|filed under"
    # the same headings in German, Spanish, Portuguese, French, Italian, Dutch and Polish
    rf"|{_READ_ALSO}|weitere (?:themen|artikel|beiträge|nachrichten|meldungen|news)\b.*|ähnliche (?:artikel|beiträge|themen)"
    r"|verwandte (?:artikel|beiträge|themen)|empfohlene (?:artikel|beiträge)|top-themen\b.*|meistgelesen\w*|beliebte (?:artikel|beiträge)"
    r"|neueste (?:artikel|beiträge)|aktuelle (?:artikel|beiträge)"
    r"|(?:contenido|noticias|artículos|notas) relacionad[oa]s?|relacionad[oa]s|lo más (?:leído|visto)|más noticias|otras noticias"
    r"|notícias relacionadas|mais lidas|artigos relacionados|articles (?:similaires|liés|connexes)|sur le même sujet|les plus lus"
    r"|articoli (?:correlati|simili)|i più letti|gerelateerde artikelen|meest gelezen|polecane|polecamy|najczęściej czytane"
    r"|podobne artykuły|zobacz również)\W*$"
)

# A comment section or comment form: it and everything after it go when it sits in the tail.
_COMMENTS_HEADING = _rx(
    r"^(?:leave a (?:reply|comment)|post a comment|add (?:a|your) comment|no comments\W*|\d+ comments?\W*|comments?\W*"
    r"|(?:show|view|load|read|see) (?:all )?(?:\d+ )?comments\b.*|comments are closed\W*|join the (?:discussion|conversation)\W*"
    r"|(?:reader|user|top rated|readers'?) comments\W*|have your say\W*|write a comment\W*"
    r"|\d+ (?:responses|replies|thoughts) (?:to|on)\b.*|one (?:response|reply|thought) (?:to|on)\b.*"
    r"|your email address will not be published\b.*|you must be logged in to post a comment\b.*"
    r"|tell us what you think\W*|what do you think\?|share your (?:thoughts|views|comments)\b.*"
    r"|what (?:our )?readers (?:say|think)\W*"
    r"|let us know (?:what you think|in the comments)\b.*"
    # the same in German, Spanish, Portuguese, French, Italian and Polish
    r"|(?:\d+ )?(?:kommentare?|comentarios?|comentários?|commentaires?|commenti|komentarze?)\W*"
    r"|(?:schreibe?n? (?:sie )?einen kommentar|hinterlasse(?:n sie)? einen kommentar|kommentar schreiben|kommentare insgesamt\b.*"
    r"|deja (?:un|tu) comentario|dejar un comentario|escribe un comentario|deixe (?:um|seu) comentário|laisser un commentaire"
    r"|lascia un commento|dodaj komentarz)\W*)$"
)

# Comment-thread furniture: reply buttons, "X says:", relative times, vote counts, report links.
COMMENT_FURNITURE = re.compile(
    r"^(?:reply|antworten|responder|répondre|rispondi|odpowiedz|report|melden|like|gefällt mir|flag)\W*$"
    r"|\b(?:says|said|schreibt|escribió|a écrit|wrote)\s*:\s*$"
    r"|\b\d{1,2}:\d{2}\s*(?:am|pm|uhr)\b|\b\d+\s+(?:minutes?|hours?|days?|weeks?|months?|years?)\s+ago\b"
    r"|\bvor\s+\d+\s+(?:minuten|stunden|tagen|wochen|monaten|jahren)\b|\bhace\s+\d+\s+(?:minutos|horas|días)\b"
    r"|^\d+\s+(?:replies|antworten|respuestas|likes|points)\b|\b(?:upvote|downvote|permalink)\b",
    re.I,
)
THREAD_LOOKAHEAD = 8  # lines after a comment heading searched for thread furniture
THREAD_MARKS = 2  # furniture lines among them that make the heading a thread's (docs/cleaning.md, "Thresholds")


def _thread_follows(lines: list[str], counts: list[int], start: int) -> bool:
    """A comment thread starts at `start`: THREAD_MARKS of the next THREAD_LOOKAHEAD lines are its
    furniture ("3 hours ago", "Reply", "X says:")."""
    marks = 0
    for line, words in zip(lines[start:start + THREAD_LOOKAHEAD], counts[start:start + THREAD_LOOKAHEAD]):
        if words <= 12 and COMMENT_FURNITURE.search(line):
            marks += 1
            if marks >= THREAD_MARKS:
                return True
    return False


_BREADCRUMB = re.compile(r"^[^>»›|/]{1,40}(?:\s[>»›|/]\s[^>»›|/]{1,40}){2,}$")


# A byline or source credit standing alone: "By Jane Doe", "BY JANE DOE AND OLE BERG",
# "By Jane Doe, Harbour Times", "From Meridian Press". Case matters: "By the end of May" is prose.
_NAME = r"(?:[A-Z][\w'’.-]*|(?:de|da|di|del|van|von|der|den|la|le|al|el|bin|ibn|of|the|and|&)(?=\s))"
_BYLINE = re.compile(
    rf"^(?:(?:By|BY)\s+{_NAME}(?:\s+{_NAME}){{0,5}}(?:\s*,\s*{_NAME}(?:\s+{_NAME}){{0,5}})?"
    rf"|From\s+(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){{0,3}})\s*$"
)


def is_byline(line: str) -> bool:
    return len(line) <= 80 and _BYLINE.match(line) is not None


def boilerplate_rule(line: str, words: int | None = None) -> int | None:
    """Index of the first line rule that matches `line`, or None."""
    if words is None:
        words = count_words(line)
    low = line.lower()
    for i, (rx, max_words) in enumerate(_LINE_RULES):
        if words <= max_words and rx.search(low):
            return i
    return None


def is_boilerplate(line: str) -> bool:
    return boilerplate_rule(line) is not None


def _link_like(line: str, words: int) -> bool:
    """A line of a link list: a headline, a site or author name, a date; not a sentence of prose."""
    if words <= 5:
        return True
    if words > 20:
        return False
    return not line.endswith(_END_PUNCT) or (words <= 14 and line.endswith("?"))


_T = TypeVar("_T")
# A page's candidate texts (trafilatura's passes, readability) share most of their lines, and a
# site's pages share their furniture: the line tests below remember their last answers. Long lines
# are not remembered, so the memory stays small (at most MEMO_LINES lines of MEMO_LINE_CHARS).
MEMO_LINES = 2048
MEMO_LINE_CHARS = 1000


_MEMOS: list[Any] = []


def _memo(fn: Callable[[str], _T]) -> Callable[[str], _T]:
    remembered = functools.lru_cache(maxsize=MEMO_LINES)(fn)
    _MEMOS.append(remembered)

    def test(line: str) -> _T:
        return remembered(line) if len(line) <= MEMO_LINE_CHARS else fn(line)

    return test


_line_words = _memo(count_words)
_is_code = _memo(is_code)
_line_rule = _memo(boilerplate_rule)


def forget_lines() -> None:
    """Empty the line tests' memory: bench/extraction.py --repeat times each round of a page as its first."""
    for remembered in _MEMOS:
        remembered.cache_clear()


def filter_lines(lines: list[str], *, cut_comments: bool = True, head: bool = True) -> list[str]:
    """Drop boilerplate lines; drop link lists under their heading; cut a trailing comment section."""
    counts = [_line_words(line) for line in lines]
    total = sum(counts) or 1
    out: list[str] = []
    seen_words = 0
    i = 0
    n = len(lines)
    while i < n:
        line, words = lines[i], counts[i]
        seen_words += words
        if "<" in line or "-->" in line or "[" in line:
            line = strip_shortcodes(strip_tags(line))
            words = _line_words(line)
            if not line:
                i += 1
                continue
        if _is_code(line):
            i += 1
            continue
        if words <= 12 and _COMMENTS_HEADING.match(line):
            if cut_comments and (seen_words >= 0.5 * total or _thread_follows(lines, counts, i + 1)):
                break
            i += 1
            continue
        if words <= 8 and _LIST_HEADING.match(line):
            i += 1
            while i < n and _link_like(lines[i], counts[i]) and not _is_code(lines[i]):
                if counts[i] <= 12 and _COMMENTS_HEADING.match(lines[i]):
                    break
                seen_words += counts[i]
                i += 1
            continue
        if words <= 60 and (_line_rule(line) is not None or is_byline(line)):
            i += 1
            continue
        if out and line == out[-1] and words <= 30:
            i += 1  # a heading or caption repeated back to back
            continue
        out.append(line)
        i += 1
    if head:
        out = _strip_head(out)
        out = _strip_tail(out)
    return out


_SIGN_OFF = re.compile(r"^(?:[-—–(\[*]|by\b|reporting\b|editing\b|writing\b|with\b|additional\b|contribut)", re.I)


def _strip_tail(lines: list[str]) -> list[str]:
    """Page furniture after the last paragraph: up to three 1-4 word labels ("Jerusalem Post Store").

    Sign-offs ("— Reuters", "(Reporting by ...)", "Contributing: ...") stay; so does a short line that
    follows a line that is not prose, which is more likely part of a list in the article.
    """
    end = len(lines)
    while end > 1 and len(lines) - end < 3:
        line = lines[end - 1]
        if count_words(line) > 4 or line.endswith(_END_PUNCT) or _SIGN_OFF.match(line):
            break
        end -= 1
    if end == len(lines) or end == 0:
        return lines
    prev = lines[end - 1]
    if count_words(prev) >= 12 and prev.endswith(_END_PUNCT):
        return lines[:end]
    return lines


def _strip_head(lines: list[str]) -> list[str]:
    """Site navigation before the article: a breadcrumb, a label left without its value ("Published:"),
    or a run of 1-3 word labels ("My Blog", "World News")."""
    k = 0
    while k < min(len(lines), 3) and _BREADCRUMB.match(lines[k]) and count_words(lines[k]) <= 12:
        k += 1
    if k < len(lines) - 1 and lines[k].endswith(":") and count_words(lines[k]) <= 3:
        k += 1  # a label whose value is gone ("Published:")
    run = k
    while run < len(lines) and count_words(lines[run]) <= 3 and not lines[run].endswith(_END_PUNCT):
        run += 1
    if run - k >= 2 and run < len(lines) and count_words(lines[run]) > 3:
        k = run
    return lines[k:]


def clean_text(text: str) -> str:
    """Post-clean plain text an older scraper produced: the article without the page's leftovers."""
    if not text:
        return ""
    return "\n".join(filter_lines(normalize(text).split("\n")))
