"""robots.txt as RFC 9309 reads an unavailable one: Scrapy's RobotsTxtMiddleware, except that a
robots.txt answering 5xx, or timing out, makes the host "disallow everything" for the rest of the crawl instead of
"allow everything".

Such a refusal is not a verdict on the URL: its requests fail as ``robots_unavailable`` (a failure,
retried by later runs, like any outage), not ``robots_disallowed`` (a skip, for good). A 4xx
robots.txt still means no rules (RFC 9309 2.3.1.3). A robots.txt that times out is unavailable
too. One whose host cannot be reached at all (a refused connection, a DNS error) is left to Scrapy
(no rules): the host's own requests then fail the same way, each with that precise reason, so
nothing is fetched from it either.
"""
from __future__ import annotations

import logging
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import Request
from twisted.internet.defer import Deferred

log = logging.getLogger("copydesk.crawler")


class Unavailable:
    """The parser of a host whose robots.txt could not be had: every URL is refused."""

    def __init__(self, why: str):
        self.why = why

    def allowed(self, url: str, user_agent: Any) -> bool:
        return False


class RobotsMiddleware(RobotsTxtMiddleware):
    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._unavailable(netloc, f"HTTP {response.status}")
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if any("Timeout" in c.__name__ or "TimedOut" in c.__name__ for c in type(exc).__mro__):
            self._unavailable(netloc, "timeout")  # the host answers, its robots.txt does not
        else:
            super()._robots_error(exc, netloc)

    def _unavailable(self, netloc: str, why: str) -> None:
        log.warning("robots.txt of %s unavailable (%s): nothing is fetched from it this run", netloc, why)
        parser = Unavailable(why)
        pending = self._parsers.get(netloc)
        self._parsers[netloc] = parser  # type: ignore[assignment]
        if isinstance(pending, Deferred):
            pending.callback(parser)

    def process_request_2(self, rp: Any, request: Request) -> None:
        if isinstance(rp, Unavailable):
            raise IgnoreRequest(f"robots.txt unavailable ({rp.why}): the host is treated as disallowing everything")
        super().process_request_2(rp, request)
