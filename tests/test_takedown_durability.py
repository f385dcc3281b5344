"""A takedown holds (docs/corpus.md, "Takedowns"): real crawls of a loopback site with real Scrapy.

* `copydesk repair --force`, and `repair` of a damaged state database, rebuild the state from the
  part files, which no longer hold the deleted document: the takedowns come back from
  corpus/_state/takedowns.jsonl, so the next crawl neither fetches nor stores the article; a line cut
  short in that log (a crash while appending) does not lose the takedowns around it; a takedown made
  before the log existed is kept from the old state; a repaired corpus migrated to a cluster takes
  its takedowns to Redis.
* A new link that redirects to a deleted (or stored) article does not have the article requested:
  the redirect is not followed, and the redirecting URL is skipped as `redirect_known`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from copydesk.demo.synth import article_html
from copydesk.storage import Corpus, StateStore
from copydesk.storage.urls import url_key
from copydesk.verify import verify
from tests.run_cli import copydesk
from tests.sites import Route, Site, rss
from tests.test_cluster_migrate import write_config  # the config, with or without [cluster]

TAKEDOWNS = "takedowns.jsonl"  # in corpus/_state (storage/delete.py)
ARTICLES = [f"/news/{i}.html" for i in range(6)]
DATE = "Mon, 02 Nov 2026 08:00:00 GMT"


def feed(site: Site, paths: list[str]) -> Route:
    return Route(rss([(site.url(p), p, DATE) for p in paths]), content_type="application/rss+xml")


def crawled(tmp_path: Path, site: Site, listed: list[str]) -> Path:
    site.routes.update({p: Route(article_html(i).encode()) for i, p in enumerate(ARTICLES)})
    site.routes["/rss.xml"] = feed(site, listed)
    cfg = write_config(tmp_path / "copydesk.toml", site, None)
    r = copydesk("crawl", "-c", cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    return cfg


def urls_of(corpus: Path) -> set[str]:
    return {d["url"] for d in Corpus(corpus).documents()}


def decision(corpus: Path, url: str) -> tuple | None:
    state = StateStore(corpus / "_state" / "state.sqlite3", readonly=True)
    try:
        return state.db.execute("SELECT status, reason FROM urls WHERE key=?", (url_key(url),)).fetchone()
    finally:
        state.close()


def damage(corpus: Path) -> None:
    with open(corpus / "_state" / "state.sqlite3", "r+b") as f:
        f.seek(4096)
        f.write(b"\x00garbage" * 512)


@pytest.mark.parametrize("how", ["force", "damaged"])
def test_repair_rebuilding_the_state_keeps_every_takedown(tmp_path, how):
    with Site() as site:
        cfg = crawled(tmp_path, site, ARTICLES)
        corpus = tmp_path / "corpus"
        gone = [site.url(ARTICLES[2]), site.url(ARTICLES[4])]
        assert set(gone) <= urls_of(corpus)
        r = copydesk("delete", "-c", cfg, "--url", gone[0], "--reason", "publisher request")
        assert r.returncode == 0, r.stderr
        log = corpus / "_state" / TAKEDOWNS
        with open(log, "ab") as f:  # a takedown's line cut short by a crash while it was appended
            f.write(b'{"doc_id":"0123456789abcdef","urls":[["')
        r = copydesk("delete", "-c", cfg, "--url", gone[1])
        assert r.returncode == 0, r.stderr

        if how == "force":
            r = copydesk("repair", "-c", cfg, "--force")
        else:
            damage(corpus)
            r = copydesk("repair", "-c", cfg)
        assert r.returncode == 0, r.stderr
        assert decision(corpus, gone[0]) == ("deleted", "publisher request")
        assert decision(corpus, gone[1])[0] == "deleted"
        r = copydesk("delete", "-c", cfg, "--url", gone[0])
        assert r.returncode == 2 and "already deleted" in r.stderr, r.stderr

        hits = {p: site.routes[p].hits for p in ARTICLES}
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        assert {p: site.routes[p].hits for p in ARTICLES} == hits, "nothing fetched again, the deleted articles neither"
        assert urls_of(corpus) == {site.url(p) for p in ARTICLES} - set(gone)
        assert verify(corpus) == []
        records = [json.loads(line) for line in log.read_text().splitlines() if line.endswith("}")]
        assert [rec["urls"][0][1] for rec in records] == gone and records[0]["reason"] == "publisher request"


def test_a_takedown_made_before_the_log_existed_survives_repair_force(tmp_path):
    """A corpus whose takedown an older copydesk made (no takedowns.jsonl): `repair --force` reads the
    tombstones of the state it moves aside into the log first."""
    with Site() as site:
        cfg = crawled(tmp_path, site, ARTICLES)
        corpus = tmp_path / "corpus"
        gone = site.url(ARTICLES[1])
        assert copydesk("delete", "-c", cfg, "--url", gone).returncode == 0
        (corpus / "_state" / TAKEDOWNS).unlink(missing_ok=True)  # as an older copydesk left it
        r = copydesk("repair", "-c", cfg, "--force")
        assert r.returncode == 0, r.stderr
        assert decision(corpus, gone)[0] == "deleted"
        before = site.routes[ARTICLES[1]].hits
        assert copydesk("crawl", "-c", cfg).returncode == 0
        assert site.routes[ARTICLES[1]].hits == before and gone not in urls_of(corpus)


def test_a_repaired_corpus_migrated_to_a_cluster_keeps_its_takedowns(tmp_path):
    from tests.redis_server import RedisServer, available

    if available() is None:
        pytest.skip("redis-server is not installed")
    from copydesk.cluster.connection import Connection, keys_prefix
    from copydesk.cluster.seen import RedisSeenStore

    with Site() as site, RedisServer(tmp_path / "redis") as server:
        cfg = crawled(tmp_path, site, ARTICLES)
        corpus = tmp_path / "corpus"
        gone = site.url(ARTICLES[3])
        assert copydesk("delete", "-c", cfg, "--url", gone).returncode == 0
        assert copydesk("repair", "-c", cfg, "--force").returncode == 0
        cluster = write_config(tmp_path / "cluster.toml", site, server.url, name="tk")
        r = copydesk("cluster", "migrate", "-c", cluster)
        assert r.returncode == 0, r.stderr
        assert " 1 deleted;" in r.stdout, r.stdout
        conn = Connection(server.url)
        try:
            d = RedisSeenStore(conn, keys_prefix("tk")).decision(url_key(gone))
            assert d is not None and d.status == "deleted"
        finally:
            conn.close()


def test_a_redirect_to_a_deleted_or_stored_article_is_not_followed(tmp_path):
    with Site() as site:
        cfg = crawled(tmp_path, site, [ARTICLES[0], ARTICLES[5]])
        corpus = tmp_path / "corpus"
        assert copydesk("delete", "-c", cfg, "--url", site.url(ARTICLES[5])).returncode == 0
        site.routes["/r/5"] = Route(redirect=site.url(ARTICLES[5]))  # new links to the deleted article
        site.routes["/r/0"] = Route(redirect=site.url(ARTICLES[0]))  # ... and to a stored one
        site.routes["/r/1"] = Route(redirect=site.url(ARTICLES[1]))  # ... and to a new one: followed
        site.routes["/rss.xml"] = feed(site, [ARTICLES[0], "/r/5", "/r/0", "/r/1"])
        hits = {p: site.routes[p].hits for p in ARTICLES}
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        assert site.routes[ARTICLES[5]].hits == hits[ARTICLES[5]], "the deleted article was requested"
        assert site.routes[ARTICLES[0]].hits == hits[ARTICLES[0]], "a stored article was requested again"
        assert site.routes[ARTICLES[1]].hits == hits[ARTICLES[1]] + 1
        assert urls_of(corpus) == {site.url(ARTICLES[0]), site.url(ARTICLES[1])}
        assert decision(corpus, site.url("/r/5")) == ("skipped", "redirect_known")
        assert decision(corpus, site.url("/r/0")) == ("skipped", "redirect_known")

        redirects = {p: site.routes[p].hits for p in ("/r/5", "/r/0", "/r/1")}
        assert redirects == {"/r/5": 1, "/r/0": 1, "/r/1": 1}
        assert copydesk("crawl", "-c", cfg).returncode == 0
        assert {p: site.routes[p].hits for p in redirects} == redirects, "a decided redirect is not requested again"
        assert site.routes[ARTICLES[5]].hits == hits[ARTICLES[5]]
