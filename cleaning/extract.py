"""HTML -> Article: trafilatura with rule-based escalation (or, on request, an evidence-based
choice between candidate extractions), post-cleaning, metadata from trafilatura.

    select="rules" (default): the rule-based extraction of issue #5 (cleaning.rules).
    select="cascade": the rules on every page; the expensive candidates (trafilatura full,
        readability-lxml, jusText) and the evidence-based choice (cleaning.selector) only when the
        rules' text is under min_words or the gate (cleaning.cascade) says it is at risk. Better
        on pages nobody tuned to, 1.3-1.6x the rules' time (docs/cleaning.md).
    select="evidence": every candidate on every page, the selector chooses (4-5x trafilatura's time).

Pure functions of their inputs (no caches, no global state that changes results): they run in a
process pool. trafilatura's `deduplicate` is never used: it is process-global and order-dependent.
"""
from __future__ import annotations

import html as html_lib
import logging
import re
from collections import Counter
from typing import Any
from urllib.parse import urljoin, urlsplit

from . import candidates, cascade, postclean, selector
from .encoding import decode_html, looks_binary
from .headline import HEAD_LINES
from .model import Article, Rejected, count_words
from .parse import parse_html, recovery_trees, sanitize
from .rules import merge_meta as _merge_meta
from .rules import rules_extract


DEFAULT_MIN_WORDS = 50
# An article's worth of text for the extraction's own decisions (when to escalate to a fuller pass,
# to damaged-HTML recovery, to a second opinion or to the other candidates). Fixed, and apart from
# `min_words`, which is only the length policy applied to the result: the same text is extracted
# whatever the caller's policy, and a caller can take short texts (min_words=1) without changing how
# they are found.
ARTICLE_WORDS = 50
SELECT_MODES = ("cascade", "evidence", "rules")
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

_NON_HTML_TYPES = re.compile(
    r"^(?:image|audio|video|font|model)/|^application/(?:pdf|zip|gzip|x-gzip|octet-stream|x-tar|msword|vnd\.|java|wasm|x-shockwave)",
    re.I,
)
_TAG_SNIFF = re.compile(r"<(?:!doctype|html|head|body|p|div|article|title|meta|br|span|table|h[1-6])\b", re.I)


def analyze(
    html: str | bytes,
    url: str | None = None,
    *,
    content_type: str | None = None,
    min_words: int = DEFAULT_MIN_WORDS,
    favor_precision: bool = True,
    second_opinion: bool = True,
    post_clean: bool = True,
    select: str = "rules",
) -> Article | Rejected:
    """Clean one page. Returns an Article, or Rejected(reason) saying why there is none.

    min_words: fewer words of clean text than this -> Rejected("too_short"). A policy on the
        result only: the extraction is the same for every value (ARTICLE_WORDS drives it).
    favor_precision: trafilatura's precision mode (the first pass, and a candidate).
    second_opinion: readability-lxml (and, for the selector, jusText) may be asked; off, only
        trafilatura's modes compete.
    post_clean: copydesk's line filters (see cleaning.postclean). Off only for measuring.
    select: "rules" (default: the rule-based extraction), "cascade" (the rules, and the
        evidence-based choice when a gate says their text is at risk) or "evidence" (every
        candidate on every page); see the module docstring and docs/cleaning.md.
    """
    if select not in SELECT_MODES:
        raise ValueError(f"select must be one of {', '.join(SELECT_MODES)}, not {select!r}")
    if html is None or len(html) == 0:
        return Rejected("empty")
    if content_type and _NON_HTML_TYPES.search(content_type.strip()):
        return Rejected("binary" if isinstance(html, bytes) and looks_binary(html) else "not_html")
    if isinstance(html, (bytes, bytearray, memoryview)):
        data = bytes(html)
        if looks_binary(data):
            return Rejected("binary")
        markup = decode_html(data, content_type)
    else:
        markup = html
    markup = flatten_deep_tables(sanitize(markup))
    if not markup or markup.isspace():
        return Rejected("empty")
    if not _TAG_SNIFF.search(markup[:65536]):
        return Rejected("not_html")

    names = tuple(n for n in candidates.DEFAULT_CANDIDATES
                  if (second_opinion or n.startswith("t")) and (favor_precision or n != "tp_fast"))
    if select == "evidence":
        text, doc = _select_by_evidence(markup, url, names, ARTICLE_WORDS, post_clean)
    else:
        rules = rules_extract(markup, url, min_words=ARTICLE_WORDS, favor_precision=favor_precision,
                              second_opinion=second_opinion, post_clean=post_clean, date_params=_date_params())
        text, doc = rules.text, rules.doc
        if select == "cascade":
            text = _cascade(markup, url, rules, names, ARTICLE_WORDS, post_clean)
    words = count_words(text)

    shown = _drop_headline(text, getattr(doc, "title", None))
    if shown is not text:
        text, words = shown, count_words(shown)
    if not text:
        return Rejected("extraction_failed" if doc is None else "not_article")
    if words < min_words:
        return Rejected("too_short")
    return _article(text, words, doc, url, markup)


