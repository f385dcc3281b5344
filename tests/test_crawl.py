"""Real Scrapy crawls (`copydesk crawl` as a subprocess) against real HTTP servers on 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from copydesk.demo import DemoWorld
from sites import Route, Site, rss, sitemap
from copydesk.storage import Corpus
from copydesk.demo.synth import article_html, paragraphs
from truth import check_against_truth
from tests.run_cli import copydesk

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/x&lol2;</loc></url></urlset>')


def status(cfg: Path) -> dict:
    r = copydesk("status", "-c", cfg, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def feed_config(site: Site, tmp_path: Path, name: str, paths: list[str], crawl: str = "") -> Path:
    """An RSS feed on ``site`` listing ``paths`` and a config whose one source reads it."""
    site.routes["/rss.xml"] = Route(rss([(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT") for p in paths]),
                                    content_type="application/rss+xml")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'corpus = "c"\n[crawl]\n{crawl}\n[[sources]]\nname = "{name}"\nfeeds = ["{site.url("/rss.xml")}"]\n')
    return cfg


def latin1_page() -> bytes:
    html = article_html(900, title_text="Café owners in Zürich protest rent rises")
    html = html.replace('<meta charset="utf-8">', "").replace("<p>In ", "<p>Café Müller and the Señora bakery say: In ", 1)
    return html.encode("latin-1")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    news = [f"/news/{i}.html" for i in range(8)]
    routes = {p: Route(article_html(i).encode(), delay=0.3) for i, p in enumerate(news)}
    routes.update({
        "/robots.txt": Route(ROBOTS, content_type="text/plain"),
        "/private/secret.html": Route(article_html(100).encode()),
        "/slow.html": Route(article_html(101).encode(), delay=4, in_flight=False),  # abandoned by the client at 1 s
        "/loop-a.html": Route(redirect="/loop-b.html"),
        "/loop-b.html": Route(redirect="/loop-a.html"),
        "/big.html": Route(article_html(102).replace("</article>", "<p>" + "x " * 300_000 + "</p></article>").encode()),
        "/binary.html": Route(random.Random(1).randbytes(30_000)),
        "/latin1.html": Route(latin1_page(), content_type="text/html"),
        "/broken.html": Route(article_html(103).replace("</p>", "").replace("</article>", "<div><span>").encode()[:-40]),
        "/gz.html": Route(article_html(104).encode(), gzip=True),
        "/flaky.html": Route(article_html(105).encode(), fail_times=1),
        "/photo.jpg": Route(b"\xff\xd8\xff\xe0" + bytes(2000), content_type="image/jpeg"),
        "/sitemap.xml": Route(BOMB, content_type="application/xml"),
    })
    listed = news + ["/private/secret.html", "/slow.html", "/missing.html", "/loop-a.html", "/big.html",
                     "/binary.html", "/latin1.html", "/broken.html", "/gz.html", "/flaky.html", "/photo.jpg"]
    with Site(routes) as site:
        routes["/rss.xml"] = Route(rss([(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT") for p in listed]),
                                   content_type="application/rss+xml", conditional=True)
        d = tmp_path_factory.mktemp("hostile")
        cfg = d / "copydesk.toml"
        cfg.write_text(f"""
