"""What flows through the pipeline: a ``Page`` as fetched (or read from disk), and the ``Doc`` the
steps after extraction fill in and pass along."""
from __future__ import annotations

from dataclasses import dataclass

from copydesk import cleaning
from copydesk import dedup
from copydesk.crawler.sink import Page  # what the crawler hands over (crawler/sink.py)


@dataclass
class Doc:
    page: Page
    article: cleaning.Article | None = None
    id: str = ""
    key: str = ""
    url: str = ""
    site: str = ""
    text: str = ""
    assignment: dedup.Assignment | None = None
    outcome: str | None = None
    reason: str | None = None
    warc: bytes | None = None       # the raw response as a compressed WARC record (from the worker)
    line_keys: list[int] | None = None   # of article.text, from the worker (for Templates)
    features: dedup.Features | None = None  # of article.text, from the worker (for Dedup)
