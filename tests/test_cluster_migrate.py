"""`copydesk cluster migrate` on a corpus built by a real crawl of a loopback site, into a real
redis-server: every decision of the corpus' state is known through RedisSeenStore (stored URLs with
their documents, skips with their fingerprints, failures with their attempts, a takedown), the feed's
validators and the source's runs are there; a re-run changes no key; it refuses while the corpus is
held, when Redis holds another corpus' cluster, and when Redis is unreachable (one line, exit 2)."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from copydesk.cluster.connection import Connection, keys_prefix
from copydesk.cluster.seen import RedisSeenStore
from copydesk.demo.synth import article_html
from copydesk.storage import Corpus, CorpusLock, StateStore
from copydesk.storage.urls import url_key
from tests.redis_server import RedisServer, available, free_port
from tests.sites import Route, Site, rss
from tests.run_cli import copydesk

pytestmark = pytest.mark.skipif(available() is None, reason="redis-server is not installed (.ci/run installs it)")

NAME = "mig"
P = keys_prefix(NAME)
ARTICLES = [f"/news/{i}.html" for i in range(8)]


def write_config(path: Path, site: Site, redis_url: str | None, corpus: str = "corpus", name: str = NAME) -> Path:
    """The single-machine config (``redis_url`` None), or the same with a [cluster] section."""
    cluster = f'[cluster]\nredis = "{redis_url}"\nname = "{name}"\nlease_seconds = "5s"\n' if redis_url else ""
    path.write_text(f"""