corpus = "corpus"
[crawl]
user_agent = "copydesk-test/1.0"
per_host_concurrency = 2
concurrency = 8
timeout = "1s"
retries = 1
max_page_bytes = 200000
[[sources]]
name = "hostile"
feeds = ["{site.url('/rss.xml')}"]
sitemaps = ["{site.url('/sitemap.xml')}"]
""")
        r = copydesk("crawl", "-c", cfg)
        yield site, cfg, r, d / "corpus"


def test_crawl_finishes_normally(hostile):
    _, _, r, _ = hostile
    assert r.returncode == 3, r.stderr  # the run ends normally; 3: its sitemap (one of two) is refused
    assert "degraded: hostile: 1 of 2 feeds, sitemaps and section pages failed" in r.stdout
    assert "hostile" in r.stdout and "total" not in r.stdout  # one source: one row
    assert "Traceback" not in r.stderr  # e.g. Scrapy logs and swallows a failing signal handler


def test_robots_disallowed_never_requested(hostile):
    site, *_ = hostile
    assert site.requested("/robots.txt")
    assert not site.requested("/private/secret.html")


def test_per_host_concurrency_and_user_agent(hostile):
    site, *_ = hostile
    assert site.max_in_flight <= 2
    assert site.max_in_flight == 2  # the limit is reached, so the measurement means something
    assert {h.headers.get("User-Agent") for h in site.log} == {"copydesk-test/1.0"}


def test_every_case_counted_with_its_reason(hostile):
    site, cfg, _, corpus = hostile
    (src,) = status(cfg)["sources"]
    counts = src["last_run"]["counts"]
    assert src["last_run"]["status"] == "degraded"                # the feed worked, the sitemap did not
    assert counts["skipped"]["robots_disallowed"] == 1
    assert counts["skipped"]["not_html"] == 1                     # the JPEG
    assert counts["skipped"]["binary"] == 1                       # random bytes served as text/html
    assert counts["failed"]["timeout"] == 1
    assert counts["failed"]["http_404"] == 1
    assert counts["failed"]["redirect_loop"] == 1
    assert counts["failed"]["too_large"] == 1
    assert counts["failed"]["xml_entities_refused"] == 1          # the sitemap
    assert site.routes["/flaky.html"].hits == 2                   # a transient 500, retried ...
    stored = {urlsplit(d["url"]).path: d for d in Corpus(corpus).documents()}
    assert "/flaky.html" in stored                                # ... and stored
    assert set(stored) == {f"/news/{i}.html" for i in range(8)} | {"/flaky.html", "/latin1.html", "/broken.html",
                                                                    "/gz.html"}
    assert counts["stored_new"] == len(stored)
    assert "Café Müller and the Señora bakery say" in stored["/latin1.html"]["text"]
    assert paragraphs(104)[0] in stored["/gz.html"]["text"]
    assert paragraphs(103)[0] in stored["/broken.html"]["text"]


def test_failed_urls_retried_next_run_known_urls_not(hostile):
    site, cfg, _, corpus = hostile
    before = {p: site.routes[p].hits for p in ("/news/0.html", "/slow.html", "/latin1.html", "/binary.html")}
    r = copydesk("crawl", "-c", cfg)
    assert r.returncode == 3, r.stderr
    after = {p: site.routes[p].hits for p in before}
    assert after["/news/0.html"] == before["/news/0.html"]        # stored: never again
    assert after["/binary.html"] == before["/binary.html"]        # skipped: never again
    assert after["/slow.html"] > before["/slow.html"]             # failed: retried by the next run
    feed = site.requested("/rss.xml")
    assert len(feed) == 2 and "If-None-Match" in feed[1].headers and feed[1].status == 304


@pytest.fixture()
def world():
    with DemoWorld() as w:
        yield w


def test_incremental_crawl_of_the_demo_world(world, tmp_path):
    cfg = tmp_path / "copydesk.toml"
    cfg.write_text(world.config_toml(str(tmp_path / "corpus")))
    r = copydesk("crawl", "-c", cfg)
    assert r.returncode == 0, r.stderr
    first_articles = {x.path for x in world.requests if world.page_for_url(world.urls[x.outlet] + x.path)}
    assert first_articles == {p.path for p in world.pages() if not p.disallowed}

    new = world.publish_more()
    assert new
    world.clear_requests()
    r = copydesk("crawl", "-c", cfg)
    assert r.returncode == 0, r.stderr
    articles = [x for x in world.requests if world.page_for_url(world.urls[x.outlet] + x.path)]
    assert sorted(x.path for x in articles) == sorted(p.path for p in new if not p.disallowed), \
        "the second crawl requests exactly the new articles"
    discovery = [x for x in world.requests if x not in articles and not x.path.endswith("robots.txt")]
    # a sitemap index (the gazette's /sitemap.xml) is read in full every run, its sitemaps conditionally
    indexes = [x for x in discovery if x.outlet == "gazette" and x.path == "/sitemap.xml"]
    assert indexes and not any(x.conditional for x in indexes)
    assert all(x.conditional for x in discovery if x not in indexes), "feeds, sitemaps and sections: conditional GET"
    info = status(cfg)
    changed = {p.outlet for p in new}
    for s in info["sources"]:
        c = s["last_run"]["counts"]
        if s["name"] not in changed:
            assert c["not_modified"] >= 1 and c["stored_new"] + c["stored_copy"] == 0, s
    check_against_truth(list(Corpus(tmp_path / "corpus").documents()), world.pages())

    world.clear_requests()
    r = copydesk("crawl", "-c", cfg)
    assert r.returncode == 0
    assert not [x for x in world.requests if world.page_for_url(world.urls[x.outlet] + x.path)]


def test_copydesk_demo(tmp_path):
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "demo"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "demo crawl" in r.stdout and "total" in r.stdout
    check_against_truth(list(Corpus(tmp_path / "demo-corpus").documents()), DemoWorld().pages())
    # a second demo run replaces its own corpus, and refuses to touch anything else
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("mine")
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "demo", "--corpus", "other"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and (tmp_path / "other" / "keep.txt").exists()


def test_gzip_sitemap_file(tmp_path):
    """A .xml.gz sitemap (gzip file, not Content-Encoding) is unpacked with a size limit."""
    with Site() as site:
        body = gzip.compress((f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                              f'<url><loc>{site.url("/a.html")}</loc></url></urlset>').encode())
        site.routes.update({"/robots.txt": Route(b"", content_type="text/plain"),
                            "/s.xml.gz": Route(body, content_type="application/x-gzip"),
                            "/a.html": Route(article_html(7).encode())})
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "gz"\nsitemaps = ["{site.url("/s.xml.gz")}"]\n')
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        assert [urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents()] == ["/a.html"]


def test_crawl_delay_is_a_floor_between_requests(tmp_path):
    """robots.txt Crawl-delay: at least that long between two requests to the host, although
    AutoThrottle would go faster on a host this quick and Scrapy varies delays by +-50 %."""
    with Site() as site:
        news = [f"/n/{i}.html" for i in range(5)]
        site.routes.update({p: Route(article_html(200 + i).encode()) for i, p in enumerate(news)})
        site.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 0.4\n", content_type="text/plain")
        cfg = feed_config(site, tmp_path, "polite", news, crawl="per_host_concurrency = 4")
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        hits = sorted(h.at for h in site.log if h.path.startswith("/n/"))
        assert len(hits) == 5
        gaps = [b - a for a, b in zip(hits, hits[1:])]
        assert min(gaps) >= 0.38, gaps


def test_sitemap_loops_and_deep_chains_end(tmp_path):
    """An index that lists itself is fetched once; a chain of indexes stops at MAX_SITEMAP_DEPTH
    (counted as sitemap_too_deep); the articles they list are still crawled."""
    from copydesk.crawler.spider import MAX_SITEMAP_DEPTH

    def index(*children: str) -> Route:
        locs = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
        return Route(f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                     f"{locs}</sitemapindex>".encode(), content_type="application/xml")

    with Site() as site:
        site.routes.update({"/robots.txt": Route(b"", content_type="text/plain"),
                            "/loop.xml": index(site.url("/loop.xml"), site.url("/urls.xml"), site.url("/chain-1.xml")),
                            "/urls.xml": Route(sitemap([site.url("/a.html")]), content_type="application/xml"),
                            "/a.html": Route(article_html(300).encode())})
        for i in range(1, 10):
            site.routes[f"/chain-{i}.xml"] = index(site.url(f"/chain-{i + 1}.xml"), site.url("/loop.xml"))
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "loops"\nsitemaps = ["{site.url("/loop.xml")}"]\n')
        r = copydesk("crawl", "-c", cfg, timeout=120)
        assert r.returncode == 0, r.stderr
        assert len(site.requested("/loop.xml")) == 1
        chain = [i for i in range(1, 10) if site.requested(f"/chain-{i}.xml")]
        assert chain == list(range(1, MAX_SITEMAP_DEPTH + 1))  # /loop.xml is depth 0
        assert [urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents()] == ["/a.html"]
        errors = status(cfg)["recent_errors"]
        assert any(e["reason"] == "sitemap_too_deep" for e in errors), errors


def test_meta_refresh_redirects_are_followed(tmp_path):
    """<meta http-equiv="refresh"> redirects, also where copydesk's byte-level pre-check has to be
    careful: a UTF-16 page, and a tag past the first 4096 bytes but within Scrapy's 4096 characters."""
    def refresh(target: str, before: str = "") -> str:
        return (f'<html><head><meta charset="utf-8"><title>{before}Moved</title>'
                f'<meta http-equiv="Refresh" content="0; url={target}"></head><body><p>Moved.</p></body></html>')

    with Site() as site:
        site.routes.update({
            "/robots.txt": Route(b"", content_type="text/plain"),
            "/moved.html": Route(refresh("/a.html").encode()),
            "/moved16.html": Route(refresh("/b.html").encode("utf-16"), content_type="text/html"),
            "/late.html": Route(refresh("/c.html", before="é" * 2500).encode()),
            "/a.html": Route(article_html(400).encode()),
            "/b.html": Route(article_html(401).encode()),
            "/c.html": Route(article_html(402).encode()),
        })
        assert refresh("/c.html", "é" * 2500).encode().find(b"Refresh") > 4096
        cfg = feed_config(site, tmp_path, "moved", ["/moved.html", "/moved16.html", "/late.html"])
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        stored = sorted(urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents())
        assert stored == ["/a.html", "/b.html", "/c.html"]


