"""Requests per run of a sitemap-index source: a Google News sitemap that gets one new article per
run, and archive sitemaps that never change, listed by an index with a `<lastmod>` for each.

    python bench/sitemap_requests.py [--archives 30] [--runs 4]

Each run is the real command line (`python -m copydesk.cli crawl`) against a loopback site
(tests/sites.py); the site counts what it answers. The archives' `<lastmod>` is in 2021, the news
sitemap's is the time of its last change, as the protocol asks (docs/crawling.md, "Recovery").
"""
from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from copydesk.demo.synth import article_html  # noqa: E402
from tests.sites import Route, Site, sitemap  # noqa: E402

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def index(site: Site, archives: int, news_changed: str) -> bytes:
    entries = [(site.url("/news.xml"), news_changed)] + [(site.url(f"/archive-{i}.xml"), "2021-01-01")
                                                         for i in range(archives)]
    return (f'<?xml version="1.0"?><sitemapindex xmlns="{NS}">'
            + "".join(f"<sitemap><loc>{u}</loc><lastmod>{m}</lastmod></sitemap>" for u, m in entries)
            + "</sitemapindex>").encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archives", type=int, default=30)
    ap.add_argument("--runs", type=int, default=4)
    args = ap.parse_args()
    with Site() as site, tempfile.TemporaryDirectory() as tmp:
        site.routes["/robots.txt"] = Route(b"", content_type="text/plain")
        for i in range(args.archives):
            path = f"/old/{i}.html"
            site.routes[path] = Route(article_html(900 + i).encode())
            site.routes[f"/archive-{i}.xml"] = Route(sitemap([site.url(path)]), content_type="application/xml",
                                                     conditional=True)
        cfg = Path(tmp) / "c.toml"
        cfg.write_text(f'corpus = "{tmp}/corpus"\n[crawl]\nper_host_concurrency = 4\n[[sources]]\nname = "news"\n'
                       f'sitemaps = ["{site.url("/index.xml")}"]\n')
        print("| run | index | news sitemap | archive sitemaps (200 / 304) | not requested | articles | all requests |")
        print("|---|---|---|---|---|---|---|")
        news: list[str] = []
        for run in range(1, args.runs + 1):
            path = f"/news/{run}.html"
            site.routes[path] = Route(article_html(run).encode())
            news.append(site.url(path))
            now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            site.routes["/news.xml"] = Route(sitemap(news), content_type="application/xml", conditional=True)
            site.routes["/index.xml"] = Route(index(site, args.archives, now), content_type="application/xml")
            before = len(site.log)
            r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)],
                               capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"crawl failed: {r.stderr[-2000:]}")
            hits = [h for h in site.log[before:] if h.path != "/robots.txt"]
            kinds = Counter(("archive", h.status) if h.path.startswith("/archive-") else
                            ("article", 0) if h.path.endswith(".html") else (h.path, h.status) for h in hits)
            archives = kinds[("archive", 200)], kinds[("archive", 304)]
            print(f"| {run} | {kinds[('/index.xml', 200)]} | {kinds[('/news.xml', 200)] + kinds[('/news.xml', 304)]} "
                  f"| {archives[0]} / {archives[1]} | {args.archives - sum(archives)} | {kinds[('article', 0)]} "
                  f"| {len(hits)} |")


if __name__ == "__main__":
    main()
