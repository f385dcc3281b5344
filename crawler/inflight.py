"""An article URL fetched once per process while crawls overlap (`copydesk serve`: two sources
listing the same articles, their runs at the same time, each run a Scrapy crawl of its own).

``SharedDupeFilter`` (DUPEFILTER_CLASS) is Scrapy's RFPDupeFilter, plus a process-wide table of the
article requests each running crawl has scheduled (by fingerprint: copydesk's canonical URL key):

- asked by the spider about a link (crawler/spider.py ``_seen``), it also answers "seen" when another
  running crawl has scheduled that URL: the link is dropped unseen, as two sources of one `crawl`
  share one filter (the first source to list it fetches it);
- when the crawl schedules an article request (``request_scheduled``) whose URL another running
  crawl scheduled in the meantime (both asked before either scheduled), the request is dropped
  (IgnoreRequest from that signal: the engine drops it without an errback, so nothing is counted
  as failed); a redirect or retry is never dropped;
- a crawl's entries go when its scheduler closes (the crawl's end): a URL it failed on is retried by
  later runs, as usual; one it stored is known to them.

Only requests with ``meta["kind"] == "article"`` count: feeds, sitemaps and section pages are each
source's own discovery, read by every run of it. Off under ``[cluster]`` (its frontier queues an
article once cluster-wide, with its own DUPEFILTER_CLASS).
"""
from __future__ import annotations

import logging
import weakref
from typing import Any

from scrapy import Request, signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import IgnoreRequest

log = logging.getLogger("copydesk.crawler")

ARTICLE = "article"  # crawler.spider.ARTICLE (the spider module is not imported here)

# fingerprint -> the filter of the crawl that scheduled it (weak: a crawl that vanished without
# closing holds nothing)
_SCHEDULED: dict[bytes, weakref.ReferenceType[SharedDupeFilter]] = {}


class SharedDupeFilter(RFPDupeFilter):
    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedDupeFilter:
        df = super().from_crawler(crawler)
        df.mine: set[bytes] = set()
        df.live = True
        crawler.signals.connect(df._scheduled, signal=signals.request_scheduled)
        return df

    def _elsewhere(self, fp: bytes) -> bool:
        """Whether another running crawl of this process has scheduled this fingerprint."""
        ref = _SCHEDULED.get(fp)
        owner = ref() if ref is not None else None
        return owner is not None and owner is not self and owner.live

    def request_seen(self, request: Request) -> bool:
        if super().request_seen(request):
            return True
        return request.meta.get("kind") == ARTICLE and self._elsewhere(self._fingerprint(request))

    def _scheduled(self, request: Request, **_: Any) -> None:
        if request.meta.get("kind") != ARTICLE:
            return
        fp = self._fingerprint(request)
        if fp in self.mine:
            return
        if self._elsewhere(fp):
            if not request.meta.get("redirect_urls") and not request.meta.get("retry_times"):
                log.debug("%s: another crawl of this process is fetching it", request.url)
                raise IgnoreRequest("another crawl of this process is fetching it")
            return
        self.mine.add(fp)
        _SCHEDULED[fp] = weakref.ref(self)

    def close(self, reason: str) -> None:
        self.live = False
        for fp in self.mine:
            ref = _SCHEDULED.get(fp)
            if ref is not None and ref() is self:
                del _SCHEDULED[fp]
        self.mine.clear()
        super().close(reason)