@pytest.mark.parametrize("level, debug_records", [("WARNING", False), ("DEBUG", True)])
def test_scrapy_builds_no_log_records_nobody_sees(level, debug_records):
    """Scrapy's logging setup puts its loggers at DEBUG: each request and item built a record
    ("Crawled", "Scraped from") that copydesk's handler dropped. Not any more, unless asked for."""
    code = (
        "import logging\n"
        "from copydesk import logs\n"
        f"logs.setup({level!r})\n"
        "from scrapy.crawler import CrawlerProcess\n"
        "CrawlerProcess({'LOG_INSTALL_ROOT_HANDLER': False})\n"
        "logs.settle_scrapy()\n"
        "print(logging.getLogger('scrapy.core.engine').isEnabledFor(logging.DEBUG))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(debug_records)


def test_interrupted_crawl_exits_130_and_records_the_run(tmp_path):
    """Ctrl-C (SIGINT) stops a crawl gracefully: what was stored stays, the run is recorded as
    interrupted (Scrapy's close reason "shutdown", as the spider sees it) and the exit status is 130."""
    import signal
    import time

    with Site() as site:
        news = [f"/slow/{i}.html" for i in range(20)]
        site.routes.update({p: Route(article_html(500 + i).encode(), delay=0.5) for i, p in enumerate(news)})
        site.routes["/robots.txt"] = Route(b"", content_type="text/plain")
        # concurrency 1: Scrapy's graceful stop still finishes what its downloader has queued
        cfg = feed_config(site, tmp_path, "slow", news, crawl="concurrency = 1\nper_host_concurrency = 1")
        proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while sum(h.path.startswith("/slow/") for h in site.log) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        run = status(cfg)["sources"][0]["last_run"]
        assert run["status"] == "interrupted"
        assert 1 <= run["counts"]["stored_new"] < len(news)


def test_no_remote_code_execution_server(tmp_path):
    """Scrapy 2.19 starts, by default, an HTTP server that runs any Python code it is sent (token in
    a job file in the user's state directory, left behind when the process is killed). A news
    crawler has no use for it: while a crawl runs there is no such job file."""
    import os
    import time

    with Site() as site:
        site.routes.update({"/robots.txt": Route(b"", content_type="text/plain"),
                            "/a.html": Route(article_html(600).encode(), delay=1.0)})
        cfg = feed_config(site, tmp_path, "rc", ["/a.html"])
        state = tmp_path / "xdg-state"
        proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "XDG_STATE_HOME": str(state)})
        deadline = time.monotonic() + 60
        while not any(h.path == "/a.html" for h in site.log) and not site.routes["/a.html"].hits \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        during = sorted(p.name for p in state.rglob("*") if p.is_file())
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert site.routes["/a.html"].hits == 1
        assert during == []


