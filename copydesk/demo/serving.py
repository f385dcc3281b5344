"""The loopback HTTP servers of the demo worlds (the demo's five outlets and the field test's news
world): one threaded HTTP/1.1 server per host, conditional GET, a request log and a count of the
requests in flight per host, measured where it matters, at the server.

Standard library only.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Mapping

__all__ = ["Resource", "conditional_answer", "InFlight", "LoopbackServer", "loopback_hosts", "Answer"]

# (status, headers, body)
Answer = tuple[int, list[tuple[str, str]], bytes]
# respond(method, raw_path, request headers) -> Answer
Responder = Callable[[str, str, Mapping[str, str]], Answer]


@dataclass
class Resource:
    content_type: str
    body: bytes
    last_modified: dt.datetime


def http_date(t: dt.datetime) -> str:
    return email.utils.format_datetime(t.astimezone(dt.timezone.utc), usegmt=True)


def conditional_answer(res: Resource, headers: Mapping[str, str], extra: list[tuple[str, str]] | None = None) -> Answer:
    """200 with ETag (a hash of the body) and Last-Modified, or 304 for a matching If-None-Match
    (which takes precedence) or If-Modified-Since."""
    etag = '"' + hashlib.sha1(res.body).hexdigest()[:20] + '"'
    lm = res.last_modified.replace(microsecond=0)
    hdrs = [("Content-Type", res.content_type), ("ETag", etag), ("Last-Modified", http_date(lm)),
            ("Cache-Control", "max-age=60"), *(extra or [])]
    inm = headers.get("If-None-Match")
    ims = headers.get("If-Modified-Since")
    not_modified = False
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        not_modified = "*" in tags or etag in tags
    elif ims is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            if since.tzinfo is None:
                since = since.replace(tzinfo=dt.timezone.utc)
            not_modified = lm <= since
        except (TypeError, ValueError):
            not_modified = False
    if not_modified:
        return 304, [h for h in hdrs if h[0] != "Content-Type"], b""
    return 200, hdrs, res.body


NOT_FOUND: Answer = (404, [("Content-Type", "text/html; charset=utf-8")],
                     b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>")


@dataclass
class InFlight:
    """Requests being answered, per host (IP address), counted from the parsed request line to the
    last byte written; ``peak`` is the most seen at once since the last ``reset_peaks()``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    now: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    slowest: float = 0.0          # longest time one answer took (seconds), since reset_peaks()
    answers: int = 0              # answers given, since reset_peaks()
    slow: int = 0                 # of those, answers that took 5 ms or more

    def enter(self, host: str) -> None:
        with self.lock:
            n = self.now.get(host, 0) + 1
            self.now[host] = n
            if n > self.peak.get(host, 0):
                self.peak[host] = n

    def leave(self, host: str, took: float) -> None:
        with self.lock:
            self.now[host] -= 1
            self.slowest = max(self.slowest, took)
            self.answers += 1
            self.slow += took >= 0.005

    def reset_peaks(self) -> dict[str, int]:
        with self.lock:
            out, self.peak = dict(self.peak), {}
            self.slowest, self.answers, self.slow = 0.0, 0, 0
            return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr: tuple[str, int], owner: "LoopbackServer"):
        self.owner = owner
        super().__init__(addr, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away (a crawler killed mid-request) is not an error of the site."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "copydesk-demo/1.0"
    sys_version = ""

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def _handle(self, send_body: bool) -> None:
        """Answer; the request counts as in flight from its request line to the response's last byte
        but one. The last byte goes out after the count is lowered: a client cannot have the whole
        response, and so cannot send its next request, while this one is still counted (counting to
        after the last byte saw two sequential requests as two in flight)."""
        owner: LoopbackServer = self.server.owner  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        meter = owner.meter
        if meter is not None:
            meter.enter(owner.host)
        counted = meter is not None
        try:
            headers = dict(self.headers.items())
            if owner.on_request is not None:
                owner.on_request(self.command, self.path, headers)
            try:
                status, hdrs, payload = owner.respond(self.command, self.path, self.headers)
            except Exception as exc:  # pragma: no cover - a bug in the world; answer rather than hang
                status, hdrs, payload = 500, [("Content-Type", "text/plain")], repr(exc).encode()
            self.send_response(status)
            for k, v in hdrs:
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(payload)))
            self._headers_buffer.append(b"\r\n")       # what end_headers() adds, without writing yet
            data = b"".join(self._headers_buffer) + (payload if send_body and status != 304 else b"")
            self._headers_buffer = []
            self.wfile.write(data[:-1])
            self.wfile.flush()
            if counted:
                counted = False
                meter.leave(owner.host, time.perf_counter() - t0)
            self.wfile.write(data[-1:])
            self.wfile.flush()
        finally:
            if counted:
                meter.leave(owner.host, time.perf_counter() - t0)

    def log_message(self, format: str, *args) -> None:  # quiet
        pass


class LoopbackServer:
    """One HTTP server on ``host`` (port 0: a free one, kept across stop()/start() so a site that
    goes down comes back at the same URL)."""

    def __init__(self, name: str, respond: Responder, *, host: str = "127.0.0.1", port: int = 0,
                 meter: InFlight | None = None,
                 on_request: Callable[[str, str, dict], None] | None = None):
        self.name, self.respond, self.host, self.port = name, respond, host, port
        self.meter, self.on_request = meter, on_request
        self._srv: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._srv is not None

    @property
    def base(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    def start(self) -> None:
        if self._srv is not None:
            return
        srv = _Server((self.host, self.port), self)
        self.port = srv.server_address[1]
        self._srv = srv
        self._thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"demo-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (new connections are refused) and close the open ones."""
        srv, self._srv = self._srv, None
        th, self._thread = self._thread, None
        if srv is None:
            return
        srv.shutdown()
        srv.server_close()
        if th is not None:
            th.join(timeout=5)


def loopback_hosts(count: int, first: int = 2, prefix: str = "127.0.0.") -> list[str]:
    """``count`` loopback addresses of their own (127.0.0.2, .3, ... on Linux, where all of
    127.0.0.0/8 reaches this machine), or 127.0.0.1 for all where only that one can be bound
    (macOS without aliases); the sites are then told apart by port only."""
    hosts = [f"{prefix}{first + i}" for i in range(count)]
    for h in hosts[:1] + hosts[-1:]:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((h, 0))
        except OSError:
            return ["127.0.0.1"] * count
    return hosts
