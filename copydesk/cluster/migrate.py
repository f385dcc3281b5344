"""`copydesk cluster migrate -c config.toml`: seed Redis from a single-machine corpus, so a user grows
from one machine to several without re-crawling (docs/scale-out.md, "Growing from one machine").

What moves to Redis, through ``RedisSeenStore`` (what every worker asks before fetching): the URL
decisions (stored with their document ids, skipped with the configuration fingerprint that caused
the skip, failed with their attempts and the source's retry list, deleted), the fetch validators
(ETag/Last-Modified of feeds and sitemaps, with their fingerprints) and each source's last run and
last completed run (the schedule). The takedowns are the state's tombstones, with any the state
lacks from corpus/_state/takedowns.jsonl (a state that `copydesk repair` rebuilt has them back
already: every writer's start restores them). What stays: the corpus itself, the dedup index, the templates and
the error history — the writer's, on this disk: the migrated corpus directory becomes the cluster
writer's corpus.

Idempotent: a URL Redis already knows keeps its decision (except that a stored decision replaces a
skip or a failure, as everywhere), validators Redis has are kept, a run older than the one Redis
has is not written; re-running changes no key. Refused (exit 2, nothing written): while another
process holds the corpus (its daemon: the corpus lock is held for the whole migration), and when
Redis holds this cluster name's keys that did not come from this corpus — the corpus' id is in
corpus/_state/cluster.json and in P+"origin", both written by the first migration.

P+"origin" is also the daemons' marker that Redis holds the cluster's data (crawler.outage): it is
written last, after the copy and the consumer groups, so daemons paused because Redis lost the data
resume only once the migration has put it back. A corpus that has its cluster.json while Redis
has no origin is seeded again (Redis lost its data, or a migration was cut short). A cluster
started empty gets both from its first writer (``ensure_origin``).
"""
from __future__ import annotations

import json
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from copydesk.config import ClusterSettings, Config
from copydesk.errors import UsageError
from copydesk.storage import CorpusLock, StateStore, StoredDoc
from copydesk.storage import delete as storage_delete
from copydesk.storage.atomic import write_atomic
from copydesk.storage.corpus import STATE
from copydesk.storage.urls import URL_KEY_VERSION, rekeyed_by_v2, url_key, url_key_v1

from .connection import Connection, keys_prefix, safe_url
from .docstream import GROUP as DOCS_GROUP
from .docstream import docs_key
from .seen import RedisSeenStore

BATCH = 5000
URL_KEYS = "url_keys"          # P+"url_keys": the storage.urls URL_KEY_VERSION of Redis' decisions
ORIGIN_FILE = "cluster.json"   # in corpus/_state/: which cluster this corpus was migrated to


@dataclass
class Summary:
    urls: dict[str, int] = field(default_factory=lambda: {"stored": 0, "skipped": 0, "failed": 0, "deleted": 0})
    documents: int = 0
    validators: int = 0
    runs: int = 0
    unchanged: int = 0       # rows Redis already knew (a re-run: all of them)
    seconds: float = 0.0

    def line(self) -> str:
        u = self.urls
        return (f"{u['stored']} stored URLs ({self.documents} documents), {u['skipped']} skipped, {u['failed']} failed,"
                f" {u['deleted']} deleted; {self.validators} feed validators; {self.runs} sources' runs;"
                f" {self.unchanged} already in Redis (unchanged); {self.seconds:.1f} s")


def command(cfg: Config) -> int:
    """The CLI's `cluster migrate`: prints the summary, 0 when done."""
    s = migrate(cfg)
    c = cfg.cluster
    assert c is not None
    print(f"migrated {cfg.corpus} to {safe_url(c.redis)} (cluster {c.name}): {s.line()}")
    print(f"{cfg.corpus} is now the cluster writer's corpus (the dedup index stays in it): run `copydesk serve` "
          "with this config on this host, and on the others with the same [cluster] section.")
    return 0


def migrate(cfg: Config, *, batch: int = BATCH) -> Summary:
    if cfg.cluster is None:
        raise UsageError("`cluster migrate` needs a [cluster] section in the config (redis = \"redis://host:6379/0\")")
    from copydesk.status import check_corpus

    check_corpus(cfg.corpus)
    state_path = cfg.corpus / STATE / "state.sqlite3"
    if not state_path.exists():
        raise UsageError(f"{cfg.corpus} has no state database ({state_path}): nothing to migrate")
    t0 = time.monotonic()
    with CorpusLock(cfg.corpus, command="copydesk cluster migrate"):  # refused while the daemon runs
        conn = _connect(cfg.cluster)
        try:
            prefix = keys_prefix(cfg.cluster.name)
            origin = _claim_origin(conn, prefix, cfg.corpus, cfg.cluster)
            _record_origin(cfg.corpus, origin)
            state = StateStore(state_path)
            try:
                # the takedowns of corpus/_state/takedowns.jsonl the state lacks (storage/delete.py)
                storage_delete.restore(cfg.corpus, state)
                summary = _copy(state, RedisSeenStore(conn, prefix), batch)
                conn.call(lambda r: r.set(prefix + URL_KEYS, URL_KEY_VERSION))  # copied with today's keys
            finally:
                state.close()
            _seal(conn, prefix, origin)
        finally:
            conn.close()
    summary.seconds = time.monotonic() - t0
    return summary