def test_an_unchanged_sitemap_index_still_has_its_changed_sitemaps_read(tmp_path):
    """The usual Google News set-up: a fixed sitemap index, a news sitemap that gets the new
    articles and archive sitemaps that never change. The index is read in full every run (a 304 for
    it would hide its sitemaps' changes); each sitemap it lists is fetched with its own conditional
    GET, unless the index's <lastmod> says it is as last read: archives are then read once a day.
    Validators saved by an older copydesk (another VALIDATORS_VERSION), an index's among them, are
    not sent."""
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with Site() as site:
        listed = [("/news.xml", now), ("/2020.xml", "2021-01-01"), ("/2021.xml", "2022-01-01T00:00:00+01:00"),
                  ("/plain.xml", "2021-01-01")]  # no ETag or Last-Modified: read every run
        index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 + "".join(f"<sitemap><loc>{site.url(p)}</loc><lastmod>{m}</lastmod></sitemap>" for p, m in listed)
                 + "</sitemapindex>").encode()
        site.routes.update({"/robots.txt": Route(b"", content_type="text/plain"),
                            "/index.xml": Route(index, content_type="application/xml", conditional=True),
                            "/news.xml": Route(sitemap([site.url("/a.html")]), content_type="application/xml",
                                               conditional=True),
                            "/a.html": Route(article_html(401).encode()),
                            "/b.html": Route(article_html(402).encode())})
        for path in ("/2020.xml", "/2021.xml", "/plain.xml"):
            site.routes[path] = Route(sitemap([site.url("/a.html")]), content_type="application/xml",
                                      conditional=path != "/plain.xml")
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "news"\nsitemaps = ["{site.url("/index.xml")}"]\n')
        stored = lambda: sorted(urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents())  # noqa: E731
        statuses = lambda path: [h.status for h in site.requested(path)]  # noqa: E731

        assert copydesk("crawl", "-c", cfg).returncode == 0
        assert stored() == ["/a.html"]
        site.routes["/news.xml"].body = sitemap([site.url("/a.html"), site.url("/b.html")])  # the index is the same
        assert copydesk("crawl", "-c", cfg).returncode == 0
        assert stored() == ["/a.html", "/b.html"]
        index_hits, news_hits = site.requested("/index.xml"), site.requested("/news.xml")
        assert [h.status for h in index_hits] == [200, 200] and "If-None-Match" not in index_hits[1].headers
        assert [h.status for h in news_hits] == [200, 200] and "If-None-Match" in news_hits[1].headers
        assert statuses("/2020.xml") == statuses("/2021.xml") == [200], "unchanged by the index: not requested"
        assert statuses("/plain.xml") == [200, 200]
        assert status(cfg)["sources"][0]["last_run"]["counts"]["sitemaps_unchanged"] == 2

        # a day after their last answer, the archives are asked again; the 304 counts as a new answer
        db = sqlite3.connect(tmp_path / "c" / "_state" / "state.sqlite3")
        with db:
            db.execute("UPDATE validators SET checked_at = checked_at - 90000")
        assert copydesk("crawl", "-c", cfg).returncode == 0
        assert statuses("/2020.xml") == statuses("/2021.xml") == [200, 304]
        assert all(t > time.time() - 600 for (t,) in db.execute("SELECT checked_at FROM validators WHERE url IN (?, ?)",
                                                             (site.url("/2020.xml"), site.url("/2021.xml"))))

        # the index's row holds no validators (one saved while it was a plain sitemap is replaced)
        assert db.execute("SELECT etag, last_modified FROM validators WHERE url=?",
                          (site.url("/index.xml"),)).fetchone() == (None, None)
        # an older copydesk saved the index's validators too, under its own fingerprint format
        (fp,) = db.execute("SELECT config_fp FROM validators WHERE url=?", (site.url("/news.xml"),)).fetchone()
        old_fp = fp.split(":", 1)[1]
        with db:
            db.execute("UPDATE validators SET config_fp=?", (old_fp,))
            db.execute("INSERT OR REPLACE INTO validators(url, etag, last_modified, checked_at, config_fp)"
                       " VALUES (?,?,?,?,?)",
                       (site.url("/index.xml"), '"' + hashlib.sha1(index).hexdigest()[:16] + '"', None, 0, old_fp))
        db.close()
        assert copydesk("crawl", "-c", cfg).returncode == 0
        last_index, last_news = site.requested("/index.xml")[-1], site.requested("/news.xml")[-1]
        assert last_index.status == 200 and "If-None-Match" not in last_index.headers
        assert last_news.status == 200 and "If-None-Match" not in last_news.headers
        assert len(site.requested("/a.html")) == len(site.requested("/b.html")) == 1


