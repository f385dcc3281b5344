"""A scriptable HTTP server on 127.0.0.1 for crawler tests: routes with status, delays, transient
failures, redirects, conditional GET; it logs every request and measures requests in flight.
Served by tests/loopback.py."""
from __future__ import annotations

import gzip
import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import Loopback


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0             # seconds before answering
    fail_times: int = 0            # answer 500 this many times first
    redirect: str | None = None    # Location for a 302
    conditional: bool = False      # ETag/Last-Modified and 304 on a match
    gzip: bool = False             # Content-Encoding: gzip
    in_flight: bool = True         # count in max_in_flight (False for a page the client gives up on)
    hits: int = 0


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    status: int
    at: float


class Site:
    def __init__(self, routes: dict[str, Route] | None = None):
        self.routes: dict[str, Route] = routes or {}
        self.log: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.loopback = Loopback(self._handle)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        route = self.routes.get(h.path)
        counted = int(route is None or route.in_flight)
        with self._lock:
            self.in_flight += counted
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        send_response = h.send_response

        def leave() -> None:
            nonlocal counted
            with self._lock:
                self.in_flight -= counted
                counted = 0

        # A request leaves the count when its answer starts, not after the last byte: the client may
        # take the whole answer and start its next request before this thread runs again, and that
        # request must not look concurrent with this one (the interval counted here lies inside the
        # client's own, so a peak seen here is a peak the client really had).
        def answer_starts(*args: Any, **kwargs: Any) -> None:
            leave()
            send_response(*args, **kwargs)

        h.send_response = answer_starts  # type: ignore[method-assign]
        try:
            status = self._answer(h)
        finally:
            leave()
        self.log.append(Hit("GET", h.path, dict(h.headers.items()), status, time.time()))

    @property
    def base(self) -> str:
        return self.loopback.base

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> Site:
        self.loopback.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.loopback.stop()

    def requested(self, path: str) -> list[Hit]:
        """Answered requests for ``path`` (logged when the answer is sent; see Route.hits for arrivals)."""
        return [h for h in self.log if h.path == path]

    def _answer(self, h: BaseHTTPRequestHandler) -> int:
        route = self.routes.get(h.path)
        if route is None:
            body = b"<html><body><h1>Not found</h1></body></html>"
            h.send_response(404)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return 404
        route.hits += 1
        if route.delay:
            time.sleep(route.delay)
        if route.hits <= route.fail_times:
            h.send_response(500)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return 500
        if route.redirect:
            h.send_response(302)
            h.send_header("Location", route.redirect)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return 302
        body = route.body
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = "Mon, 02 Nov 2026 08:00:00 GMT"
        if route.conditional and (h.headers.get("If-None-Match") == etag or
                                  (not h.headers.get("If-None-Match") and h.headers.get("If-Modified-Since") == modified)):
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return 304
        if route.gzip:
            body = gzip.compress(body)
        h.send_response(route.status)
        h.send_header("Content-Type", route.content_type)
        if route.gzip:
            h.send_header("Content-Encoding", "gzip")
        if route.conditional:
            h.send_header("ETag", etag)
            h.send_header("Last-Modified", modified)
        for k, v in route.headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return route.status


def rss(items: list[tuple[str, str, str]], title: str = "Test feed") -> bytes:
    """items: (url, title, RFC 822 date)."""
    entries = "".join(f"<item><title>{t}</title><link>{u}</link><pubDate>{d}</pubDate></item>" for u, t, d in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.invalid/</link><language>en</language>{entries}</channel></rss>").encode()


def sitemap(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{u}</loc><lastmod>2026-11-02</lastmod></url>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</urlset>").encode()
