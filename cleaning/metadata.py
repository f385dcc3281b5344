"""The page's metadata as trafilatura reads it, without the fields copydesk does not keep.

trafilatura's `extract_metadata` also reads categories, tags and a licence, about a third of its
cost (a scan of every link and of the page's text nodes) for fields no Article holds. `page_metadata`
runs the same steps as trafilatura 2.3's `extract_metadata`, in the same order, for title, author,
URL, host name, date (htmldate), site name and description, so those fields are the ones
`bare_extraction(..., with_metadata=True)` gives. It does not change `tree` (trafilatura's author
search and htmldate work on their own copies).

The date is the one place where it departs from trafilatura: `published_date` reads only what the
page says of its own publication, never htmldate's search heuristics (docs/cleaning.md, "The
publication date"). trafilatura's own metadata pass, which copydesk runs on a page extracted
without a URL (cleaning.candidates), is given the same reader.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import lxml.html
from htmldate.core import DATE_ATTRIBUTES, ITEMPROP_ATTRS_ORIGINAL
from htmldate.extractors import COMPLETE_URL, try_date_expr
from htmldate.validators import get_max_date, get_min_date
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_domain,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, set_date_params


def page_metadata(tree: lxml.html.HtmlElement, url: str | None, date_params: dict[str, Any] | None,
                  extensive: bool) -> Document:
    """trafilatura's Document with the page's metadata (no text); `extensive` is used only without
    `date_params`, as in trafilatura."""
    date_config = {**date_params} if date_params else set_date_params(extensive)
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # trafilatura's own guard: bugs in its JSON-LD reading
        pass
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    date_config["url"] = metadata.url
    metadata.date = published_date(tree, **date_config)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.filedate = date_config.get("max_date")
    metadata.clean_and_trim()
    return metadata


# The <meta> names and properties of a publication date, as htmldate knows them: not a modification
# date (article:modified_time, dateModified, last-modified), not a copyright year, not "gentime"
# (when the page was generated).
_META_PUBLISHED = frozenset(DATE_ATTRIBUTES - {"gentime"})
# Elements whose dates are not this page's: links (another page's date), page furniture, lists of
# other stories, comments.
_NOT_THE_ARTICLE = frozenset({"a", "footer", "aside", "nav", "form", "button", "select"})
_OTHER_CONTENT = re.compile(r"comment|related|sidebar|teaser|recommend|popular|trending|more-stories|newsletter",
                            re.I)
_MODIFIED = re.compile(r"modif|updat|edited|revised", re.I)
_PUBLISHED_CUE = re.compile(r"publish|pubdate|entry-date|post-date|posted|created", re.I)
# a byline or dateline: an element of the article whose class or id says it holds the date
_BYLINE_CUE = re.compile(r"byline|dateline|date|datum|fecha|publi|posted|meta|time|zeit", re.I)
_BYLINE_MAX_CHARS = 120
_UPDATED_WORDS = re.compile(r"^\W*(?:updated|last updated|modified|edited|aktualisiert|actualizado|atualizado|mis à jour|"
                            r"aggiornato)", re.I)
_BEFORE_FIRST_DIGIT = re.compile(r"(?:[^\W\d]+\W+)?\d")
_JSON_PUBLISHED = re.compile(r"""["']datePublished["']\s*:\s*["']([^"']{4,40})["']""", re.I)
_ISO = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,6})?)?\d*\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$", re.I)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:\D|$)")