def test_a_fetched_twin_of_a_stored_article_is_not_fetched_again(tmp_path):
    """A section page links one article under three URLs: its canonical, a trailing-slash twin and
    an /amp/ twin, each naming the canonical. The first fetched is stored, the others are skipped
    as already_stored, and no run after asks for any of them again."""
    with Site() as site:
        page = article_html(403, canonical=site.url("/story/")).encode()
        links = '<a href="/story/">a</a> <a href="/story">b</a> <a href="/amp/story">c</a>'
        site.routes.update({"/robots.txt": Route(b"", content_type="text/plain"),
                            "/news/": Route(f"<html><body><h1>News</h1>{links}</body></html>".encode()),
                            "/story/": Route(page), "/story": Route(page), "/amp/story": Route(page)})
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[crawl]\nper_host_concurrency = 1\n[[sources]]\nname = "s"\n'
                       f'start_urls = ["{site.url("/news/")}"]\nfollow = ["story"]\n')
        for _ in range(2):
            assert copydesk("crawl", "-c", cfg).returncode == 0
            site.routes["/news/"].body += b"<p>a new teaser</p>"  # section pages change every run
        (doc,) = Corpus(tmp_path / "c").documents()
        assert urlsplit(doc["canonical_url"]).path == "/story/"
        assert [len(site.requested(p)) for p in ("/news/", "/story/", "/story", "/amp/story")] == [2, 1, 1, 1]
        assert status(cfg)["skipped"].get("already_stored"), "status counts the URLs it skips for good"


