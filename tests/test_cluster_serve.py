"""`copydesk serve` with [cluster]: real `copydesk serve` processes on one real redis-server crawl a
loopback site of many host names (tests/frontier_site.py: the server logs every request with the
worker that sent it, and counts requests in flight per host), measured at the server and in the
writer's corpus. docs/scale-out-serve.md."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from copydesk.demo.synth import page
from copydesk.storage import Corpus
from tests.frontier_site import HostsSite
from tests.redis_server import RedisServer, available
from tests.sites import sitemap

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 2        # per host, cluster-wide (each daemon's own limit is the same: 3x could reach a host)
LEASE = 3        # seconds: frontier and writer leases (a killed worker's requests move after this)
NAME = "t"
PREFIX = f"copydesk:{NAME}:"
STARTED: list[subprocess.Popen] = []

pytestmark = pytest.mark.skipif(available() is None, reason="redis-server is not installed (.ci/run installs it)")


@pytest.fixture(autouse=True)
def no_daemon_left():
    """A failed test leaves no daemon running."""
    yield
    while STARTED:
        p = STARTED.pop()
        if p.poll() is None:
            p.kill()
            p.wait()


def article_site(hosts: int, articles: int, delay: float) -> HostsSite:
    """HostsSite with real articles (distinct stories) and one sitemap per host."""
    site = HostsSite(hosts=hosts, articles=articles, delay=delay)
    for i, url in enumerate(site.articles):
        site.pages[url] = page(i, site="cluster").encode()
    for a in site.addresses:
        base = site.base[a]
        site.pages[base + "/sitemap.xml"] = sitemap([u for u in site.articles if u.startswith(base + "/")])
    return site


def write_config(tmp: Path, site: HostsSite, server: RedisServer, worker: str) -> Path:
    """The cluster's config (one corpus path: the writer's), with the worker's own user agent so
    the server can tell the daemons apart; the worker id is given with `serve --worker`."""
    sources = "".join(f'[[sources]]\nname = "h{i}"\nsitemaps = ["{site.base[a]}/sitemap.xml"]\n'
                      for i, a in enumerate(site.addresses))
    cfg = tmp / f"{worker}.toml"
    cfg.write_text(f'corpus = "{tmp / "corpus"}"\n'
                   f'[crawl]\nuser_agent = "copydesk-test/{worker}"\nper_host_concurrency = {LIMIT}\ncheckpoint_interval = "1s"\nretries = 0\n'
                   f'[schedule]\ninterval = "1h"\njitter = "1s"\n'
                   f'[cluster]\nredis = "{server.url}"\nname = "{NAME}"\nlease_seconds = "{LEASE}s"\n' + sources)
    return cfg


def start_serve(tmp: Path, site: HostsSite, server: RedisServer, worker: str) -> subprocess.Popen:
    cfg = write_config(tmp, site, server, worker)
    p = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg), "--worker", worker],
                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp / f"{worker}.log", "w"))
    STARTED.append(p)
    return p


def stop(p: subprocess.Popen, tmp: Path, worker: str) -> None:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    rc = p.wait(60)
    assert rc in (0, -signal.SIGKILL), (tmp / f"{worker}.log").read_text()[-3000:]


def stored_urls(corpus: Path) -> Counter[str]:
    if not (corpus / "_state").exists():
        return Counter()
    return Counter(d["url"] for d in Corpus(corpus).documents())


def wait_until(pred, timeout: float, what: str, logs: Path | None = None) -> None:
    """Fails at once when a daemon exited by itself."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline or any(p.poll() not in (None, -signal.SIGKILL) for p in STARTED):
            tail = "".join(f"\n--- {f.name}\n" + f.read_text()[-1500:] for f in sorted(logs.glob("w*.log"))) if logs else ""
            raise AssertionError(f"timed out: {what}{tail}")
        time.sleep(0.5)


def settled(server: RedisServer) -> bool:
    c = redis.Redis.from_url(server.url)
    try:
        return c.xlen(PREFIX + "frontier") == 0 and c.xlen(PREFIX + "docs") == 0
    finally:
        c.close()


def crawl_done(server: RedisServer, site: HostsSite, corpus: Path) -> bool:
    return settled(server) and set(stored_urls(corpus)) >= set(site.articles)


def test_three_daemons_fetch_every_article_once_within_the_cluster_host_limit(tmp_path):
    with RedisServer(tmp_path / "redis") as server, article_site(10, 2000, delay=0.005) as site:
        procs = {w: start_serve(tmp_path, site, server, w) for w in ("w1", "w2", "w3")}
        wait_until(lambda: crawl_done(server, site, tmp_path / "corpus"), 150, "every article stored", tmp_path)
        for w, p in procs.items():
            stop(p, tmp_path, w)
        fetched, by_worker = site.article_fetches(), site.fetches_by()
        c = redis.Redis.from_url(server.url)
        seen = c.scard(PREFIX + "seen")
        workers = c.hgetall(PREFIX + "workers")
    assert set(fetched) == set(site.articles)
    assert max(fetched.values()) == 1, [u for u, n in fetched.items() if n > 1][:10]
    assert len(by_worker) == 3 and min(sum(c.values()) for c in by_worker.values()) > 100, \
        {w: sum(c.values()) for w, c in by_worker.items()}  # every daemon fetched its share
    assert max(site.max_in_flight.values()) <= LIMIT, dict(site.max_in_flight)
    assert stored_urls(tmp_path / "corpus") == Counter({u: 1 for u in site.articles})
    assert seen == len(site.articles)  # queued once each, cluster-wide
    assert workers == {}  # a graceful stop leaves the registry
