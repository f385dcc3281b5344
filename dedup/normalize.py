"""Text normalisation before shingling: case, punctuation, whitespace and encoding debris."""
from __future__ import annotations

import html
import re
import unicodedata

# HTML entities that survived a bad re-encoding, e.g. ",quot;" or "&amp;quot;" in machine-translated reposts.
_ENTITY_DEBRIS = re.compile(r"[&,]?(?:amp;)*(?:quot|amp|apos|lt|gt|nbsp|#\d{2,5}|#x[0-9a-f]{2,4});", re.IGNORECASE)
# A word broken at a line end by a hyphen ("exam-\nple"), as in scanned print copies.
_LINE_END_HYPHEN = re.compile(r"(\w)-[ \t]*\r?\n[ \t]*(\w)")
_WORD = re.compile(r"\w+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def fix_debris(text: str) -> str:
    # the substring checks skip the (comparatively slow) regex scans on the common clean text
    if "&" in text:
        text = html.unescape(text)
    if ";" in text:
        text = _ENTITY_DEBRIS.sub(" ", text)
    if "-" in text and "\n" in text:
        text = _LINE_END_HYPHEN.sub(r"\1\2", text)
    return text


def words(text: str) -> list[str]:
    """Lower-cased Unicode word tokens of one piece of text (punctuation and whitespace separate them)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def normalize(text: str) -> str:
    """The whole text as one line of lower-cased words separated by single spaces."""
    return " ".join(words(fix_debris(text)))


def lines(text: str) -> list[str]:
    """The non-empty normalised lines (paragraphs) of a text, in order."""
    out = []
    for line in _LINE_BREAK.split(fix_debris(text)):
        norm = " ".join(words(line))
        if norm:
            out.append(norm)
    return out
