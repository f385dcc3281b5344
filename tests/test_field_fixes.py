"""Problems a new user met in the field, each crawled end to end from loopback sites by real
`copydesk` processes: HTML served under a generic Content-Type, a sitemap index listing a sitemap on
another domain, each source's own run time in a shared crawl, the `status` table's columns."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from http.server import BaseHTTPRequestHandler

from copydesk.demo.synth import article_html
from copydesk.storage import Corpus
from sites import Route, Site, rss, sitemap
from tests.loopback import Loopback
from tests.run_cli import copydesk

DATE = "Mon, 02 Nov 2026 08:00:00 GMT"


def status(cfg: Path) -> dict:
    r = copydesk("status", "-c", cfg, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


class BareSite(Site):
    """A Site whose routes with ``content_type=""`` are answered with no Content-Type header at all."""

    def _answer(self, h: BaseHTTPRequestHandler) -> int:
        route = self.routes.get(h.path)
        if route is None or route.content_type:
            return super()._answer(h)
        route.hits += 1
        h.send_response(200)
        h.send_header("Content-Length", str(len(route.body)))
        h.end_headers()
        h.wfile.write(route.body)
        return 200


def test_html_under_a_generic_content_type_is_sniffed(tmp_path):
    """An article page served as application/octet-stream (or binary/octet-stream, application/unknown,
    or with no Content-Type) is stored when its body starts like HTML; a body that does not is
    not_html; a specific non-HTML type (image/*, PDF, JSON) is not sniffed, whatever its body."""
    html = article_html
    pages = {
        "/octet.html": Route(html(1).encode(), content_type="application/octet-stream"),
        # a BOM, whitespace and upper case; no extension: Scrapy cannot guess from the URL
        "/article/2": Route(b"\xef\xbb\xbf\n  " + html(2).replace("<!DOCTYPE html>", "<HTML>").encode(),
                            content_type="binary/octet-stream"),
        "/article/3": Route(html(3).replace("<!DOCTYPE html>", "").encode(), content_type="application/unknown"),
        "/article/4": Route(html(4).encode(), content_type=""),                     # no Content-Type
        "/article/5": Route(b"%PDF-1.7\n" + html(5).encode(), content_type="application/octet-stream"),
        "/article/6": Route(html(6).encode(), content_type="image/png"),
        "/article/7": Route(html(7).encode(), content_type="application/json"),
        "/article/8": Route(html(8).encode(), content_type="application/pdf"),
    }
    with BareSite(dict(pages)) as site:
        site.routes["/rss.xml"] = Route(rss([(site.url(p), p, DATE) for p in pages]), content_type="application/rss+xml")
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "generic"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        assert all(site.routes[p].hits == 1 for p in pages)
    stored = sorted(urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents())
    assert stored == ["/article/2", "/article/3", "/article/4", "/octet.html"]
    counts = status(cfg)["sources"][0]["last_run"]["counts"]
    assert counts["skipped"] == {"not_html": 4} and counts["stored_new"] == 4, counts



def test_the_sniff_reads_past_what_may_precede_the_html():
    from copydesk.crawler.spider import looks_like_html

    assert looks_like_html(b'<?xml version="1.0"?>\n<!-- built 04:00 -->\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML">')
    assert looks_like_html("\ufeff<html><body><p>é</p>".encode("utf-16"))
    assert looks_like_html(b"\t<Head><title>t</title>") and looks_like_html(b"<body>")
    assert not looks_like_html(b"<!-- a comment never closed <html>")
    assert not looks_like_html(b"<htmlx>") and not looks_like_html(b'{"html": "<html>"}')
    assert not looks_like_html(b" " * 1024 + b"<html>")  # past the first KB

def test_an_offsite_sitemap_in_an_index_is_counted_logged_and_decided_again(tmp_path):
    """A sitemap index listing a sitemap on another domain: not requested, counted as skipped
    (offsite) for the source, logged once at INFO with the hint `allowed_domains`; no lasting
    decision is recorded for it, so allowing the domain has it read by the next run."""
    other = Site()
    other.loopback = Loopback(other._handle, address="127.0.0.2")  # another host, another domain
    with Site() as site, other:
        child = other.url("/news.xml")
        site.routes.update({
            "/robots.txt": Route(b"", content_type="text/plain"),
            "/sitemap.xml": Route(('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                                   f'sitemap/0.9"><sitemap><loc>{child}</loc></sitemap></sitemapindex>').encode(),
                                  content_type="application/xml"),
            "/a.html": Route(article_html(40).encode())})
        other.routes.update({"/robots.txt": Route(b"", content_type="text/plain"),
                             "/news.xml": Route(sitemap([site.url("/a.html")]), content_type="application/xml")})
        cfg = tmp_path / "c.toml"

        def crawl(allowed: str = "") -> subprocess.CompletedProcess:
            cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "idx"\nsitemaps = ["{site.url("/sitemap.xml")}"]\n'
                           f"{allowed}\n")
            r = copydesk("crawl", "-c", cfg, "--log-level", "INFO")
            assert r.returncode == 0, r.stderr
            return r

        r = crawl()
        assert not other.log
        counts = status(cfg)["sources"][0]["last_run"]["counts"]
        assert counts["skipped"] == {"offsite": 1}, counts
        lines = [line for line in r.stderr.splitlines() if child in line]
        assert len(lines) == 1 and "INFO" in lines[0] and "allowed_domains" in lines[0], r.stderr

        r = crawl('allowed_domains = ["127.0.0.2"]')
        assert other.requested("/news.xml") and site.requested("/a.html")
        assert [urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents()] == ["/a.html"]
        counts = status(cfg)["sources"][0]["last_run"]["counts"]
        assert counts["skipped"] == {} and counts["stored_new"] == 1, counts
        assert child not in r.stderr


def test_each_source_of_a_crawl_reports_its_own_time(tmp_path):
    """Two sources in one crawl: `quick` is done in a fraction of a second, `slow` waits 3 s for its
    article. The crawl's summary and `status` show each its own time, not the whole crawl's."""
    with Site() as site:
        site.routes.update({
            "/robots.txt": Route(b"", content_type="text/plain"),
            "/quick.xml": Route(rss([(site.url("/q.html"), "q", DATE)]), content_type="application/rss+xml"),
            "/slow.xml": Route(rss([(site.url("/s.html"), "s", DATE)]), content_type="application/rss+xml"),
            "/q.html": Route(article_html(50).encode()),
            "/s.html": Route(article_html(51).encode(), delay=3.0)})
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "quick"\nfeeds = ["{site.url("/quick.xml")}"]\n'
                       f'[[sources]]\nname = "slow"\nfeeds = ["{site.url("/slow.xml")}"]\n')
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
    times = {m[1]: float(m[2]) for m in re.finditer(r"^\W*(quick|slow|total)\b.*?([\d.]+)s\W*$", r.stdout, re.M)}
    assert times["quick"] < 1.5 and times["slow"] >= 3.0 and times["total"] >= times["slow"], r.stdout
    runs = {s["name"]: s["last_run"] for s in status(cfg)["sources"]}
    assert runs["quick"]["duration_s"] < 1.5 and runs["slow"]["duration_s"] >= 3.0, runs
    assert runs["quick"]["counts"]["stored_new"] == runs["slow"]["counts"]["stored_new"] == 1


def test_the_status_table_is_what_the_docs_say():
    """docs/operations.md names the `status` table's columns and the run's counts `--json` has
    (the table leaves requests, 304s and the reasons to `--json`: it must stay readable in a
    100-column terminal)."""
    from rich.console import Console

    from copydesk.stats import SourceCounts
    from copydesk.status import render_corpus

    docs = (Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    section = " ".join(docs.split("## `copydesk status`")[1].split("\n## ")[0].split())
    columns = re.search(r"a row per source, columns ((?:`[^`]+`, )*`[^`]+`):", section)
    assert columns, "docs/operations.md: the status table's columns"
    run = {"started": "2026-12-06T05:26:00Z", "duration_s": 0.3, "status": "completed",
           "counts": SourceCounts().as_dict()}
    info = {"corpus": "c", "exists": True, "daemon": {"running": False}, "corpus_stats": {},
            "largest_clusters": [], "skipped": {}, "recent_errors": [],
            "sources": [{"name": "quick", "last_run": run, "next_run": "2026-12-06T05:56:00Z"}]}
    console = Console(record=True, width=100, color_system=None)
    render_corpus(console, info)
    lines = console.export_text().splitlines()
    header = next(line for line in lines if line.startswith("┃ source "))
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == re.findall(r"`([^`]+)`", columns[1])
    assert max(len(line) for line in lines) <= 100 and "…" not in "".join(lines)
    counts = re.search(r"`--json` \(`sources\[\]\.last_run\.counts`\): (.*?); `crawl`", section)
    assert counts and set(re.findall(r"`(\w+)`", counts[1])) == set(SourceCounts().as_dict())


def test_an_article_in_a_script_without_spaces_is_stored_by_its_own_word_count(tmp_path):
    """A Chinese article that `copydesk clean` accepts (each ideograph a word, docs/cleaning.md) is
    stored by ingest too: the pipeline's length check counts words the same way, not by spaces."""
    sentence = "市议会今天批准了在河上建造新桥的预算，工程将于春季开始并预计持续两年时间。"
    body = "".join(f"<p>{sentence * 2}{i}</p>" for i in range(6))
    page = tmp_path / "bridge.html"
    page.write_text(f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>河上新桥获批建设</title></head>'
                    f"<body><article><h1>河上新桥获批建设</h1>{body}</article></body></html>", encoding="utf-8")
    cleaned = copydesk("clean", page, "--json")
    assert cleaned.returncode == 0 and json.loads(cleaned.stdout)["word_count"] > 300
    r = copydesk("ingest", "--corpus", tmp_path / "corpus", page)
    assert r.returncode == 0, r.stderr
    docs = list(Corpus(tmp_path / "corpus").documents())
    assert len(docs) == 1 and sentence in docs[0]["text"]
    # the record counts each ideograph too (a whitespace count gave 6, one per paragraph), and
    # `clean --json` says what the record will say
    assert docs[0]["word_count"] == json.loads(cleaned.stdout)["word_count"] > 300


def test_a_malformed_link_is_counted_and_the_links_after_it_are_read(tmp_path):
    """A feed entry, a sitemap entry and a sitemap index child with a port out of range, a port that
    is not a number or an unterminated IPv6 address: each is counted as skipped bad_url, every other
    link is read and stored, the run completes, and nothing reaches stderr as a traceback."""
    host = "127.0.0.1"
    with Site() as site:
        port = urlsplit(site.base).port
        bad = [f"http://{host}:99999/a/typo.html", f"http://{host}:abc/a/typo2.html", "http://[::1/a/typo3.html"]
        good = [f"/a/{i}.html" for i in range(5)]
        for i, p in enumerate(good):
            site.routes[p] = Route(article_html(470 + i).encode())
        items = [(site.url(good[0]), "a0", DATE), (bad[0], "bad", DATE), (site.url(good[1]), "a1", DATE),
                 (bad[1], "bad", DATE), (site.url(good[2]), "a2", DATE)]
        site.routes["/rss.xml"] = Route(rss(items), content_type="application/rss+xml", conditional=True)
        site.routes["/news.xml"] = Route(sitemap([bad[2], site.url(good[3])]), content_type="application/xml")
        index = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 f"<sitemap><loc>http://{host}:{port}99/broken.xml</loc></sitemap>"
                 f"<sitemap><loc>{site.url('/more.xml')}</loc></sitemap></sitemapindex>")
        site.routes["/index.xml"] = Route(index.encode(), content_type="application/xml")
        site.routes["/more.xml"] = Route(sitemap([site.url(good[4])]), content_type="application/xml")
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "s"\nfeeds = ["{site.url("/rss.xml")}"]\n'
                       f'sitemaps = ["{site.url("/news.xml")}", "{site.url("/index.xml")}"]\n')
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
        stored = sorted(urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents())
        assert stored == good
        last = status(cfg)["sources"][0]["last_run"]
        assert last["status"] == "completed" and last["counts"]["skipped"] == {"bad_url": 4}, last


def test_a_robots_txt_that_answers_5xx_disallows_the_host_for_the_run(tmp_path):
    """RFC 9309: a robots.txt answering 503 means "disallow everything" for now, not "allow
    everything": neither the feed nor its article is requested, the article-less run fails with
    robots_unavailable (a failure, not a skip for good), and once robots.txt answers, the next run
    stores the article. A 404 robots.txt still means no rules."""
    with Site() as site:
        site.routes["/robots.txt"] = Route(b"<h1>Service unavailable</h1>", status=503)
        site.routes["/private/story.html"] = Route(article_html(495).encode())
        site.routes["/rss.xml"] = Route(rss([(site.url("/private/story.html"), "s", DATE)]),
                                        content_type="application/rss+xml")
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[crawl]\nretries = 0\n[[sources]]\nname = "s"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 3, r.stderr  # the source's only feed could not be read
        assert [h.path for h in site.log] == ["/robots.txt"]
        assert "robots.txt of" in r.stderr and "unavailable (HTTP 503)" in r.stderr and "Traceback" not in r.stderr
        last = status(cfg)["sources"][0]["last_run"]
        assert last["status"] == "failed" and last["counts"]["failed"] == {"robots_unavailable": 1}, last
        site.routes["/robots.txt"] = Route(b"", status=404)
        assert copydesk("crawl", "-c", cfg).returncode == 0
        assert [urlsplit(d["url"]).path for d in Corpus(tmp_path / "c").documents()] == ["/private/story.html"]
