"""A loopback news site on many host names for the frontier's tests and bench: one HTTP server per
address 127.0.0.2, 127.0.0.3, ... (Linux routes all of 127/8 to the loopback), each host with an
index page listing its articles; every article links to a few others (on other hosts too), so
the cluster's dupefilter has work. Every request is logged with the worker that sent it (from
the User-Agent) and the requests in flight are counted per host, at the server. Served by
tests/loopback.py's Loopback, one per address."""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import Loopback


@dataclass
class Fetch:
    host: str
    path: str
    worker: str
    start: float
    end: float


class HostsSite:
    def __init__(self, hosts: int, articles: int, *, delay: float = 0.005, links: int = 3, seed: int = 7):
        self.addresses = [f"127.0.0.{i + 2}" for i in range(hosts)]
        self.delay = delay
        self.lock = threading.Lock()
        self.log: list[Fetch] = []
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.servers = [self._server(a) for a in self.addresses]
        self.base = {a: s.base for a, s in zip(self.addresses, self.servers)}
        rng = random.Random(seed)
        self.articles = [self.base[self.addresses[i % hosts]] + f"/a/{i}.html" for i in range(articles)]
        self.pages: dict[str, bytes] = {}
        for a in self.addresses:
            mine = [u for u in self.articles if u.startswith(self.base[a] + "/")]
            self.pages[self.base[a] + "/index.html"] = _html("index", mine)
        for u in self.articles:
            self.pages[u] = _html(u, rng.sample(self.articles, links))

    @property
    def indexes(self) -> list[str]:
        return [self.base[a] + "/index.html" for a in self.addresses]

    def _server(self, address: str) -> Loopback:
        def answer(request: BaseHTTPRequestHandler) -> None:
            with self.lock:
                self.in_flight[address] += 1
                self.max_in_flight[address] = max(self.max_in_flight[address], self.in_flight[address])
            start = time.monotonic()
            done = False

            def leave() -> None:  # before the body's last write: see tests/test_per_host_limit.py's server
                with self.lock:
                    self.in_flight[address] -= 1
                    worker = (request.headers.get("User-Agent") or "").rpartition("/")[2]
                    self.log.append(Fetch(address, request.path, worker, start, time.monotonic()))

            try:
                time.sleep(self.delay)
                port = request.server.server_address[1]
                body = self.pages.get(f"http://{address}:{port}{request.path}")
                status = 200 if body is not None else 404
                body = body if body is not None else b"not found"
                request.send_response(status)
                request.send_header("Content-Type", "text/html; charset=utf-8")
                request.send_header("Content-Length", str(len(body)))
                request.end_headers()
                leave()
                done = True
                request.wfile.write(body)
            finally:
                if not done:
                    leave()

        return Loopback(answer, address=address)

    def __enter__(self) -> HostsSite:
        for s in self.servers:
            s.start()
        return self

    def __exit__(self, *_: Any) -> None:
        for s in self.servers:
            s.stop()

    def article_fetches(self) -> Counter[str]:
        """How many times each article URL was requested (index pages left out)."""
        with self.lock:
            return Counter(f"{self.base[f.host]}{f.path}" for f in self.log if f.path.startswith("/a/"))

    def fetches_by(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        with self.lock:
            for f in self.log:
                if f.path.startswith("/a/"):
                    out.setdefault(f.worker, Counter())[f"{self.base[f.host]}{f.path}"] += 1
        return out


def _html(title: str, links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{u}">{u}</a></li>' for u in links)
    return f"<html><head><title>{title}</title></head><body><ul>{items}</ul></body></html>".encode()