def _connect(c: ClusterSettings) -> Connection:
    conn = Connection(c.redis, socket_timeout=30.0)
    try:
        conn.client.ping()
    except redis.RedisError as e:
        conn.close()
        raise UsageError(f"redis unavailable at {safe_url(c.redis)}: nothing migrated ({type(e).__name__}: {e})") from None
    return conn


# -- whose data Redis holds -----------------------------------------------------------------------
def _claim_origin(conn: Connection, prefix: str, corpus: Path, c: ClusterSettings) -> dict[str, Any]:
    """The origin to record: this corpus' (from an earlier migration) or a new one. Refuses when
    Redis holds this cluster's keys from elsewhere."""
    path = corpus / STATE / ORIGIN_FILE
    mine = json.loads(path.read_text()) if path.exists() else None
    raw = conn.call(lambda r: r.get(prefix + "origin"))
    theirs = json.loads(raw) if raw else None
    start_over = (f"use another [cluster] name or database, or delete its keys first "
                  f"(redis-cli --scan --pattern '{prefix}*' | xargs redis-cli del)")
    if theirs is not None:
        if mine is None or mine["id"] != theirs["id"]:
            raise UsageError(f"redis at {safe_url(c.redis)} already holds cluster {c.name!r}, migrated from "
                             f"{theirs['corpus']} on {theirs['host']}, not from {corpus}: {start_over}")
        return theirs
    if mine is not None:
        # this corpus was the cluster's, and Redis has no origin: Redis lost the cluster's data (what
        # paused daemons wrote since is theirs), or a migration was cut short: seeded again
        return mine
    if next(iter(conn.call(lambda r: r.scan(0, match=prefix + "*", count=1000))[1]), None) is not None:
        raise UsageError(f"redis at {safe_url(c.redis)} already holds data of cluster {c.name!r} that was not "
                         f"migrated from {corpus}: {start_over}")
    # Redis is empty: a first migration, or Redis lost its data and is seeded again from the corpus
    return {"id": mine["id"] if mine else uuid.uuid4().hex, "corpus": str(corpus.resolve()),
            "host": socket.gethostname(), "at": time.time()}


def _record_origin(corpus: Path, origin: dict[str, Any]) -> None:
    """Before the copy, the corpus' file: a migration cut short at any point is finished by a re-run
    (the corpus has its file and Redis no origin yet)."""
    path = corpus / STATE / ORIGIN_FILE
    if not path.exists():
        write_atomic(path, (json.dumps(origin) + "\n").encode())


def _seal(conn: Connection, prefix: str, origin: dict[str, Any]) -> None:
    """After the copy: the frontier's and the doc stream's consumer groups (Redis that lost its data
    lost them too), then P+"origin", the marker paused daemons wait for."""
    from copydesk.crawler.frontier import GROUP as FRONTIER_GROUP
    from copydesk.crawler.frontier import Keys

    def groups(r: Any) -> None:
        for key, group in ((Keys(prefix).stream, FRONTIER_GROUP), (docs_key(prefix), DOCS_GROUP)):
            try:
                r.xgroup_create(key, group, id="0", mkstream=True)
            except redis.ResponseError as e:
                if "BUSYGROUP" not in str(e):
                    raise
    conn.call(groups)
    conn.call(lambda r: r.set(prefix + "origin", json.dumps(origin), nx=True))


def ensure_origin(conn: Connection, prefix: str, corpus: Path) -> None:
    """At a writer's start, holding its corpus: P+"origin" is there (nothing to do); or this corpus
    was in the cluster (its cluster.json) and Redis lost the cluster's data: ``DataLost`` (logged
    once; the daemons pause until `cluster migrate`); or a cluster started empty: its origin is
    recorded, as a first migration would."""
    if conn.call(lambda r: r.exists(prefix + "origin")):
        return
    if (corpus / STATE / ORIGIN_FILE).exists():
        raise conn.data_lost(prefix + "origin")
    origin = {"id": uuid.uuid4().hex, "corpus": str(corpus.resolve()), "host": socket.gethostname(), "at": time.time()}
    _record_origin(corpus, origin)
    conn.call(lambda r: r.set(prefix + "origin", json.dumps(origin), nx=True))


