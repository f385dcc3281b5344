"""Which half of "Site - Headline" is the headline, and a title without the site's name.

Without one `<h1>` or a title in the page's metadata (og:title, ld+json, ...), trafilatura takes the
title from the `<title>` element: it splits "A - B" (or "A | B", "A » B", ...) and keeps the first
half that has no dot. An old page titled "The Market Street Gazette - Zoë's Café celebrates 40
years", its headline set in `<font><b>`, gets the newspaper's name as its title, and the headline
stays at the top of the text. `shown_headline` keeps trafilatura's choice unless the other half,
and not trafilatura's, is one of the text's first lines: the headline the page shows above the body.
"""
from __future__ import annotations

import re

import lxml.html
from trafilatura.metadata import examine_title_element

HEAD_LINES = 3  # the headline is looked for in the text's first lines (as extract._drop_headline does)
_WORD = re.compile(r"\w+")


def shown_headline(tree: lxml.html.HtmlElement, title: str | None, text: str,
                   site_names: list[str] = ()) -> str | None:
    """``title`` (trafilatura's), or the other half of the page's split `<title>` when that half,
    and not ``title``, is one of the first lines of ``text`` (and is not a declared site name)."""
    if not title or not text:
        return title
    _whole, first, second = examine_title_element(tree)
    if not first or not second:
        return title
    mine, halves = _words(title), (_words(first), _words(second))
    if mine not in halves:
        return title
    other = second if mine == halves[0] else first
    if _words(other) in {_words(name) for name in site_names}:
        return title
    head = [_words(line) for line in text.split("\n", HEAD_LINES)[:HEAD_LINES]]
    if _words(other) in head and mine not in head:
        return other
    return title


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ", " » ", " / ")
# the site's name as the page declares it; trafilatura's own `sitename` falls back on the second half
# of <title>, which would strip any title's last part
_SITE_NAME_XPATH = ('//meta[@property="og:site_name" or @name="og:site_name" or @name="application-name"]'
                    '/@content')


def declared_site_names(tree: lxml.html.HtmlElement) -> list[str]:
    return [name.strip() for name in tree.xpath(_SITE_NAME_XPATH) if name.strip()]


def without_site_name(title: str | None, site_names: list[str]) -> str | None:
    """``title`` without a leading "Site | " or a trailing " | Site" (" - ", " – ", " — ", ...) when
    "Site" is a site name the page declares (og:site_name, application-name): og:title and <title>
    often carry it ("New hours from May — Linden Street Bakery"), the headline on the page does not,
    and a title with the suffix is not recognised as the headline at the top of the text. What is
    left must have at least as many words as the name."""
    if not title:
        return title
    t = title.strip()
    low = t.casefold()
    for site in (name.casefold() for name in site_names):
        for sep in _SEPARATORS:
            rest = None
            if low.endswith(sep + site):
                rest = t[: -len(sep + site)].strip()
            elif low.startswith(site + sep):
                rest = t[len(site + sep):].strip()
            # a headline is longer than the site's name; a shorter rest means a site that declares
            # its headline as its name (og:site_name set per page)
            if rest and len(_words(rest)) >= len(_words(site)):
                return rest
    return title