corpus = "{corpus}"
[crawl]
retries = 0
timeout = "2s"
[[sources]]
name = "wire"
feeds = ["{site.url('/rss.xml')}"]
{cluster}""")
    return path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A single-machine corpus: stored articles, a page that is not an article (skipped), one that
    answers 404 (failed), an offsite link (skipped by configuration), a feed with validators, and a
    takedown of one stored article."""
    d = tmp_path_factory.mktemp("migrate")
    routes = {p: Route(article_html(i).encode()) for i, p in enumerate(ARTICLES)}
    routes["/photo.jpg"] = Route(b"\xff\xd8\xff\xe0" + bytes(2000), content_type="image/jpeg")
    with Site(routes) as site, RedisServer(d / "redis") as server:
        listed = [*ARTICLES, "/photo.jpg", "/missing.html"]
        items = [(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT") for p in listed]
        items.append(("https://elsewhere.invalid/story.html", "offsite", "Mon, 02 Nov 2026 08:00:00 GMT"))
        routes["/rss.xml"] = Route(rss(items), content_type="application/rss+xml", conditional=True)
        single = write_config(d / "single.toml", site, None)
        r = copydesk("crawl", "-c", single)
        assert r.returncode in (0, 3), r.stderr
        r = copydesk("delete", "-c", single, "--url", site.url(ARTICLES[0]), "--reason", "publisher request")
        assert r.returncode == 0, r.stderr
        yield site, server, write_config(d / "copydesk.toml", site, server.url), d / "corpus"


def state_rows(corpus: Path) -> list[tuple]:
    state = StateStore(corpus / "_state" / "state.sqlite3", readonly=True)
    try:
        return list(state.db.execute("SELECT key, url, status, reason, attempts, doc_id, source, config_fp FROM urls"))
    finally:
        state.close()


def snapshot(client: redis.Redis) -> dict[bytes, bytes]:
    return {k: client.dump(k) for k in client.scan_iter(match=P + "*")}


def test_migrate_seeds_every_decision_validator_and_run(crawled):
    site, server, cfg, corpus = crawled
    rows = state_rows(corpus)
    statuses = {r[2] for r in rows}
    assert {"stored", "skipped", "failed", "deleted"} <= statuses, statuses  # the crawl made every kind

    r = copydesk("cluster", "migrate", "-c", cfg)
    assert r.returncode == 0, r.stderr
    assert re.search(r"migrated .* \(cluster mig\): 7 stored URLs \(7 documents\), \d+ skipped, 1 failed, 1 deleted; "
                     r"1 feed validators; 1 sources' runs; 0 already in Redis \(unchanged\); [\d.]+ s", r.stdout), r.stdout
    assert "is now the cluster writer's corpus" in r.stdout

    conn = Connection(server.url)
    store = RedisSeenStore(conn, P)
    for key, url, status, reason, attempts, doc_id, source, fp in rows:
        d = store.decision(key)
        assert d is not None and d.status == status, (url, status, d)
        if status == "stored":
            assert d.doc_id == doc_id and store.has_doc(doc_id)
        elif status == "skipped":
            assert (d.reason, d.config_fp, d.source) == (reason, fp, source)
        elif status == "failed":
            assert (d.reason, d.attempts, d.source) == (reason, attempts, source)
            assert url in store.retry_urls(source, attempts + 1)
        else:
            assert store.is_deleted(key, doc_id)
    stored = [r for r in rows if r[2] == "stored"]
    assert len(stored) == len(ARTICLES) - 1 and all(store.decision(url_key(r[1])).status == "stored" for r in stored)

    state = StateStore(corpus / "_state" / "state.sqlite3", readonly=True)
    try:
        (feed, etag, lm, fp, at), = state.db.execute(
            "SELECT url, etag, last_modified, config_fp, checked_at FROM validators")
        assert etag or lm
        assert store.validators(feed, fp) == (etag, lm, at)  # when they were checked goes with them
        assert store.last_completed("wire") == state.last_completed("wire")
        assert store.last_runs()["wire"]["status"] == state.last_runs()["wire"]["status"]
    finally:
        state.close()
    origin = json.loads(conn.client.get(P + "origin"))
    assert origin == json.loads((corpus / "_state" / "cluster.json").read_text())

    before = snapshot(conn.client)
    r = copydesk("cluster", "migrate", "-c", cfg)
    assert r.returncode == 0, r.stderr
    assert "0 stored URLs (0 documents), 0 skipped, 0 failed, 0 deleted; 0 feed validators; 0 sources' runs;" in r.stdout
    assert snapshot(conn.client) == before, "a re-run changes no key"
    conn.close()


def test_migrate_refuses_a_held_corpus_another_clusters_redis_and_no_redis(crawled, tmp_path):
    site, server, cfg, corpus = crawled
    with CorpusLock(corpus, command="copydesk serve -c copydesk.toml"):
        r = copydesk("cluster", "migrate", "-c", cfg)
    assert r.returncode == 2 and "in use by `copydesk serve -c copydesk.toml`" in r.stderr, r.stderr

    assert copydesk("cluster", "migrate", "-c", cfg).returncode == 0  # (again: idempotent) Redis holds this corpus
    other = tmp_path / "other"
    (other / "_state").mkdir(parents=True)
    StateStore(other / "_state" / "state.sqlite3").close()
    client = redis.Redis.from_url(server.url)
    before = snapshot(client)
    other_cfg = write_config(tmp_path / "other.toml", site, server.url, corpus=str(other))
    r = copydesk("cluster", "migrate", "-c", other_cfg)
    assert r.returncode == 2, r.stderr
    assert "already holds cluster 'mig', migrated from" in r.stderr and "not from" in r.stderr
    assert snapshot(client) == before and not (other / "_state" / "cluster.json").exists()

    client.set("copydesk:fresh:workers", "x")  # a cluster started without migrating
    r = copydesk("cluster", "migrate", "-c", write_config(tmp_path / "f.toml", site, server.url, str(other), "fresh"))
    assert r.returncode == 2 and "already holds data of cluster 'fresh' that was not migrated" in r.stderr, r.stderr

    r = copydesk("cluster", "migrate", "-c", write_config(tmp_path / "n.toml", site,
                                                           f"redis://127.0.0.1:{free_port()}/0", str(other)))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("copydesk: redis unavailable at"), r.stderr


def test_a_cluster_serve_on_the_migrated_corpus_refetches_nothing_it_stored(crawled, tmp_path):
    site, server, cfg, corpus = crawled
    assert copydesk("cluster", "migrate", "-c", cfg).returncode == 0  # idempotent: whatever ran before
    stored = [r[1] for r in state_rows(corpus) if r[2] in ("stored", "deleted")]
    before = {p: len(site.requested(p)) for p in ARTICLES}
    assert all(n == 1 for n in before.values()), before  # the single-machine crawl fetched each once
    # the feed changes (a new story): the cluster reads it again and decides every URL it lists
    site.routes["/news/new.html"] = Route(article_html(50).encode())
    items = [(site.url(p), p, "Mon, 02 Nov 2026 09:00:00 GMT") for p in [*ARTICLES, "/news/new.html"]]
    site.routes["/rss.xml"] = Route(rss(items), content_type="application/rss+xml", conditional=True)
    serve_cfg = tmp_path / "serve.toml"
    serve_cfg.write_text(cfg.read_text().replace("[crawl]", '[schedule]\ninterval = "1s"\njitter = "1s"\n[crawl]')
                         .replace('corpus = "corpus"', f'corpus = "{corpus}"'))
    log = open(tmp_path / "serve.log", "w")
    p = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(serve_cfg)],
                         stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while site.url("/news/new.html") not in {d["url"] for d in Corpus(corpus).documents()}:
            assert p.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.5)
        time.sleep(2)  # a few more schedules: the feed is read again and again
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(60)
    assert rc == 0, (tmp_path / "serve.log").read_text()[-3000:]
    assert len(site.requested("/rss.xml")) >= 2
    assert {p: len(site.requested(p)) for p in ARTICLES} == before, "no stored (or deleted) article fetched again"
    assert len(site.requested("/news/new.html")) == 1
    assert len(stored) == len(ARTICLES)


