"""readability-lxml's main content as text (one of the candidate extractions, cleaning.candidates),
and the issue-#5 rule that chooses between trafilatura's text and readability's (cleaning.rules).

trafilatura fails in recognisable ways (it returns almost nothing, or only the first of several
body containers split by ads); readability scores the page differently and often gets those.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

import lxml.html
from readability import Document

from .model import count_words

_BLOCKS = (
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "dd", "dt",
    "figcaption", "section", "article", "table", "ul", "ol", "header", "footer", "td", "th",
)
_SENTENCE_END = re.compile(r"[.!?…。！？\"'”»)]$")
_WORD = re.compile(r"\w+")

logging.getLogger("readability").setLevel(logging.ERROR)
logging.getLogger("readability.readability").setLevel(logging.ERROR)


def readability_text(tree: lxml.html.HtmlElement) -> str:
    """readability-lxml's main content as text, one block per line. Mutates `tree`."""
    try:
        summary = Document(tree).summary(html_partial=True)
        frag = lxml.html.fragment_fromstring(summary, create_parent="div")
        for el in frag.iter(*_BLOCKS, "br"):
            # lxml refuses to set text it considers not XML-compatible (ValueError), even text it parsed
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    except Exception:  # readability raises on odd trees (Unparseable, empty body); it is only a second opinion
        return ""
    lines = (" ".join(line.split()) for line in frag.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


# readability replaces a text of article length when it has this many times its words and holds
# this share of them (docs/cleaning.md, "Thresholds": measured by bench/rules_thresholds.py)
READABILITY_GAIN = 1.4
READABILITY_CONTAINMENT = 0.8


@dataclass(frozen=True)
class Choice:
    text: str
    source: str  # "trafilatura" or "readability"


def _prose_lines(lines: list[str]) -> int:
    return sum(1 for line in lines if count_words(line) >= 12 and _SENTENCE_END.search(line))


def reads_as_prose(lines: list[str]) -> bool:
    """Paragraphs of sentences, not a list of links or labels."""
    if not lines:
        return False
    words = sum(count_words(line) for line in lines)
    return words / len(lines) >= 10 and _prose_lines(lines) >= max(1, len(lines) // 3)


def _containment(small: str, large: str) -> float:
    """Share of the tokens of `small` that also occur in `large` (as bags)."""
    a = Counter(_WORD.findall(small.lower()))
    b = Counter(_WORD.findall(large.lower()))
    n = sum(a.values())
    return sum((a & b).values()) / n if n else 1.0


def choose(primary: str, second: str, min_words: int, *, table_rows: bool = False) -> Choice:
    """Keep trafilatura's text unless readability's is clearly the article and trafilatura's is not.

    readability wins when (a) trafilatura has less than `min_words` and readability has a body of
    prose, or (b) readability's text contains trafilatura's and adds at least 40 % more, and what it
    adds (its lines not already in trafilatura's text, not even inside a table row) reads as prose
    (sentences, not link lists or captions), or (c) trafilatura's text is rows of a layout table
    (`table_rows`: the article cell run together with the rows of navigation and related headlines
    around it) and readability's reads as prose and lies inside it.
    """
    wp, ws = count_words(primary), count_words(second)
    if not second or ws < min_words:
        return Choice(primary, "trafilatura")
    s_lines = second.split("\n")
    if wp < min_words or table_rows:
        if reads_as_prose(s_lines) and (not table_rows or _containment(second, primary) >= READABILITY_CONTAINMENT):
            return Choice(second, "readability")
        return Choice(primary, "trafilatura")
    if ws >= READABILITY_GAIN * wp and _containment(primary, second) >= READABILITY_CONTAINMENT:
        p_set = {line for line in primary.split("\n")}
        flat = " ".join(primary.split())
        # what readability adds: its lines that trafilatura's text lacks, not even inside one of its
        # lines (readability gives each table cell a line of its own, trafilatura a row "| a | b |")
        extra = [line for line in s_lines if line not in p_set and line not in flat]
        if reads_as_prose(extra):
            return Choice(second, "readability")
    return Choice(primary, "trafilatura")