def _cascade(markup: str, url: str | None, rules: Any, names: tuple[str, ...], article_words: int,
             post_clean: bool) -> str:
    """The rule-based text, or the evidence-based choice when the gate says the former is at risk."""
    cheap = _drop_headline(rules.text, getattr(rules.doc, "title", None))
    if len(names) < 2:
        return rules.text
    # The evidence is read from the page the rules parsed (trafilatura's loader: the same evidence
    # on every page of the three development sets, and no deeper than libxml2's default limit of
    # 256); the other extractors get a tree of their own, as before.
    page = rules.page if not isinstance(rules.page, str) else parse_html(markup)
    if page is None or (page is not rules.page and candidates.tree_depth(page) > candidates.MAX_DEPTH_FOR_ALL):
        return rules.text
    evidence = candidates.page_evidence(page)
    lang = candidates.declared_language(markup)
    if count_words(cheap) >= article_words and not cascade.at_risk(cheap, evidence, lang):
        return rules.text
    tree = parse_html(markup)
    if tree is None or candidates.tree_depth(tree) > candidates.MAX_DEPTH_FOR_ALL:
        return rules.text  # nesting no real layout has: the other extractors take seconds on it
    reused = {"readability": rules.readability} if "readability" in names and rules.readability is not None else {}
    rest = tuple(n for n in names if n != "tp_fast" and n not in reused)
    texts, _doc = candidates.extract_candidates(tree, markup, url, rest, post_clean=post_clean)
    texts.update(reused)  # readability comes last either way (extract_candidates runs it last)
    if "tp_fast" in names:
        fast_text = rules.fast_text
        if fast_text is None:  # the rules read the page with its layout tables unwrapped, without a fast pass
            fast = candidates.trafilatura_candidate(rules.page, url, rules.fast_mode)
            fast_text = candidates.post(fast.text if fast else "", post_clean)
        texts = {"tp_fast": fast_text, **texts}
    if max((count_words(t) for t in texts.values()), default=0) < article_words:
        return rules.text  # every candidate is short: the rules' text (after damaged-HTML recovery) stays
    return _choose(texts, evidence, lang, article_words)


def _choose(texts: dict[str, str], evidence: candidates.Evidence, lang: str | None, article_words: int) -> str:
    """The selector's choice; a choice under article_words gives way to a candidate that holds it."""
    ranked = selector.rank(texts, evidence, lang)
    text = texts[ranked[0][1]]
    if 0 < count_words(text) < article_words:
        # a short choice is not rejected as too short while another candidate holds it and has
        # an article's worth of text (the best-ranked such candidate)
        text = next((texts[n] for _p, n in ranked[1:]
                     if count_words(texts[n]) >= article_words and _holds(texts[n], text)), text)
    return text


def _select_by_evidence(markup: str, url: str | None, names: tuple[str, ...], article_words: int,
                        post_clean: bool) -> tuple[str, Any]:
    """select="evidence": every candidate, the selector chooses; damaged-HTML recovery when all are short."""
    tree = parse_html(markup)
    texts: dict[str, str] = {}
    doc = None
    evidence = candidates.Evidence()
    if tree is not None:
        if candidates.tree_depth(tree) > candidates.MAX_DEPTH_FOR_ALL:
            names = names[:1]  # nesting no real layout has: the other extractors take seconds on it
        evidence = candidates.page_evidence(tree)
        texts, doc = candidates.extract_candidates(tree, markup, url, names, post_clean=post_clean,
                                                   date_params=_date_params())
    if max((count_words(t) for t in texts.values()), default=0) < article_words:
        best = max(texts.values(), key=count_words, default="")
        for candidate in recovery_trees(markup):
            mode = "t_full" if candidates.tree_depth(candidate) <= candidates.MAX_DEPTH_FOR_ALL else "t_fast"
            rec = candidates.trafilatura_candidate(candidate, url, mode, metadata=doc is None, date_params=_date_params())
            rec_text = candidates.post(rec.text if rec else "", post_clean)
            if count_words(rec_text) > count_words(best):
                best, doc = rec_text, _merge_meta(doc, rec)
            if count_words(best) >= article_words:
                break
        return best, doc
    if len(texts) == 1:
        return next(iter(texts.values())), doc
    return _choose(texts, evidence, candidates.declared_language(markup), article_words), doc