def test_a_canonical_to_the_home_page_does_not_make_every_article_one_record(tmp_path):
    """A site template that puts the home page in every article's rel=canonical: each article is
    still its own record, under its own URL."""
    with Site() as site:
        paths = ["/2026/a.html", "/2026/b.html", "/2026/c.html"]
        for i, p in enumerate(paths):
            site.routes[p] = Route(article_html(410 + i, canonical=site.url("/")).encode())
        cfg = feed_config(site, tmp_path, "s", paths)
        assert copydesk("crawl", "-c", cfg).returncode == 0
        docs = list(Corpus(tmp_path / "c").documents())
        assert sorted(urlsplit(d["url"]).path for d in docs) == paths
        assert len({d["id"] for d in docs}) == 3


def test_an_amp_page_has_its_full_page_fetched_and_stored_instead(tmp_path):
    """A feed that links an AMP page (<html amp>) whose rel=canonical names its full page: the full
    page is fetched and stored (its URL, its byline), the AMP page is skipped as amp_page; an AMP
    page that is its own canonical (a site that is AMP only) is stored as it is."""
    with Site() as site:
        amp = lambda seed, canonical: (article_html(seed, canonical=site.url(canonical))  # noqa: E731
                                       .replace("<html", "<html \u26a1", 1).encode())
        site.routes.update({"/robots.txt": Route(b"", content_type="text/plain"),
                            "/amp/a.html": Route(amp(420, "/a.html")), "/a.html": Route(article_html(420).encode()),
                            "/b.html": Route(article_html(421).encode()),
                            "/amp/c.html": Route(amp(422, "/amp/c.html"))})
        cfg = feed_config(site, tmp_path, "s", ["/amp/a.html", "/b.html", "/amp/c.html"])
        for _ in range(2):
            assert copydesk("crawl", "-c", cfg).returncode == 0
        stored = sorted(urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents())
        assert stored == ["/a.html", "/amp/c.html", "/b.html"]
        assert [len(site.requested(p)) for p in ("/amp/a.html", "/a.html", "/b.html", "/amp/c.html")] == [1, 1, 1, 1]
        assert status(cfg)["skipped"].get("amp_page") == 1


