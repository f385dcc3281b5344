"""The results of cleaning one page: an Article, or a Rejected with its reason."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Ideographs and kana count one word each: Chinese and Japanese do not separate words by spaces,
# and a page of them must not look "too short".
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_SPACED_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


@dataclass(frozen=True)
class Article:
    text: str  # clean main text, paragraphs separated by "\n", no blank lines
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601 date or datetime
    language: str | None = None  # ISO 639-1
    description: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    url: str | None = None

    @property
    def word_count(self) -> int:
        return count_words(self.text)


@dataclass(frozen=True)
class Rejected:
    """Why a page gave no article. Falsy, so `if result:` reads naturally."""

    reason: str  # stable snake_case: empty, binary, not_html, not_article, too_short, extraction_failed

    def __bool__(self) -> bool:
        return False


def count_words(text: str) -> int:
    """Runs of Unicode word characters; each CJK ideograph or kana counts as one word."""
    return len(_WORD.findall(text))


def record_words(text: str) -> int:
    """A record's ``word_count``: whitespace-separated words, each CJK ideograph or kana one word
    (so for text without them exactly ``len(text.split())``, as corpora always counted; a page of
    Chinese or Japanese is no longer a handful of "words", one per run between spaces)."""
    return len(_SPACED_WORD.findall(text))
