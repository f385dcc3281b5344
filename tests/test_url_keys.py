"""URL keys, version 2: a query parameter that names the article (``?cid=``, ``?gallery=``,
``?source=`` ...) is part of the key; only tracking parameters are removed. A state written with
version-1 keys (courlan's tracker pattern, which also took those) has its decisions copied under the new keys when it is opened, so
nothing stored is fetched again and no takedown is undone; a cluster's Redis follows at the writer's
start."""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from courlan.clean import TRACKERS_RE
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.cluster.connection import Connection, keys_prefix
from copydesk.cluster.migrate import URL_KEYS, rekey
from copydesk.cluster.seen import RedisSeenStore
from copydesk.demo.synth import article_html
from copydesk.storage import Corpus, StateStore, StoredDoc
from copydesk.storage.urls import TRACKING_NAMES, TRACKING_PREFIXES, is_tracking, rekeyed_by_v2, url_key, url_key_v1
from sites import Route, Site, rss
from tests.redis_server import RedisServer, available
from tests.run_cli import copydesk

DATE = "Mon, 02 Nov 2026 08:00:00 GMT"
CONTENT_IDS = ["cid", "gallery", "gameId", "global", "reference", "source", "uid", "eid", "medium", "campaign"]


# -- the key --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CONTENT_IDS)
def test_a_parameter_that_names_the_article_stays_in_the_key(name):
    assert url_key_v1(f"https://ex.org/a.php?{name}=101") == "https://ex.org/a.php"  # what version 1 did
    keys = {url_key(f"https://ex.org/a.php?{name}={i}&utm_source=rss") for i in (101, 102)}
    assert keys == {f"https://ex.org/a.php?{name}=101", f"https://ex.org/a.php?{name}=102"}


@pytest.mark.parametrize("name", ["utm_source", "utm_medium", "UTM_Campaign", "fbclid", "gclid", "mc_cid", "_ga",
                                  "ref", "xtor", "igshid", "mtm_kwd", "pk_campaign", "sessionid"])
def test_tracking_parameters_leave_the_key(name):
    assert url_key(f"https://Ex.org:443/a?{name}=x&b=2&a=1#top") == "https://ex.org/a?a=1&b=2"


def test_version_2_removes_nothing_version_1_kept():
    """So a v2 key never merges two URLs that had two keys: every name it removes, courlan's pattern
    removed too."""
    for name in TRACKING_NAMES:
        assert TRACKERS_RE.search(name), name
    for prefix in TRACKING_PREFIXES:
        assert TRACKERS_RE.search(prefix + "x"), prefix


_names = st.sampled_from(["a", "id", "page", "p", "q", "lang", "utm_source", "fbclid", "ref", "mc_cid", "_ga",
                          "sessionid", "cid", "source", "gallery", "Utm_Medium"])


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["http", "https", "HTTPS"]), netloc=st.sampled_from(["Ex.org", "ex.org:80", "ex.org:443", "ex.org:8080"]),
       path=st.text(alphabet="abc/._-é %", max_size=12), query=st.lists(st.tuples(_names, st.text(alphabet="ab1 é%+/", max_size=4)), max_size=4),
       fragment=st.text(alphabet="ab=&", max_size=4))
def test_keys_are_those_of_version_1_where_no_parameter_was_taken_for_tracking(scheme, netloc, path, query, fragment):
    url = f"{scheme}://{netloc}/{path}" + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "") + (f"#{fragment}" if fragment else "")
    present = parse_qsl(urlsplit(url.strip()).query)  # what a key is made of: blank values drop
    taken = any(TRACKERS_RE.search(k.lower()) and not is_tracking(k) for k, _ in present)
    assert (url_key(url) != url_key_v1(url)) == rekeyed_by_v2(url) == taken


# -- the state store ------------------------------------------------------------------------------
def old_state(path: Path, stored: dict[str, str], skipped: list[str], deleted: dict[str, str]) -> None:
    """A state database as copydesk wrote it with version-1 keys (user_version 1): ``stored`` url ->
    doc id, ``skipped`` URLs, ``deleted`` url -> doc id (tombstones)."""
    state = StateStore(path)
    state.commit_checkpoint(
        docs=[(StoredDoc(i, u, "s", "ex.org", i, None, "documents/date=2026-11-02/part-1.parquet"), [url_key_v1(u)])
              for u, i in stored.items()],
        skipped=[(url_key_v1(u), u, "not_html", "s") for u in skipped])
    for u, i in deleted.items():
        state.delete_doc(i, part=None, urls=[(url_key_v1(u), u)], reason="publisher request")
    state.db.execute("PRAGMA user_version=1")
    state.close()


def test_a_version_1_state_is_rekeyed_when_opened(tmp_path, caplog):
    path = tmp_path / "state.sqlite3"
    old_state(path, stored={"https://ex.org/a.php?cid=101": "d101", "https://ex.org/plain.html": "dplain",
                            "https://ex.org/story.html?source=rss": "dstory"},
              skipped=["https://ex.org/photo?gallery=5"], deleted={"https://ex.org/b.php?uid=9&utm_source=x": "d9"})
    # what version 1 did: every ?cid= is the stored article, every ?uid= the takedown
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT status FROM urls WHERE key=?", (url_key_v1("https://ex.org/a.php?cid=102"),)).fetchone() == ("stored",)
        assert db.execute("SELECT 1 FROM tombstones WHERE key=?", (url_key_v1("https://ex.org/b.php?uid=10"),)).fetchone()
    with caplog.at_level(logging.INFO, logger="copydesk.state"):
        state = StateStore(path)
    try:
        assert state.rekeyed == {"urls": 4, "tombstones": 1}
        assert "4 URL decisions and 1 tombstones copied" in caplog.text
        assert state.decision(url_key("https://ex.org/a.php?cid=101")).doc_id == "d101"
        assert state.decision(url_key("https://ex.org/a.php?cid=102")) is None         # another article: fetched
        assert state.decision(url_key("https://ex.org/plain.html")).doc_id == "dplain"  # no query: unchanged
        # the v1 row stays: it answers for the URL without the parameter (a canonical, say)
        assert state.decision(url_key("https://ex.org/story.html?source=rss")).doc_id == "dstory"
        assert state.decision(url_key("https://ex.org/story.html")).doc_id == "dstory"
        assert state.decision(url_key("https://ex.org/photo?gallery=5")).reason == "not_html"
        assert state.is_deleted(url_key("https://ex.org/b.php?uid=9&utm_medium=y"))
        assert not state.is_deleted(url_key("https://ex.org/b.php?uid=10"))
        assert state.db.execute("PRAGMA user_version").fetchone()[0] == 2
    finally:
        state.close()
    again = StateStore(path)
    assert again.rekeyed == {}
    again.close()