def test_an_amp_page_whose_full_page_cannot_be_had_is_stored_itself(tmp_path):
    """The full page an AMP page names is refused by robots.txt, or answers 404: the AMP page is
    fetched again and stored (not lost as amp_page), once, and later runs request nothing again."""
    with Site() as site:
        amp = lambda seed, canonical: (article_html(seed, canonical=site.url(canonical))  # noqa: E731
                                       .replace("<html", "<html amp", 1).encode())
        site.routes.update({"/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
                            "/amp/a.html": Route(amp(430, "/private/a.html")), "/private/a.html": Route(article_html(430).encode()),
                            "/amp/b.html": Route(amp(431, "/b.html"))})   # /b.html: 404
        cfg = feed_config(site, tmp_path, "s", ["/amp/a.html", "/amp/b.html"], crawl="retries = 0")
        for _ in range(2):
            assert copydesk("crawl", "-c", cfg).returncode == 0
        stored = sorted(urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents())
        assert stored == ["/amp/a.html", "/amp/b.html"]
        assert [len(site.requested(p)) for p in ("/amp/a.html", "/private/a.html", "/amp/b.html", "/b.html")] == [2, 0, 2, 1]
        assert "amp_page" not in status(cfg)["skipped"]


def test_a_base_href_or_a_section_og_url_does_not_make_every_article_one_record(tmp_path):
    """Articles whose <base href> is their section (no rel=canonical), and articles whose og:url is
    their section (a template's mistake): each is its own record under its own URL. A relative
    rel=canonical is resolved against the <base href>, as a browser resolves it."""
    with Site() as site:
        base = [f"/news/2026/story-{i}.html" for i in range(3)]
        og = [f"/sport/2026/match-{i}.html" for i in range(2)]
        for i, p in enumerate(base):
            site.routes[p] = Route(article_html(480 + i, extra_head=f'<base href="{site.url("/news/")}">').encode())
        for i, p in enumerate(og):
            site.routes[p] = Route(article_html(485 + i, extra_head=f'<meta property="og:url" content="{site.url("/sport/")}">').encode())
        site.routes["/p/three.html"] = Route(article_html(
            489, extra_head=f'<base href="{site.url("/archive/2026/")}"><link rel="canonical" href="three.html">').encode())
        cfg = feed_config(site, tmp_path, "s", [*base, *og, "/p/three.html"])
        assert copydesk("crawl", "-c", cfg).returncode == 0
        docs = {urlsplit(d["url"]).path: d for d in Corpus(tmp_path / "c").documents()}
        assert sorted(docs) == sorted([*base, *og, "/p/three.html"])
        assert docs[base[0]]["canonical_url"] is None
        assert docs[og[0]]["canonical_url"] == site.url("/sport/")
        assert docs["/p/three.html"]["canonical_url"] == site.url("/archive/2026/three.html")