def test_crawl_and_ingest_refuse_a_cluster_config_and_a_backfill_joins_through_migrate(crawled, tmp_path):
    """`crawl` and `ingest` store into the corpus alone: on a [cluster] config Redis would never learn
    what they stored and the cluster's daemons would fetch it all again. They refuse (one line naming
    what to do instead, exit 2) and touch nothing; the documented path for a backfill into a migrated
    cluster is an ingest with the single-machine config, then `cluster migrate` again."""
    site, server, cfg, corpus = crawled
    assert copydesk("cluster", "migrate", "-c", cfg).returncode == 0  # whatever ran before
    rows, feed_hits = state_rows(corpus), len(site.requested("/rss.xml"))
    backfill = site.url("/news/backfill.html")
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "backfill.html").write_text(article_html(77, canonical=backfill))

    for args, instead in ((["crawl", "-c", cfg], "copydesk serve"), (["ingest", "-c", cfg, saved], "cluster migrate")):
        r = copydesk(*args)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
        assert lines[0].startswith(f"copydesk: `copydesk {args[0]}` does not take part in a cluster") and \
            "[cluster]" in lines[0] and instead in lines[0], lines[0]
    assert state_rows(corpus) == rows and len(site.requested("/rss.xml")) == feed_hits, "refused: nothing done"

    single = write_config(tmp_path / "single.toml", site, None, corpus=str(corpus))
    r = copydesk("ingest", "-c", single, "--source", "wire", saved)
    assert r.returncode == 0, r.stderr
    conn = Connection(server.url)
    try:
        store = RedisSeenStore(conn, P)
        assert store.decision(url_key(backfill)) is None
        r = copydesk("cluster", "migrate", "-c", cfg)
        assert r.returncode == 0 and "stored URLs (1 documents)" in r.stdout, r.stdout + r.stderr
        assert store.decision(url_key(backfill)).status == "stored", "the cluster never fetches the backfill"
    finally:
        conn.close()

    # the corpus commands on the writer's host take the cluster config as they take the single one
    for args in (["status", "-c", cfg], ["stories", "-c", cfg, "--json"], ["export", "-c", cfg, tmp_path / "x.parquet"],
                 ["report", "-c", cfg, "-o", tmp_path / "r.html"], ["repair", "-c", cfg]):
        r = copydesk(*args)
        assert r.returncode == 0 and "Traceback" not in r.stderr, (args, r.stderr)
