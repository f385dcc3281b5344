"""Where a source may fetch articles: the registrable domains of its configured URLs, plus its
`allowed_domains`; and skips caused by configuration are decided again when it changes.

The source's hosts have public-looking names (feeds.news.example, www.news.example, ...) reached
through a local HTTP proxy (tests/sites.py answers absolute-URL requests), as in test_safety.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from copydesk.demo.synth import article_html
from sites import Route, Site, rss, sitemap
from copydesk.storage import Corpus

FEED = "http://feeds.news.example/rss.xml"
INDEX = "http://feeds.news.example/sitemap.xml"
SAME = ["http://www.news.example/2026/a.html", "http://news.example/2026/b.html"]   # the feed host's domain
PARTNER = "http://www.partner.example/c.html"                                      # another domain
PLAIN = "http://www.news.example/2026/k.html"        # no keyword: filter_keywords (fetched, then skipped)
OLD = "http://www.news.example/2019/old.html"        # dated 2019 in the feed: filter_since (never fetched)
CHILD_OK = "http://static.news.example/sm-1.xml"     # a child sitemap under the domain ...
CHILD_OFF = "http://sitemaps.other.example/sm-2.xml"  # ... and one elsewhere
FROM_CHILD = "http://m.news.example/d.html"
ELSEWHERE = "http://www.other.example/e.html"


def config(path: Path, *, allowed: str = "", keywords: str = '["zebra"]', since: str = "2026-01-01") -> Path:
    path.write_text(f"""corpus = "corpus"
