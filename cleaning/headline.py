"""Which half of "Site - Headline" is the headline.

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


def shown_headline(tree: lxml.html.HtmlElement, title: str | None, text: str) -> str | None:
    """``title`` (trafilatura's), or the other half of the page's split `<title>` when that half,
    and not ``title``, is one of the first lines of ``text``."""
    if not title or not text:
        return title
    _whole, first, second = examine_title_element(tree)
    if not first or not second:
        return title
    mine, halves = _words(title), (_words(first), _words(second))
    if mine not in halves:
        return title
    other = second if mine == halves[0] else first
    head = [_words(line) for line in text.split("\n", HEAD_LINES)[:HEAD_LINES]]
    if _words(other) in head and mine not in head:
        return other
    return title


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))