# -- the copy -------------------------------------------------------------------------------------
_URLS = ("SELECT u.key, u.url, u.status, u.reason, u.attempts, u.doc_id, u.source, u.config_fp,"
         " d.url, d.source, d.site, d.cluster_id, d.duplicate_of, d.part"
         " FROM urls u LEFT JOIN docs d ON d.id = u.doc_id WHERE u.status != 'deleted' ORDER BY u.rowid")


def _batches(db: sqlite3.Connection, query: str, size: int) -> Iterator[list[tuple]]:
    cur = db.execute(query)
    while rows := cur.fetchmany(size):
        yield rows


def _rekeyed(key: str, url: str) -> bool:
    """A decision that storage.state copied under its URL key version 2 (``_rekey``)."""
    return rekeyed_by_v2(url) and key == url_key(url) != url_key_v1(url)


def rekey(state: StateStore, store: RedisSeenStore, *, batch: int = BATCH) -> Summary | None:
    """Decisions and tombstones the writer's state copied under URL keys version 2, written to Redis
    under their new keys (what Redis knows there is kept, as in a migration); once per cluster, at a
    writer's start (P+"url_keys" records it). None when done before. Until then a worker may fetch
    such a URL again; the writer, which decides from its own state, does not store it twice."""
    if store.conn.call(lambda c: c.get(store.prefix + URL_KEYS)) == str(URL_KEY_VERSION).encode():
        return None
    s = _copy(state, store, batch, only=_rekeyed, runs=False)
    store.conn.call(lambda c: c.set(store.prefix + URL_KEYS, URL_KEY_VERSION))
    return s


def _copy(state: StateStore, store: RedisSeenStore, batch: int, *,
          only: Callable[[str, str], bool] | None = None, runs: bool = True) -> Summary:
    """``only(key, url)``: the URL decisions and tombstones to copy (all by default); ``runs``: also
    the validators and the sources' runs."""
    s = Summary()
    docs_seen: set[str] = set()
    for rows in _batches(state.db, _URLS, batch):
        if only is not None and not (rows := [r for r in rows if only(r[0], r[1])]):
            continue
        known = store.decisions([r[0] for r in rows])
        docs: dict[str, tuple[StoredDoc, list[str]]] = {}
        skipped, failed = [], []
        for row, cur in zip(rows, known):
            key, url, status, reason, attempts, doc_id, source, fp = row[:8]
            if cur is not None and not (status == "stored" and cur.status in ("skipped", "failed")):
                s.unchanged += 1
                continue
            s.urls[status] += 1
            if status == "stored":
                d_url, d_source, site, cluster_id, dup, part = row[8:]
                doc = StoredDoc(doc_id, d_url or url, d_source or source, site, cluster_id or doc_id, dup, part or "")
                docs.setdefault(doc_id, (doc, []))[1].append(key)
            elif status == "skipped":
                skipped.append((key, url, reason, source, fp))
            else:  # failed: one row per attempt, counted by the server as each failure is
                failed.extend([(key, url, reason, source)] * max(1, attempts))
        store.commit_checkpoint(docs=docs.values(), skipped=skipped, failed=failed)
        s.documents += len(set(docs) - docs_seen)
        docs_seen.update(docs)
    s.urls["deleted"], unchanged = _tombstones(state, store, only)
    s.unchanged += unchanged
    if not runs:
        return s
    s.validators, unchanged = _validators(state, store)
    s.unchanged += unchanged
    for source, run in state.last_runs().items():
        if store.import_run(source, run, state.last_completed(source)):
            s.runs += 1
        else:
            s.unchanged += 1
    return s


def _tombstones(state: StateStore, store: RedisSeenStore,
                only: Callable[[str, str], bool] | None = None) -> tuple[int, int]:
    by_doc: dict[str, tuple[str | None, list[tuple[str, str]]]] = {}
    for key, url, doc_id, reason in state.db.execute("SELECT key, url, doc_id, reason FROM tombstones ORDER BY rowid"):
        if only is not None and not only(key, url):
            continue
        by_doc.setdefault(doc_id, (reason, []))[1].append((key, url))
    written = unchanged = 0
    for doc_id, (reason, urls) in by_doc.items():
        known = store.decisions([k for k, _ in urls])
        if all(d is not None and d.status == "deleted" for d in known):
            unchanged += len(urls)
            continue
        store.record_deleted(doc_id, urls, reason)
        written += len(urls)
    return written, unchanged


def _validators(state: StateStore, store: RedisSeenStore) -> tuple[int, int]:
    rows = [r for r in state.db.execute("SELECT url, etag, last_modified, config_fp, checked_at FROM validators")
            if r[1] is not None or r[2] is not None]
    new = [r for r in rows if store.validators(r[0])[:2] == (None, None)]  # the cluster's own are newer
    store.commit_checkpoint(validators=new)
    return len(new), len(rows) - len(new)