def published_date(tree: lxml.html.HtmlElement, *, outputformat: str = "%Y-%m-%d", url: str | None = None,
                   min_date: Any = None, max_date: Any = None, extensive_search: bool = True,
                   **_ignored: Any) -> str | None:
    """The page's publication date as it states it, in `outputformat` (htmldate's `find_date`
    arguments; `original_date` and `deferred_url_extractor` are what this does anyway), or None.

    In order, the first found: a publication <meta> (article:published_time, itemprop
    datePublished, DC dates, ...; htmldate's list), JSON-LD ``datePublished``, a <time> or microdata
    element of the article marked as the publication date (``pubdate``, itemprop datePublished,
    class "published"/"entry-date", hAtom's <abbr class="published" title=...>), a date in `url` (the page's own: its canonical URL as
    trafilatura reads it) -- with the time of day of the article's first <time> when that is the
    same day --, the article's first <time datetime>, a date written in the article's byline or
    dateline (an element whose class or id says so: "byline", "date", "meta", ...). Never a date modified, a copyright year, a
    date in a link, the footer, an aside or a list of other stories, or words in the text.
    `extensive_search` lets a written-out date in those places ("March 2, 2026") go to dateparser.
    """
    earliest, latest = get_min_date(min_date), get_max_date(max_date) + dt.timedelta(days=1)

    def read(value: str | None) -> dt.datetime | None:
        return _parse(value, earliest, latest, extensive_search)

    when = next((d for d in map(read, _meta_dates(tree)) if d), None) or _json_ld(tree, read)
    if when is None:
        marked, first = _article_times(tree, read, url)
        when = marked
        if when is None:
            in_url = _url_date(url, earliest, latest)
            when = (first if first is not None and in_url is not None and first.date() == in_url.date()
                    else in_url or first)
        if when is None:
            when = _byline_date(tree, earliest, latest, extensive_search)
    return when.strftime(outputformat) if when is not None else None


def _parse(value: str | None, earliest: dt.datetime, latest: dt.datetime, extensive: bool) -> dt.datetime | None:
    """An ISO 8601 date(-time) as it is written (fractions of a second, "Z", "+01"), else
    htmldate's parser (which keeps the date only), else the date an ISO date-time starts with;
    None outside [earliest, latest]."""
    value = (value or "").strip()
    if not value:
        return None
    when: dt.datetime | None = None
    if m := _ISO.match(value):
        iso = f"{m[1]}T{m[2] or '00:00'}{m[3] or ''}{_offset(m[4])}"
        try:
            when = dt.datetime.fromisoformat(iso)
        except ValueError:
            when = None
    if when is None:
        parsed = _date_expr(value, extensive, earliest, latest)
        if parsed is None and _ISO_DAY.match(value):
            parsed = _date_expr(value[:10], False, earliest, latest)
        when = dt.datetime.fromisoformat(parsed) if parsed else None
    if when is None or not earliest <= when.replace(tzinfo=None) <= latest:
        return None
    return when


def _date_expr(value: str, extensive: bool, earliest: dt.datetime, latest: dt.datetime) -> str | None:
    """htmldate's try_date_expr, or None where it raises: on "١٢2024-13-45" (Python's int() reads
    Arabic-Indic digits) it makes a datetime whose UTC offset timestamp() refuses (ValueError), and
    the page lost every field of its metadata and trafilatura's pass that carried them."""
    try:
        return try_date_expr(value, "%Y-%m-%d", extensive, earliest, latest)
    except (ValueError, OverflowError):
        return None


def _offset(zone: str | None) -> str:
    if not zone:
        return ""
    if zone in ("Z", "z"):
        return "+00:00"
    zone = zone.replace(":", "")
    return f"{zone[:3]}:{zone[3:5] or '00'}"


def _meta_dates(tree: lxml.html.HtmlElement) -> list[str]:
    """The values of the page's publication <meta>s in document order, a creation date
    (dateCreated, dc.created, ...) after the others: a CMS's record may be created days before
    the story is published."""
    found, created = [], []
    for m in tree.iterfind(".//meta"):
        content = m.get("content") or m.get("datetime")
        if not content:
            continue
        name = (m.get("name") or m.get("property") or "").lower()
        itemprop = (m.get("itemprop") or "").lower()
        if name in _META_PUBLISHED or itemprop in ITEMPROP_ATTRS_ORIGINAL:
            (created if "creat" in name or "creat" in itemprop else found).append(content)
        elif (m.get("pubdate") or "").lower() == "pubdate" or (m.get("http-equiv") or "").lower() == "date":
            found.append(content)
    return found + created