_TABLE_TAG = re.compile(r"<(/?)table\b", re.I)
_TABLE_PART = re.compile(r"<(/?)(?:table|tbody|thead|tfoot|tr|td|th|caption)\b", re.I)
MAX_TABLE_DEPTH = 64


def flatten_deep_tables(markup: str, max_depth: int = MAX_TABLE_DEPTH) -> str:
    """Tables nested deeper than any real layout (`max_depth`) become <div>s.

    trafilatura's table handling is quadratic in nesting depth: a 10 KB page of 1,000 nested
    tables took 8 s, a 21 KB one 25 s (past crawl.extract_timeout). Pages within the limit are
    returned unchanged.
    """
    depth = deepest = 0
    for m in _TABLE_TAG.finditer(markup):
        depth = max(0, depth - 1) if m.group(1) else depth + 1
        deepest = max(deepest, depth)
    if deepest <= max_depth:
        return markup
    return _TABLE_PART.sub(lambda m: f"<{m.group(1)}div", markup)


def extract(html: str | bytes, url: str | None = None, **options) -> Article | None:
    """analyze() without the reason: an Article or None."""
    result = analyze(html, url, **options)
    return result if isinstance(result, Article) else None


# ----------------------------------------------------------------------------- steps


def _holds(large: str, small: str, share: float = 0.8) -> bool:
    """`large` holds at least `share` of the tokens of `small` (as bags)."""
    a, b = Counter(_tokens(small)), Counter(_tokens(large))
    n = sum(a.values())
    return n > 0 and sum((a & b).values()) >= share * n


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _drop_headline(text: str, title: str | None) -> str:
    """The headline is metadata (Article.title), not body text: drop it from the first lines (every
    copy there: a page may show it twice, as its title line and as its <h1>)."""
    if not title or not text:
        return text
    head = _tokens(title)
    if not head:
        return text
    lines = text.split("\n")
    drop = set()
    for i, line in enumerate(lines[:HEAD_LINES]):
        toks = _tokens(line)
        # the title tag often carries a " | Site name" suffix, so the line may be a prefix of it
        # the whole headline, however short; a prefix only of 3 words or more
        if toks and (toks == head or (len(toks) >= 3 and len(toks) >= 0.6 * len(head) and head[: len(toks)] == toks)):
            drop.add(i)
        elif _headline_with_labels(line, title):
            drop.add(i)
    if not drop:
        return text
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


_LABEL_SEPARATOR = re.compile(r"\s[|–—·•]\s")


def _headline_with_labels(line: str, title: str) -> bool:
    """`line` is the title's headline followed by short labels ("Headline | Section | Site | 23.05.2011")."""
    parts = _LABEL_SEPARATOR.split(line)
    if len(parts) < 2 or any(len(_tokens(part)) > 4 for part in parts[1:]):
        return False
    first = _tokens(parts[0])
    return len(first) >= 3 and first == _tokens(_LABEL_SEPARATOR.split(title)[0])


_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|&|\|)\s*")


def _authors(raw: str | None) -> list[str]:
    if not raw:
        return []
    names = []
    for name in _AUTHOR_SPLIT.split(raw):
        name = name.strip(" ,")
        if name and name not in names and len(name) <= 80:
            names.append(name)
    return names


def _absolute(candidate: str | None, base: str | None) -> str | None:
    if not candidate:
        return None
    candidate = candidate.strip()
    try:
        if base:
            candidate = urljoin(base, candidate)
        parts = urlsplit(candidate)
    except ValueError:  # a host in brackets that is no IP address ("http://[…]/"): no URL
        return None
    return candidate if parts.scheme in ("http", "https") and parts.netloc else None


_HEAD_TAG = re.compile(r"<(link|base|meta)\b[^>]*>", re.I)


