"""Politeness under `copydesk serve`, where every scheduled run is a Scrapy crawl of its own: the
per-host limit, robots.txt Crawl-delay and "one fetch per article" hold across the runs that overlap
in one daemon (crawler/hostgate.py, crawler/inflight.py), and a SIGTERM requests nothing new
(crawler/downloader.py). Measured at a loopback server, with real `copydesk serve` processes.
Before: 3 sources on one host reached 6 requests in flight at a limit of 2; two sources' requests
came 0.0 s apart under `Crawl-delay: 2`; two sources listing the same 20 articles made 40 requests;
15 requests started after the SIGTERM on a slow host."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from sites import Route, Site, rss
from tests.test_serve import wait_until

DATE = "Mon, 02 Nov 2026 08:00:00 GMT"


def article(i: int) -> bytes:
    words = " ".join(f"word{(i * 7 + k) % 97}" for k in range(120))
    return (f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
            f"<p>{words}.</p></article></body></html>").encode()


def serve(tmp_path: Path, sources: str, crawl: str = "") -> tuple[subprocess.Popen, Path]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'corpus = "{tmp_path / "corpus"}"\n[crawl]\nretries = 0\n{crawl}\n[schedule]\njitter = 0\n{sources}')
    err = tmp_path / "serve.err"
    proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=err.open("w"))
    return proc, err


def source(name: str, feed: str) -> str:
    return f'[[sources]]\nname = "{name}"\nfeeds = ["{feed}"]\ninterval = "1h"\n'


def stop(proc: subprocess.Popen) -> tuple[int, float]:
    t = time.time()
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=40), time.time() - t


def hits(site: Site, prefix: str) -> int:
    return sum(r.hits for path, r in site.routes.items() if path.startswith(prefix))


def test_per_host_limit_holds_across_overlapping_runs(tmp_path):
    """Three sources on one host, each its own crawl: at most per_host_concurrency in flight there."""
    with Site({"/robots.txt": Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")}) as site:
        for k in range(3):
            paths = [f"/s{k}/{i}.html" for i in range(8)]
            site.routes.update({p: Route(article(100 * k + i), delay=0.2) for i, p in enumerate(paths)})
            site.routes[f"/s{k}/feed.xml"] = Route(rss([(site.url(p), "x", DATE) for p in paths]),
                                                    content_type="application/rss+xml")
        proc, err = serve(tmp_path, "".join(source(f"desk{k}", site.url(f"/s{k}/feed.xml")) for k in range(3)),
                          "per_host_concurrency = 2\n")
        try:
            done = wait_until(lambda: hits(site, "/s") >= 3 * 9)
        finally:
            rc, _ = stop(proc)
    assert done and rc == 0, err.read_text()[-3000:]
    assert site.max_in_flight == 2, (site.max_in_flight, err.read_text()[-3000:])


def test_crawl_delay_holds_across_overlapping_runs(tmp_path):
    """robots.txt `Crawl-delay: 1`, two sources on the host: their requests start >= 1 s apart."""
    robots = Route(b"User-agent: *\nCrawl-delay: 1\nAllow: /\n", content_type="text/plain")
    with Site({"/robots.txt": robots}) as site:
        for k in range(2):
            paths = [f"/s{k}/{i}.html" for i in range(3)]
            site.routes.update({p: Route(article(100 * k + i)) for i, p in enumerate(paths)})
            site.routes[f"/s{k}/feed.xml"] = Route(rss([(site.url(p), "x", DATE) for p in paths]),
                                                    content_type="application/rss+xml")
        proc, err = serve(tmp_path, "".join(source(f"slow{k}", site.url(f"/s{k}/feed.xml")) for k in range(2)))
        try:
            done = wait_until(lambda: hits(site, "/s") >= 2 * 4)
            time.sleep(0.5)
        finally:
            rc, _ = stop(proc)
    assert done and rc == 0, err.read_text()[-3000:]
    # each run reads robots.txt before its other requests; the second run's copy may come at any time
    starts = sorted(h.at for h in site.log if h.path != "/robots.txt")
    gaps = [round(b - a, 2) for a, b in zip(starts, starts[1:])]
    assert len(starts) == 8 and min(gaps) >= 0.9, gaps


def test_overlapping_sources_fetch_each_article_once(tmp_path):
    """Two sources list the same 12 articles and run at the same time: each article is requested once."""
    with Site({"/robots.txt": Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")}) as site:
        paths = [f"/a/{i}.html" for i in range(12)]
        site.routes.update({p: Route(article(i), delay=0.1) for i, p in enumerate(paths)})
        for k in range(2):
            site.routes[f"/feed{k}.xml"] = Route(rss([(site.url(p), "x", DATE) for p in paths]),
                                                 content_type="application/rss+xml")
        proc, err = serve(tmp_path, "".join(source(f"feed{k}", site.url(f"/feed{k}.xml")) for k in range(2)))
        try:
            done = wait_until(lambda: err.read_text().count(" completed: ") >= 2)
        finally:
            rc, _ = stop(proc)
    assert done and rc == 0, err.read_text()[-3000:]
    fetched = {p: site.routes[p].hits for p in paths}
    assert all(n == 1 for n in fetched.values()), fetched


def test_sigterm_requests_nothing_new(tmp_path):
    """A slow host (1.5 s a page, 2 in flight): after the SIGTERM only the pages in flight finish."""
    with Site({"/robots.txt": Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")}) as site:
        paths = [f"/a/{i}.html" for i in range(16)]
        site.routes.update({p: Route(article(i), delay=1.5) for i, p in enumerate(paths)})
        site.routes["/feed.xml"] = Route(rss([(site.url(p), "x", DATE) for p in paths]),
                                         content_type="application/rss+xml")
        proc, err = serve(tmp_path, source("slow", site.url("/feed.xml")), "per_host_concurrency = 2\n")
        try:
            assert wait_until(lambda: hits(site, "/a/") >= 3), err.read_text()[-3000:]
        finally:
            t = time.time()
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.6)  # the daemon acts on a signal within 0.2 s
            at_stop = hits(site, "/a/")
            rc = proc.wait(timeout=40)
            took = time.time() - t
    assert rc == 0, err.read_text()[-3000:]
    assert hits(site, "/a/") == at_stop, (at_stop, hits(site, "/a/"), err.read_text()[-3000:])
    assert took < 5, took  # the pages in flight (1.5 s), not the queue (14 more pages, 10 s)
    assert "run of slow interrupted" in err.read_text()