def _json_ld(tree: lxml.html.HtmlElement, read: Any) -> dt.datetime | None:
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").lower() not in ("application/ld+json", "application/settings+json"):
            continue
        for m in _JSON_PUBLISHED.finditer(script.text or ""):
            when = read(m[1])
            if when is not None:
                return when
    return None


def _article_scope(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The page's first <article>, else its <main>, else the page."""
    for tag in ("article", "main"):
        found = next(tree.iter(tag), None)
        if found is not None:
            return found
    return tree


def _of_the_article(el: lxml.html.HtmlElement, scope: lxml.html.HtmlElement, url: str | None = None) -> bool:
    """Not in a link (but for a permalink to the page itself), the page's furniture, a list of
    other stories or the comments."""
    node: Any = el
    while node is not None and node is not scope:
        if not isinstance(node.tag, str):
            return False
        if node.tag in _NOT_THE_ARTICLE and not (node.tag == "a" and _same_page(node.get("href"), url)):
            return False
        if node is not el and _OTHER_CONTENT.search(f"{node.get('id', '')} {node.get('class', '')}"):
            return False
        node = node.getparent()
    return True


def _same_page(href: str | None, url: str | None) -> bool:
    def bare(u: str) -> str:
        return u.split("#", 1)[0].split("://", 1)[-1].rstrip("/")

    return bool(href and url) and bare(href) == bare(url)  # type: ignore[arg-type]


def _article_times(tree: lxml.html.HtmlElement, read: Any,
                   url: str | None = None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(the date of a <time>, <abbr> or microdata element of the article marked as its
    publication, the date of the article's first <time> not marked as a modification)."""
    scope = _article_scope(tree)
    first = None
    for el in scope.iter("time", "abbr", "meta", "span", "div", "p", "li", "dd"):
        itemprop = (el.get("itemprop") or "").lower()
        if el.tag not in ("time", "abbr") and itemprop not in ITEMPROP_ATTRS_ORIGINAL:
            continue
        cues = f"{itemprop} {el.get('class', '')} {el.get('id', '')}"
        if _MODIFIED.search(cues) or not _of_the_article(el, scope, url):
            continue
        marked = (itemprop in ITEMPROP_ATTRS_ORIGINAL or el.get("pubdate") is not None
                  or bool(_PUBLISHED_CUE.search(cues)))
        if el.tag == "abbr":  # hAtom: <abbr class="published" title="2011-07-28T12:11:00+08:00">
            if not marked:
                continue
            value = el.get("title")
        else:
            value = el.get("datetime") or el.get("content") or (el.text_content() if el.tag == "time" else None)
        when = read(value)
        if when is None:
            continue
        if marked:
            return when, first
        if first is None:
            first = when
    return None, first


def _byline_date(tree: lxml.html.HtmlElement, earliest: dt.datetime, latest: dt.datetime,
                 extensive: bool) -> dt.datetime | None:
    """The date in the article's first short byline or dateline that states one (not an update)."""
    scope = _article_scope(tree)
    for el in scope.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "time"):
            continue
        cues = f"{el.get('class', '')} {el.get('id', '')}"
        if not _BYLINE_CUE.search(cues) or _MODIFIED.search(cues) or not _of_the_article(el, scope):
            continue
        text = " ".join(el.text_content().split())
        if not text or len(text) > _BYLINE_MAX_CHARS or _UPDATED_WORDS.match(text):
            continue
        tries = [text]
        if m := _BEFORE_FIRST_DIGIT.search(text):
            tries += [text[m.start():], text[m.end() - 1:]]
        for attempt in dict.fromkeys(tries):
            parsed = _date_expr(attempt, extensive, earliest, latest)
            if parsed:
                return dt.datetime.fromisoformat(parsed)
    return None


def _url_date(url: str | None, earliest: dt.datetime, latest: dt.datetime) -> dt.datetime | None:
    m = COMPLETE_URL.search(url or "")
    if not m:
        return None
    try:
        when = dt.datetime(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return when if earliest <= when <= latest else None
