"""What the crawler needs from whoever runs it: plain source specs in, pages and decisions out.

The spider, the item pipeline and the middlewares depend on this module, on Scrapy and on each
other, never on copydesk: copydesk implements ``CrawlSink`` (copydesk/crawl_sink.py), builds the
``SourceSpec``s from its configuration and the Scrapy settings (copydesk/scrapy_settings.py), and
hands the first two to the spider (``NewsSpider(sources=..., sink=...)``). docs/crawler-sink.md.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass
class Page:
    """A fetched response or a local file, as the pipeline receives it."""

    url: str                       # final URL (after redirects), or file:// for a local file
    body: bytes
    source: str
    fetched_at: dt.datetime
    status: int | None = 200       # None for a local file
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None
    request_url: str | None = None  # the URL as discovered, when a redirect changed it
    hints: dict[str, Any] = field(default_factory=dict)  # from discovery: title, published, language


@dataclass(frozen=True)
class SourceSpec:
    """One configured source, as far as the spider is concerned."""

    name: str
    hosts: frozenset[str]                  # the hosts of its configured URLs: always allowed (SafetyMiddleware)
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()         # a robots.txt URL stands for the sitemaps it lists
    start_urls: tuple[str, ...] = ()       # section pages, whose links matching ``follow`` are articles
    follow: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()  # besides the registrable domains of ``hosts`` (crawler.domains)
    # discovery-time filters: a link whose feed or sitemap entry already fails them is not fetched
    languages: frozenset[str] = frozenset()
    since: dt.date | None = None


def published_before(published: str | None, since: dt.date | None) -> bool:
    """True when an ISO date(-time) is before ``since``; unknown or unparseable dates pass."""
    if not (since and published):
        return False
    try:
        return dt.date.fromisoformat(published[:10]) < since
    except ValueError:
        return False


# (ETag, Last-Modified, when the server gave or last confirmed them: time.time()) of a URL
Validators = tuple[str | None, str | None, float | None]

# What the spider counts for a source's run (copydesk's SourceCounts has a field of each name).
Counter = Literal["requests", "not_modified", "sitemaps_unchanged", "discovered", "known", "discovery_ok",
                  "discovery_failed"]


class CrawlSink(Protocol):
    """Where a crawl reports to. Every method is called on the reactor's thread and must return
    quickly: the crawl waits for it (only ``submit``'s work and ``offload``'s function may take long,
    and they run elsewhere)."""

    def is_known(self, url: str, source: str) -> bool:
        """Whether an article URL found by ``source``'s discovery is decided already (stored,
        skipped for good, failed too often, or decided earlier in this crawl): it is then counted as
        known and not requested."""
        ...

    def validators(self, url: str, source: str) -> Validators:
        """(ETag, Last-Modified) to send for a feed, sitemap or section page of ``source`` as
        If-None-Match / If-Modified-Since, (None, None) for an unconditional request; and when the
        server gave or last confirmed them (``time.time()``), None when nothing is saved."""
        ...

    def remember_validators(self, source: str, url: str, etag: str | None, last_modified: str | None) -> None:
        """The validators of a feed, sitemap or section page that worked in this run, or that a 304
        confirmed (``url`` as requested, before redirects), as of now. The sink may keep them only
        once the run has completed: a run that stopped early must not turn the next fetch into a 304
        that hides unfetched articles."""
        ...

    def skip(self, source: str, url: str, reason: str, *, request_url: str | None = None,
             article: bool = True) -> None:
        """An article URL decided for good without storing it (``reason`` from crawler.reasons:
        robots_disallowed, offsite, filter_*, not_html); ``request_url`` is the URL as discovered
        when a redirect led to ``url``. Counted; the URL is known from now on. Not an ``article``
        (a sitemap outside the source's domains): counted, and decided for this crawl only."""
        ...

    def fail(self, source: str, url: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        """A URL that could not be fetched or used (``reason`` from crawler.reasons; ``detail`` at
        most 300 characters for the log). An article URL (``article``) is retried by later runs
        (``retry_urls``); a feed, sitemap or section page is only counted."""
        ...

    async def submit(self, page: Page) -> None:
        """Extract and decide a fetched article page: stored, skipped or failed, each counted.
        Extraction runs off the reactor thread; the decision is made on it when this coroutine
        resumes. Never raises for a bad page (a crash or time-out is a counted reason)."""
        ...

    def retry_urls(self, source: str) -> list[str]:
        """Article URLs of ``source`` that failed in earlier runs and are due another attempt:
        requested at the start of the crawl, before anything is discovered."""
        ...

    def offload(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` off the reactor thread (parsing an untrusted feed or sitemap) with a
        time limit. The Future holds its result, or raises what it raised,
        ``concurrent.futures.TimeoutError`` past the limit, or the executor's error for a crash."""
        ...

    def count(self, source: str, counter: Counter, n: int = 1) -> None:
        """Add ``n`` to one of the run's counts for ``source`` (see ``Counter``)."""
        ...