[crawl]
retries = 0
[filter]
keywords = {keywords}
since = "{since}"
[[sources]]
name = "news"
feeds = ["{FEED}"]
sitemaps = ["{INDEX}"]
{allowed}
""")
    return path


def run(proxy: Site, *args: str | Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "http_proxy": proxy.base, "HTTP_PROXY": proxy.base, "no_proxy": ""}
    return subprocess.run([sys.executable, "-m", "copydesk.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=180, env=env)


def test_articles_on_the_feeds_domain_are_stored_and_config_skips_are_decided_again(tmp_path):
    zebra = "Zebra crossing plan approved by the council"
    with Site() as proxy:
        pages = {u: article_html(i, title_text=f"{zebra} {i}") for i, u in enumerate([*SAME, PARTNER, FROM_CHILD])}
        pages[PLAIN] = article_html(10)
        pages[OLD] = article_html(11, title_text=f"{zebra} 11", published="2019-05-01")
        pages[ELSEWHERE] = article_html(12, title_text=f"{zebra} 12")
        proxy.routes.update({u: Route(html.encode()) for u, html in pages.items()})
        dated = [(u, u, "Mon, 02 Nov 2026 08:00:00 GMT") for u in [*SAME, PARTNER, PLAIN]]
        proxy.routes[FEED] = Route(rss([*dated, (OLD, OLD, "Wed, 01 May 2019 08:00:00 GMT")]),
                                   content_type="application/rss+xml", conditional=True)
        proxy.routes[INDEX] = Route(
            ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{CHILD_OK}</loc></sitemap><sitemap><loc>{CHILD_OFF}</loc></sitemap>"
             "</sitemapindex>").encode(), content_type="application/xml", conditional=True)
        proxy.routes[CHILD_OK] = Route(sitemap([FROM_CHILD]), content_type="application/xml", conditional=True)
        proxy.routes[CHILD_OFF] = Route(sitemap([ELSEWHERE]), content_type="application/xml")

        cfg = config(tmp_path / "copydesk.toml")
        r = run(proxy, "crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        stored = {d["url"] for d in Corpus(tmp_path / "corpus").documents()}
        assert stored == {*SAME, FROM_CHILD}, stored
        requested = {h.path for h in proxy.log}
        assert PLAIN in requested                                       # fetched, then filtered
        assert not {PARTNER, OLD, CHILD_OFF, ELSEWHERE} & requested      # never requested
        assert not any("other.example" in p or "partner.example" in p for p in requested)
        counts = status(proxy, cfg)["sources"][0]["last_run"]["counts"]
        # offsite: PARTNER, and CHILD_OFF (a sitemap: counted, decided for this run only)
        assert counts["skipped"] == {"offsite": 2, "filter_keywords": 1, "filter_since": 1}, counts

        # the same configuration: nothing decided is fetched again, the feed and sitemaps answer 304
        hits = {u: proxy.routes[u].hits for u in pages}
        r = run(proxy, "crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        assert {u: proxy.routes[u].hits for u in pages} == hits
        # the index is read in full every run; the sitemap it lists answers 304
        assert [proxy.requested(u)[-1].status for u in (FEED, INDEX, CHILD_OK)] == [304, 200, 304]

        # the partner's domain allowed, the filters relaxed: those skips are decided again
        config(tmp_path / "copydesk.toml", allowed='allowed_domains = ["partner.example"]', keywords="[]", since="")
        r = run(proxy, "crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        stored = {d["url"] for d in Corpus(tmp_path / "corpus").documents()}
        assert stored == {*SAME, FROM_CHILD, PARTNER, PLAIN, OLD}, stored
        # the validators saved under the old configuration were not sent: the feed was read again
        assert "If-None-Match" not in proxy.requested(FEED)[-1].headers and proxy.requested(FEED)[-1].status == 200
        assert {u: proxy.routes[u].hits for u in SAME} == {u: hits[u] for u in SAME}  # stored: never again
        assert proxy.routes[ELSEWHERE].hits == 0 and not proxy.requested(CHILD_OFF)


def status(proxy: Site, cfg: Path) -> dict:
    r = run(proxy, "status", "-c", cfg, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_allowed_domains_is_checked_and_named(tmp_path):
    cfg = tmp_path / "copydesk.toml"
    for bad, words in (('["co.uk"]', "public suffix"), ('["https://bbc.com/"]', "domain name"), ('"bbc.com"', "list")):
        cfg.write_text(f'[[sources]]\nname = "bbc"\nfeeds = ["https://feeds.bbci.co.uk/news/rss.xml"]\n'
                       f"allowed_domains = {bad}\n")
        r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 2, r.stderr
        assert "sources[0].allowed_domains" in r.stderr and words in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def test_registrable_domains():
    from copydesk.crawler.domains import Domains, registrable_domain

    assert registrable_domain("feeds.bbci.co.uk") == "bbci.co.uk"
    assert registrable_domain("rss.dw.com") == "dw.com"
    assert registrable_domain("alice.github.io") == "alice.github.io"   # a private suffix counts
    assert registrable_domain("feeds.news.example") == "news.example"   # unknown suffix: the default rule
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    d = Domains({"feeds.bbci.co.uk"}, ["bbc.com"])
    assert [d.allows(h) for h in ("www.bbci.co.uk", "www.bbc.com", "bbc.com", "notbbc.com", "www.bbc.co.uk")] == [
        True, True, True, False, False]
    assert not Domains({"alice.github.io"}).allows("bob.github.io")
    assert not Domains({"127.0.0.1"}).allows("127.0.0.2")


def test_filter_skips_are_decided_again_when_the_filter_changes(tmp_path):
    """On 127.0.0.1 with no proxy: a keyword skip (decided after the fetch) and a date skip (decided
    from the feed) hold while [filter] is the same, and are decided again once it changes."""
    with Site() as site:
        site.routes["/k.html"] = Route(article_html(20).encode())
        site.routes["/old.html"] = Route(article_html(21, published="2019-05-01").encode())
        site.routes["/rss.xml"] = Route(rss([(site.url("/k.html"), "k", "Mon, 02 Nov 2026 08:00:00 GMT"),
                                             (site.url("/old.html"), "old", "Wed, 01 May 2019 08:00:00 GMT")]),
                                        content_type="application/rss+xml", conditional=True)
        cfg = tmp_path / "copydesk.toml"

        def crawl(filt: str) -> None:
            cfg.write_text(f'corpus = "corpus"\n[filter]\n{filt}\n[[sources]]\nname = "s"\n'
                           f'feeds = ["{site.url("/rss.xml")}"]\n')
            r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)], capture_output=True,
                               text=True, timeout=180)
            assert r.returncode == 0, r.stderr

        crawl('keywords = ["zebra"]\nsince = "2026-01-01"')
        crawl('keywords = ["zebra"]\nsince = "2026-01-01"')
        assert site.routes["/k.html"].hits == 1 and site.routes["/old.html"].hits == 0
        assert site.requested("/rss.xml")[-1].status == 304  # the same [filter]: the feed's validators hold
        crawl('keywords = ["zebra", "officials"]\nsince = "2026-01-01"')   # "Officials said ..." is in every page
        assert site.routes["/k.html"].hits == 2 and site.routes["/old.html"].hits == 0
        crawl('keywords = ["zebra", "officials"]')
        assert site.routes["/old.html"].hits == 1
        assert sorted(d["url"].rsplit("/", 1)[1] for d in Corpus(tmp_path / "corpus").documents()) == ["k.html",
                                                                                                     "old.html"]


def test_the_deploy_example_can_fetch_its_outlets_articles():
    """Where each outlet of deploy/copydesk.example.toml publishes its articles (its feeds link
    there): every one must be allowed, or that source stores nothing."""
    from copydesk.config import load
    from copydesk.crawler.domains import Domains

    article_hosts = {"bbc-world": ["www.bbc.com", "www.bbc.co.uk"], "aljazeera": ["www.aljazeera.com"],
                     "npr-world": ["www.npr.org"], "guardian-world": ["www.theguardian.com"],
                     "dw-world": ["www.dw.com"], "france24": ["www.france24.com"]}
    cfg = load(Path(__file__).resolve().parent.parent / "deploy" / "copydesk.example.toml")
    assert sorted(s.name for s in cfg.sources) == sorted(article_hosts)
    for s in cfg.sources:
        domains = Domains(s.hosts, s.allowed_domains)
        assert all(domains.allows(h) for h in article_hosts[s.name]), (s.name, domains.domains)
        assert not domains.allows("www.example.com")


def test_a_host_under_the_domains_that_is_internal_is_refused(tmp_path):
    """Only the hosts a source names in its own URLs are trusted as configured: any other host it
    may fetch (here 127.0.0.1 through `allowed_domains`, for a source on a public-looking host) is
    checked on its address, like a redirect target."""
    with Site() as proxy:
        secret = proxy.url("/secret.html")
        ok = "http://www.news.example/ok.html"
        proxy.routes.update({ok: Route(article_html(30).encode()), "/secret.html": Route(article_html(31).encode())})
        proxy.routes[FEED] = Route(rss([(u, u, "Mon, 02 Nov 2026 08:00:00 GMT") for u in (ok, secret)]),
                                   content_type="application/rss+xml")
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[crawl]\nretries = 0\n[[sources]]\nname = "news"\nfeeds = ["{FEED}"]\n'
                       'allowed_domains = ["127.0.0.1"]\n')
        r = run(proxy, "crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        requested = {h.path for h in proxy.log}
        counts = status(proxy, cfg)["sources"][0]["last_run"]["counts"]
    assert ok in requested and secret not in requested and "/secret.html" not in requested
    assert counts["failed"] == {"address_refused": 1}, counts
