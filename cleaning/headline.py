"""Which half of "Site - Headline" is the headline, and a title without the site's name.

Without one `<h1>` or a title in the page's metadata (og:title, ld+json, ...), trafilatura takes the
title from the `<title>` element: it splits "A - B" (or "A | B", "A » B", ...) and keeps the first
half that has no dot. An old page titled "The Market Street Gazette - Zoë's Café celebrates 40
years", its headline set in `<font><b>`, gets the newspaper's name as its title, and the headline
stays at the top of the text. `shown_headline` keeps trafilatura's choice unless it came from that
split (no single `<h1>`, no title in the metadata) and the other half, at least as long and not a
declared site name, is one of the text's first lines and trafilatura's half is not: the headline
the page shows above the body (not a section label such as "Transport" set above it).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import lxml.html
from trafilatura.metadata import examine_title_element

HEAD_LINES = 3  # the headline is looked for in the text's first lines (as extract._drop_headline does)
_WORD = re.compile(r"\w+")
# where trafilatura finds a title before it splits <title> (trafilatura.metadata: examine_meta,
# extract_meta_json, TITLE_XPATHS)
_METADATA_TITLE_XPATH = ('//meta[@property="og:title" or @name="og:title" or @name="twitter:title" or '
                         '@property="twitter:title" or @name="title" or @itemprop="headline"]/@content'
                         ' | //*[@itemprop="headline" or contains(@class, "post-title") or '
                         'contains(@class, "entry-title") or contains(@class, "headline")]')


def shown_headline(tree: lxml.html.HtmlElement, title: str | None, text: str,
                   site_names: Sequence[str] = ()) -> str | None:
    """``title`` (trafilatura's), or the other half of the page's split `<title>` when trafilatura
    took its title from that split and the other half (as many words or more, not a declared site
    name), and not ``title``, is one of the first lines of ``text``."""
    if not title or not text:
        return title
    _whole, first, second = examine_title_element(tree)
    if not first or not second:
        return title
    mine, halves = _words(title), (_words(first), _words(second))
    if mine not in halves:
        return title
    other = second if mine == halves[0] else first
    if len(_words(other)) < len(mine) or _words(other) in {_words(name) for name in site_names}:
        return title
    if len(tree.findall(".//h1")) == 1 or tree.xpath(_METADATA_TITLE_XPATH) or _ld_json_headline(tree):
        return title  # trafilatura's title is the page's <h1> or its metadata's, not half of <title>
    head = [_words(line) for line in text.split("\n", HEAD_LINES)[:HEAD_LINES]]
    if _words(other) in head and mine not in head:
        return other
    return title


def _ld_json_headline(tree: lxml.html.HtmlElement) -> bool:
    """The page has ld+json with a "headline" or a "name" (trafilatura's extract_meta_json takes
    either as the title; a "name" may be the publisher's: then the split half is left alone too)."""
    return any('"headline"' in (s.text or "") or '"name"' in (s.text or "")
               for s in tree.iterfind('.//script[@type="application/ld+json"]'))


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ", " » ", " / ")
# the site's name as the page declares it; trafilatura's own `sitename` falls back on the second half
# of <title>, which would strip any title's last part
_SITE_NAME_XPATH = ('//meta[@property="og:site_name" or @name="og:site_name" or @name="application-name"]'
                    '/@content')


def declared_site_names(tree: lxml.html.HtmlElement) -> list[str]:
    return [name.strip() for name in tree.xpath(_SITE_NAME_XPATH) if name.strip()]


def _without_affix(title: str, folded: str, sep: str, site: str) -> str:
    """What is left of ``title`` (``folded``: its casefold()) around a trailing ``sep + site`` or,
    failing that, a leading ``site + sep``, the name in any case; "" when it has neither. String
    tests: a regex per site name would be compiled anew for every site."""
    suffix, prefix = (sep + site).casefold(), (site + sep).casefold()
    if len(folded) == len(title) and len(suffix) == len(sep) + len(site):
        if len(title) > len(suffix) and folded.endswith(suffix):
            return title[:-len(suffix)]
        if len(title) > len(prefix) and folded.startswith(prefix):
            return title[len(prefix):]
        return ""
    s, n = re.escape(sep), re.escape(site)  # case folding changed a length ("ß"): the regex
    m = re.fullmatch(f"(.+?){s}{n}", title, re.I | re.S) or re.fullmatch(f"{n}{s}(.+)", title, re.I | re.S)
    return m.group(1) if m else ""


def without_site_name(title: str | None, site_names: Sequence[str]) -> str | None:
    """``title`` without a leading "Site | " or a trailing " | Site" (" - ", " – ", " — ", ...) when
    "Site" is a site name the page declares (og:site_name, application-name): og:title and <title>
    often carry it ("New hours from May — Linden Street Bakery"), the headline on the page does not,
    and a title with the suffix is not recognised as the headline at the top of the text. What is
    left must have at least as many words as the name."""
    if not title:
        return title
    t = title.strip()
    folded = t.casefold()
    for site in site_names:
        for sep in _SEPARATORS:
            rest = _without_affix(t, folded, sep, site).strip()
            # a headline is longer than the site's name; a shorter rest means a site that declares
            # its headline as its name (og:site_name set per page)
            if rest and len(_words(rest)) >= len(_words(site)):
                return rest
    return title
