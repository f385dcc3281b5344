"""HTML -> Article: trafilatura for text and metadata, a second opinion when it fails, post-cleaning.

Pure functions of their inputs (no caches, no global state that changes results): they run in a
process pool. trafilatura's `deduplicate` is never used: it is process-global and order-dependent.
"""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import trafilatura

from . import postclean
from .encoding import decode_html, looks_binary
from .model import Article, Rejected, count_words
from .parse import parse_html, recovery_trees, sanitize, unwrap_layout_tables
from .second_opinion import choose, readability_text

if TYPE_CHECKING:
    from lxml.html import HtmlElement

DEFAULT_MIN_WORDS = 50
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
) -> Article | Rejected:
    """Clean one page. Returns an Article, or Rejected(reason) saying why there is none.

    min_words: fewer words of clean text than this -> Rejected("too_short").
    favor_precision: trafilatura's precision mode (fewer boilerplate lines, rarely loses text).
    second_opinion: ask readability-lxml when trafilatura's text is missing, short or partial.
    post_clean: copydesk's line filters (see cleaning.postclean). Off only for measuring.
    """
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

    # Escalation: trafilatura's fast mode; its full mode (with its own fallbacks) when that comes
    # back short; tree recovery when the markup holds text the parse lost; readability when the
    # text is still short or covers well under half of the page's paragraph prose.
    # `words` is always count_words(text): counted once per candidate, not at every test.
    doc = _trafilatura(markup, url, favor_precision, fast=True, metadata=True)
    text = _post(doc.text if doc else "", post_clean)
    words = count_words(text)
    if words < 2 * min_words:
        full = _trafilatura(markup, url, favor_precision, fast=False, metadata=doc is None)
        full_text = _post(full.text if full else "", post_clean)
        full_words = count_words(full_text)
        if full_words > words:
            doc, text, words = _merge_meta(full, doc), full_text, full_words

    tree = None
    if words < min_words:
        for candidate in recovery_trees(markup):
            rec = _trafilatura(candidate, url, favor_precision, fast=False, metadata=doc is None)
            rec_text = _post(rec.text if rec else "", post_clean)
            rec_words = count_words(rec_text)
            if rec_words > words:
                doc, text, words, tree = _merge_meta(rec, doc), rec_text, rec_words, candidate
            if words >= min_words:
                break

    if _has_layout_table_rows(text):
        tree = parse_html(markup) if tree is None else tree
        if tree is not None and unwrap_layout_tables(tree):
            alt_doc = _trafilatura(tree, url, favor_precision, fast=False, metadata=False)
            alt_text = _post(alt_doc.text if alt_doc else "", post_clean)
            alt_words = count_words(alt_text)
            if alt_words >= 0.5 * words:
                doc, text, words = _merge_meta(alt_doc, doc), alt_text, alt_words

    if second_opinion and _wants_second_opinion(words, markup, min_words):
        if tree is None:
            tree = parse_html(markup)
        if tree is not None:
            alt = _post(readability_text(tree), post_clean)  # readability mutates `tree`: its last use
            chosen = choose(text, alt, min_words).text
            if chosen is not text:
                text, words = chosen, count_words(chosen)

    shown = _drop_headline(text, getattr(doc, "title", None))
    if shown is not text:
        text, words = shown, count_words(shown)
    if not text:
        return Rejected("extraction_failed" if doc is None else "not_article")
    if words < min_words:
        return Rejected("too_short")
    return _article(text, words, doc, url, markup)


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


def _trafilatura(page: str | HtmlElement, url: str | None, favor_precision: bool, *, fast: bool, metadata: bool) -> Any:
    try:
        return trafilatura.bare_extraction(
            page,  # a str, or a tree (trafilatura copies a tree it is given)
            url=url,
            fast=fast,
            include_comments=False,
            favor_precision=favor_precision,
            deduplicate=False,
            with_metadata=metadata,
            include_tables=True,
            date_extraction_params=_date_params() if metadata else None,
        )
    except Exception:  # a library bug on one odd page must not cost the page: the next steps retry
        return None


def _post(text: str, enabled: bool) -> str:
    if not text:
        return ""
    if not enabled:
        return postclean.normalize(text)
    return postclean.clean_text(text)


_TAG = re.compile(r"<[^<>]*>")  # not [^>]*: quadratic on a run of "<" without ">"
_P_NAME_END = frozenset(">\n\t\r ")


def _page_paragraph_words(markup: str) -> int:
    """Words inside <p> elements of the whole page (article, comments, footer alike).

    A string scan rather than a parse or a regex over the page: this runs on every page. A <p>
    whose "</p" does not come before the next "<p" is not counted.
    """
    n = 0
    find, size = markup.find, len(markup)
    pos = find("<p")
    while pos != -1:
        nxt = find("<p", pos + 2)
        if markup[pos + 2:pos + 3] in _P_NAME_END:  # not <pre>, <param>, <path>...
            limit = size if nxt == -1 else nxt
            start = find(">", pos + 2, limit) + 1
            end = find("</p", start, limit) if start else -1
            if end > start:
                inner = markup[start:end]
                n += len((_TAG.sub(" ", inner) if "<" in inner else inner).split())
        pos = nxt
    return n


def _wants_second_opinion(words: int, markup: str, min_words: int) -> bool:
    """trafilatura's text (`words` long) is too short, or covers well under half of the page's paragraph prose."""
    if words < min_words:
        return True
    return words < 0.45 * _page_paragraph_words(markup)


def _has_layout_table_rows(text: str) -> bool:
    """trafilatura renders table rows as "| a | b |"; a row holding prose means a layout table."""
    return any(line.startswith("|") and count_words(line) >= 60 for line in text.split("\n") if line[:1] == "|")


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _drop_headline(text: str, title: str | None) -> str:
    """The headline is metadata (Article.title), not body text: drop it from the first lines."""
    if not title or not text:
        return text
    head = _tokens(title)
    if not head:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines[:3]):
        toks = _tokens(line)
        # the title tag often carries a " | Site name" suffix, so the line may be a prefix of it
        if toks and len(toks) >= 3 and (toks == head or (len(toks) >= 0.6 * len(head) and head[: len(toks)] == toks)):
            return "\n".join(lines[:i] + lines[i + 1:])
    return text


def _merge_meta(primary: Any, fallback: Any) -> Any:
    """trafilatura Documents: fill the metadata `primary` lacks from `fallback`."""
    if primary is None:
        return fallback
    if fallback is None:
        return primary
    for field in ("title", "author", "date", "sitename", "description", "url", "language"):
        if not getattr(primary, field, None) and getattr(fallback, field, None):
            setattr(primary, field, getattr(fallback, field))
    return primary


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
    if base:
        candidate = urljoin(base, candidate)
    parts = urlsplit(candidate)
    return candidate if parts.scheme in ("http", "https") and parts.netloc else None


_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([a-zA-Z]{2,3})\b""", re.I)


def _language(text: str, words: int, markup: str) -> str | None:
    """Detected from the text (py3langid) when there is enough of it, else the page's declared <html lang>."""
    if words >= 15:
        try:
            import py3langid

            lang, _score = py3langid.classify(text[:800])
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
        canonical_url=_absolute(getattr(doc, "url", None), url),
        site_name=_clean_field(getattr(doc, "sitename", None)),
        url=url,
    )