def _attribute(name: str) -> re.Pattern[str]:
    return re.compile(rf"""(?<![\w-]){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


_REL, _HREF, _PROPERTY, _NAME, _CONTENT = (_attribute(a) for a in ("rel", "href", "property", "name", "content"))


def _value(pattern: re.Pattern[str], tag: str) -> str | None:
    m = pattern.search(tag)
    return next((g for g in m.groups() if g is not None), None) if m else None


def _canonical(markup: str, url: str | None) -> str | None:
    """The page's ``<link rel="canonical">``, else its ``og:url``, resolved as a browser resolves a
    link: against the page's ``<base href>`` when it has one, else its URL (a relative "/x" or a
    scheme-relative "//host/x" takes the page's host or scheme; trafilatura drops the first, gives
    the second https, and takes a ``<base href>`` itself for the page's URL)."""
    end = markup.find("</head>", 0, 200_000)
    head_end = end if end >= 0 else 200_000
    base, canonical, og_url = url, None, None
    for tag in _HEAD_TAG.finditer(markup, 0, head_end):
        t = tag.group()
        name = tag.group(1).lower()
        if name == "base" and base is url and (href := _value(_HREF, t)):
            base = _absolute(html_lib.unescape(href), url) or url
        elif name == "link" and canonical is None and (href := _value(_HREF, t)) \
                and "canonical" in (_value(_REL, t) or "").lower().split():
            canonical = html_lib.unescape(href)
        elif name == "meta" and og_url is None and (_value(_PROPERTY, t) or _value(_NAME, t) or "").lower() == "og:url":
            og_url = html_lib.unescape(_value(_CONTENT, t) or "") or None
    return _absolute(canonical or og_url, base)


_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([a-zA-Z]{2,3})\b""", re.I)


# py3langid reads this much of the text. On trafilatura-eval's 343 labelled pages of 15+ words it is
# right on 327 with 100 to 400 characters (325 with 800, 326 with 2,000); read whole, the texts of
# the three development sets get the language the first 300 characters get on every page that the
# first 400 do (scrapinghub 181/181, trafilatura-eval 382/384, fixtures 64/64), while 200 turn one
# English page into Pidgin. Its table walk is memory-bound: time grows with the characters read.
LANGUAGE_SAMPLE_CHARS = 300


def _language(text: str, words: int, markup: str) -> str | None:
    """Detected from the text (py3langid) when there is enough of it, else the page's declared <html lang>."""
    if words >= 15:
        try:
            import py3langid

            lang, _score = py3langid.classify(text[:LANGUAGE_SAMPLE_CHARS])
            return lang
        except Exception:  # detection is optional metadata
            pass
    m = _HTML_LANG.search(markup[:5000])
    return m.group(1).lower() if m and len(m.group(1)) == 2 else None


def _clean_field(value: str | None) -> str | None:
    if not value:
        return None
    value = postclean.normalize(value).replace("\n", " ").strip()
    return value or None


def _date_params() -> dict[str, Any]:
    """trafilatura's date settings, with the time of day kept when the page gives one
    (article:published_time, JSON-LD datePublished), and the page's metadata read before a date
    in its URL (which has no time): who published a story first is often a matter of hours
    (storage.stories)."""
    from trafilatura.settings import set_date_params

    return {**set_date_params(True), "outputformat": "%Y-%m-%dT%H:%M:%S%z", "deferred_url_extractor": True}


_MIDNIGHT_NO_ZONE = re.compile(r"^(\d{4}-\d{2}-\d{2})T00:00:00$")
_BASIC_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def _published(value: str | None) -> str | None:
    """htmldate's date-time as ISO 8601: "2026-03-02" when the page gave only a date (htmldate
    then says midnight without a zone), else "2026-03-02T09:15:00+02:00"."""
    if not value:
        return None
    m = _MIDNIGHT_NO_ZONE.match(value)
    if m:
        return m.group(1)
    return _BASIC_OFFSET.sub(r"\1:\2", value)


def _article(text: str, words: int, doc: Any, url: str | None, markup: str) -> Article:
    return Article(
        text=text,
        title=_clean_field(getattr(doc, "title", None)),
        authors=_authors(getattr(doc, "author", None)),
        published=_published(getattr(doc, "date", None)),
        language=_language(text, words, markup),
        description=_clean_field(getattr(doc, "description", None)),
        canonical_url=_canonical(markup, url),
        site_name=_clean_field(getattr(doc, "sitename", None)),
        url=url,
    )