def test_an_upgraded_corpus_fetches_the_articles_it_missed_and_nothing_it_has(tmp_path):
    """End to end: a corpus crawled and a takedown made, its state turned into what version 1 kept
    (every key by courlan's pattern); then a feed with two more ?cid= articles. The stored one and
    the deleted one are not requested again; the two new ones are stored."""
    with Site() as site:
        paths = [f"/article.php?cid={i}" for i in (101, 102, 103)] + ["/item?gallery=5"]
        for i, p in enumerate(paths):
            site.routes[p] = Route(article_html(440 + i).encode())
        feed = lambda ps: Route(rss([(site.url(p), p, DATE) for p in ps]), content_type="application/rss+xml")  # noqa: E731
        site.routes["/rss.xml"] = feed([paths[0], paths[3]])
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "s"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        assert copydesk("crawl", "-c", cfg).returncode == 0
        assert copydesk("delete", "-c", cfg, "--url", site.url(paths[3])).returncode == 0
        db = sqlite3.connect(tmp_path / "c" / "_state" / "state.sqlite3")
        for table in ("urls", "tombstones"):
            for key, url in db.execute(f"SELECT key, url FROM {table}").fetchall():
                db.execute(f"UPDATE OR IGNORE {table} SET key=? WHERE key=?", (url_key_v1(url), key))
        db.execute("PRAGMA user_version=1")
        db.commit()
        db.close()

        site.routes["/rss.xml"] = feed(paths)
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr
        assert [len(site.requested(p)) for p in paths] == [1, 1, 1, 1]
        stored = sorted(urlsplit(d["url"]).query for d in Corpus(tmp_path / "c").documents())
        assert stored == ["cid=101", "cid=102", "cid=103"]


def test_articles_told_apart_by_a_query_parameter_are_each_stored(tmp_path):
    with Site() as site:
        paths = ["/article.php?cid=1", "/article.php?cid=2", "/live?gameId=7", "/live?gameId=8",
                 "/story?source=12", "/article.php?cid=1&utm_source=rss"]
        for i, p in enumerate(paths[:-1]):
            site.routes[p] = Route(article_html(450 + i).encode())
        site.routes[paths[-1]] = site.routes[paths[0]]
        site.routes["/rss.xml"] = Route(rss([(site.url(p), p, DATE) for p in paths]), content_type="application/rss+xml")
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "c"\n[[sources]]\nname = "s"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        assert copydesk("crawl", "-c", cfg).returncode == 0
        docs = list(Corpus(tmp_path / "c").documents())
        assert sorted(urlsplit(d["url"]).query for d in docs) == ["cid=1", "cid=2", "gameId=7", "gameId=8", "source=12"]
        assert len(site.requested(paths[-1])) == 0  # the utm_source spelling is the first one


# -- a cluster's Redis ----------------------------------------------------------------------------
@pytest.mark.skipif(available() is None, reason="redis-server is not installed (.ci/run installs it)")
def test_the_writer_copies_rekeyed_decisions_to_redis_once(tmp_path):
    """Redis keyed as version 1 did (a cluster of older daemons): after the writer's state is
    re-keyed, ``rekey`` writes those decisions under their new keys, and only once."""
    stored = {"https://ex.org/a.php?cid=101": "d101", "https://ex.org/plain.html": "dplain"}
    deleted = {"https://ex.org/b.php?uid=9": "d9"}
    path = tmp_path / "state.sqlite3"
    old_state(path, stored=stored, skipped=["https://ex.org/photo?gallery=5"], deleted=deleted)
    with RedisServer(tmp_path / "redis") as server:
        conn = Connection(server.url)
        store = RedisSeenStore(conn, keys_prefix("k"))
        store.commit_checkpoint(docs=[(StoredDoc(i, u, "s", "ex.org", i, None, "p"), [url_key_v1(u)]) for u, i in stored.items()])
        store.record_deleted("d9", [(url_key_v1(u), u) for u in deleted], "publisher request")
        assert store.decision(url_key("https://ex.org/a.php?cid=101")) is None
        state = StateStore(path)
        try:
            moved = rekey(state, store)
            assert moved is not None and moved.urls == {"stored": 1, "skipped": 1, "failed": 0, "deleted": 1}
            assert store.decision(url_key("https://ex.org/a.php?cid=101")).doc_id == "d101"
            assert store.decision(url_key("https://ex.org/photo?gallery=5")).reason == "not_html"
            assert store.is_deleted(url_key("https://ex.org/b.php?uid=9"))
            assert store.decision(url_key("https://ex.org/a.php?cid=102")) is None
            assert conn.client.get(keys_prefix("k") + URL_KEYS) == b"2"
            assert rekey(state, store) is None
        finally:
            state.close()
            conn.close()
