"""The state store: SQLite in corpus/_state/state.sqlite3.

What it remembers: every article URL decided (stored, skipped with its reason) so it is never
fetched again; conditional-GET validators of feeds and sitemaps; the stored documents' cluster
bookkeeping (for counts and `status`); the part files already accounted for; runs with their
counts and errors; per-site template models learned by cleaning.

It is an index over the corpus directory, which stays the source of truth: everything here about
stored documents can be rebuilt from the part files (see ``Corpus`` and ``copydesk repair``).
"""
from __future__ import annotations

import contextlib
import errno
import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from copydesk.storage.atomic import atomic_file
from copydesk.storage.seen import (NO_VALIDATORS, Decision, ErrorRow, FailedRow, SkippedRow, StoredDoc,
                                   ValidatorRow, Validators)
from copydesk.storage.urls import rekeyed_by_v2, url_key, url_key_v1

# 2: URL keys of storage.urls URL_KEY_VERSION 2; a version-1 database gets its decisions copied under them when opened (_rekey)
SCHEMA_VERSION = 2
# run kinds that fetched nothing from their source: never its last completed run (the schedule)
NOT_CRAWLS = "('ingest', 'repair')"

log = logging.getLogger("copydesk.state")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    key TEXT PRIMARY KEY,          -- storage.urls.url_key of the URL
    url TEXT NOT NULL,
    status TEXT NOT NULL,          -- 'stored' | 'skipped' | 'failed' (retried by later runs) | 'deleted' (a takedown)
    reason TEXT,                   -- for 'skipped' and 'failed'
    attempts INTEGER NOT NULL DEFAULT 0,
    doc_id TEXT,                   -- for 'stored'
    source TEXT,
    decided_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS docs (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    source TEXT,
    site TEXT,
    cluster_id TEXT NOT NULL,
    duplicate_of TEXT,
    part TEXT NOT NULL,
    stored_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_cluster ON docs(cluster_id);
CREATE TABLE IF NOT EXISTS parts (
    name TEXT PRIMARY KEY,         -- path relative to the corpus root
    records INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    registered_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,          -- a feed or sitemap URL
    etag TEXT,
    last_modified TEXT,
    checked_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,          -- a source name, or 'ingest'
    kind TEXT NOT NULL,            -- 'crawl' | 'serve' | 'ingest' | 'demo'
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,          -- 'running' | 'completed' | 'failed' | 'interrupted'
    counts TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER,
    at REAL NOT NULL,
    source TEXT,
    url TEXT,
    outcome TEXT NOT NULL,         -- 'failed' | 'skipped'
    reason TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS errors_at ON errors(at);
CREATE TABLE IF NOT EXISTS templates (
    site TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tombstones (
    key TEXT PRIMARY KEY,          -- storage.urls.url_key of a URL of a deleted document: never fetched or stored again
    url TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    reason TEXT,
    deleted_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tombstones_doc ON tombstones(doc_id);
"""


# Columns added to tables after they first shipped: (table, column, declaration). Applied when a
# state store opens, only where missing, so an older state database gains them in place. New tables
# go in _SCHEMA (CREATE TABLE IF NOT EXISTS); new columns of an existing table go here, never there.
_ADDED_COLUMNS: list[tuple[str, str, str]] = [
    # for a skip caused by configuration (offsite, filter_*): what that configuration was
    # (crawler.reasons); a decision whose fingerprint differs from today's is decided again
    ("urls", "config_fp", "TEXT"),
    # the fingerprint of the source's configuration when a feed's or sitemap's validators were saved:
    # under another configuration they are not used (a 304 would hide the URLs to decide again)
    ("validators", "config_fp", "TEXT"),
]


def _add_missing_columns(db: sqlite3.Connection) -> None:
    for table, column, decl in _ADDED_COLUMNS:
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")


def _rekey(db: sqlite3.Connection) -> dict[str, int]:
    """Decisions and tombstones made with url_key_v1, copied under today's url_key: a row keyed by
    its own URL's v1 key, where the two keys differ, gets a twin under the v2 key. The v1 row stays:
    it answers for the URL whose v2 key it is (the parameter-less URL, often the page's canonical,
    under which the document was decided too), and no URL with the parameter has that key any more.
    A v2 key that exists already is left as it is. Ids of stored records do not change: they are in
    the parts."""
    log.info("state: URL keys version 2: looking for decisions to copy under their new keys (once; "
             "about 20 s per million URL decisions)")
    copied = {}
    for table in ("urls", "tombstones"):
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] != "key"]
        pairs = []
        for key, url in db.execute(f"SELECT key, url FROM {table} WHERE instr(url, '?') > 0").fetchall():
            if not rekeyed_by_v2(url):
                continue
            try:
                new = url_key(url)
            except ValueError:  # a URL neither version can key was never decided under its key
                continue
            if new != key and key == url_key_v1(url):
                pairs.append((new, key))
        cols = ", ".join(columns)
        before = db.total_changes
        db.executemany(f"INSERT OR IGNORE INTO {table}(key, {cols}) SELECT ?, {cols} FROM {table} WHERE key=?", pairs)
        copied[table] = db.total_changes - before
    if any(copied.values()):
        log.info("state: %d URL decisions and %d tombstones copied under URL keys version 2 "
                 "(a query parameter such as ?cid= is no longer taken for tracking)", copied["urls"], copied["tombstones"])
    return copied


class StateError(RuntimeError):
    """The state database is unreadable or from an unknown schema."""


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that never writes: no schema, no WAL switch, no -wal/-shm files created. A WAL
    database whose -wal file exists (a writer has it open, or was killed) is read through it
    (`mode=ro`); without one, nothing is pending, and `immutable=1` reads the file alone, which also
    works in a directory the reader may not write to."""
    wal = path.with_name(path.name + "-wal")
    mode = "ro" if wal.exists() else "ro&immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None,
                           check_same_thread=False)


def _create(path: Path) -> None:
    """A new state database appears with its schema or not at all (built in memory, written by
    atomic_file): a reader such as `copydesk status` polling a starting daemon, or a kill during the
    first start, never finds a database file without its tables."""
    mem = sqlite3.connect(":memory:")
    try:
        mem.executescript(_SCHEMA)
        _add_missing_columns(mem)
        mem.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        data = mem.serialize()
    finally:
        mem.close()
    with atomic_file(path) as f:
        f.write(data)


class StateStore:
    """The embedded state store; implements ``SeenStore`` (storage/seen.py) for the pipeline."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        """``readonly``: for readers such as `copydesk status`, on a corpus they may not write to."""
        self.path = Path(path)
        self.readonly = readonly
        self.rekeyed: dict[str, int] = {}
        if readonly:
            try:
                self.db = _connect_readonly(self.path)
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                self.db.execute("SELECT count(*) FROM runs").fetchone()
            except sqlite3.DatabaseError as e:
                raise StateError(f"{self.path}: cannot read the state database ({e})") from None
            if version > SCHEMA_VERSION:
                raise StateError(f"{self.path}: state schema {version} is newer than this copydesk ({SCHEMA_VERSION})")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            _create(self.path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StateError(f"{self.path}: state schema {version} is newer than this copydesk ({SCHEMA_VERSION})")
            self.db.executescript(_SCHEMA)
            _add_missing_columns(self.db)
            if version < 2:
                with self._tx():  # idempotent: a stop before user_version is set copies nothing twice
                    self.rekeyed = _rekey(self.db)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.db.execute("SELECT count(*) FROM urls").fetchone()
        except sqlite3.DatabaseError as e:
            raise StateError(f"{self.path}: state database is corrupt or unreadable ({e}); "
                             "run `copydesk repair` to rebuild it from the corpus directory") from None

    def close(self) -> None:
        self.db.close()

    # -- URL decisions -------------------------------------------------------------------------
    def decision(self, key: str) -> Decision | None:
        row = self.db.execute("SELECT status, reason, doc_id, attempts, config_fp, source FROM urls WHERE key=?",
                              (key,)).fetchone()
        return Decision(*row) if row else None

    def retry_urls(self, source: str, max_attempts: int) -> list[str]:
        """Article URLs of a source whose fetch failed fewer than ``max_attempts`` times."""
        return [u for (u,) in self.db.execute(
            "SELECT url FROM urls WHERE status='failed' AND source=? AND attempts < ? ORDER BY decided_at",
            (source, max_attempts))]

    # -- one checkpoint: everything a flush of the corpus writer made durable -------------------
    def commit_checkpoint(
        self,
        *,
        parts: Iterable[tuple[str, int, int]] = (),
        docs: Iterable[tuple[StoredDoc, Iterable[str]]] = (),
        skipped: Iterable[SkippedRow] = (),
        failed: Iterable[FailedRow] = (),
        errors: Iterable[ErrorRow] = (),
        validators: Iterable[ValidatorRow] = (),
        templates: Iterable[tuple[str, bytes]] = (),
    ) -> None:
        """One transaction. ``docs``: (doc, its url keys); ``skipped`` and ``failed``: (url_key, url, reason, source),
        a skip optionally with the fingerprint of the configuration that caused it (config_fp);
        ``errors``: (run_id, source, url, outcome, reason, detail)."""
        now = time.time()
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO parts(name, records, bytes, registered_at) VALUES (?,?,?,?)",
                [(n, r, b, now) for n, r, b in parts])
            docs = list(docs)
            self.db.executemany(
                "INSERT OR IGNORE INTO docs(id, url, source, site, cluster_id, duplicate_of, part, stored_at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [(d.id, d.url, d.source, d.site, d.cluster_id, d.duplicate_of, d.part, now) for d, _ in docs])
            self.db.executemany(
                "INSERT OR REPLACE INTO urls(key, url, status, reason, doc_id, source, decided_at)"
                " VALUES (?,?,'stored',NULL,?,?,?)",
                [(k, d.url, d.id, d.source, now) for d, keys in docs for k in keys])
            self.db.executemany(
                "INSERT INTO urls(key, url, status, reason, doc_id, source, decided_at, config_fp)"
                " VALUES (?,?,'skipped',?,NULL,?,?,?)"
                " ON CONFLICT(key) DO UPDATE SET status='skipped', reason=excluded.reason,"
                " decided_at=excluded.decided_at, config_fp=excluded.config_fp, source=excluded.source"
                " WHERE urls.status != 'stored'",
                [(k, u, r, s, now, fp[0] if fp else None) for k, u, r, s, *fp in skipped])
            self.db.executemany(
                "INSERT INTO urls(key, url, status, reason, doc_id, source, decided_at, attempts)"
                " VALUES (?,?,'failed',?,NULL,?,?,1)"
                " ON CONFLICT(key) DO UPDATE SET reason=excluded.reason, decided_at=excluded.decided_at,"
                " attempts=CASE WHEN urls.status = 'failed' THEN urls.attempts+1 ELSE 1 END,"
                " status='failed', config_fp=NULL"
                # a skip caused by configuration that was decided again (and then failed) counts anew
                " WHERE urls.status = 'failed' OR (urls.status = 'skipped' AND urls.config_fp IS NOT NULL)",
                [(k, u, r, s, now) for k, u, r, s in failed])
            self.db.executemany(
                "INSERT INTO errors(run_id, at, source, url, outcome, reason, detail) VALUES (?,?,?,?,?,?,?)",
                [(run, now, src, url, outcome, reason, detail) for run, src, url, outcome, reason, detail in errors])
            self.db.executemany(
                "INSERT OR REPLACE INTO validators(url, etag, last_modified, checked_at, config_fp) VALUES (?,?,?,?,?)",
                [(u, e, lm, rest[1] if len(rest) > 1 else now, rest[0] if rest else None)
                 for u, e, lm, *rest in validators])
            self.db.executemany("INSERT OR REPLACE INTO templates(site, data) VALUES (?,?)", list(templates))

    def _tx(self) -> _Transaction:
        return _Transaction(self.db, self.path)

    # -- documents and parts -------------------------------------------------------------------
    def registered_parts(self) -> set[str]:
        return {n for (n,) in self.db.execute("SELECT name FROM parts")}

    def doc(self, doc_id: str) -> StoredDoc | None:
        row = self.db.execute("SELECT id, url, source, site, cluster_id, duplicate_of, part FROM docs WHERE id=?",
                              (doc_id,)).fetchone()
        return StoredDoc(*row) if row else None

    def parts(self) -> dict[str, tuple[int, int]]:
        """name -> (records, bytes) of every registered part."""
        return {n: (r, b) for n, r, b in self.db.execute("SELECT name, records, bytes FROM parts")}

    def replace_parts(self, moved: dict[str, str], new: Iterable[tuple[str, int, int]]) -> None:
        """Parts rewritten (upgrade, compaction): ``moved`` old part name -> the new part now holding
        its documents; ``new``: (name, records, bytes) of the new parts. One transaction. A new part
        takes over the registry row (rowid) of the earliest part it replaces: it holds no document
        the old ones did not, so what covered them (the dedup index's note, copydesk/recovery.py)
        covers it too, and the next start does not read it again."""
        now = time.time()
        new = list(new)
        with self._tx():
            self.db.executemany("UPDATE docs SET part=? WHERE part=?", [(n, o) for o, n in moved.items()])
            for name, records, size in new:
                olds = [o for o, n in moved.items() if n == name]
                rows = [r for o in olds for r in self.db.execute("SELECT rowid FROM parts WHERE name=?", (o,))]
                if rows:
                    keep = min(r for (r,) in rows)
                    self.db.executemany("DELETE FROM parts WHERE name=? AND rowid != ?", [(o, keep) for o in olds])
                    self.db.execute("UPDATE parts SET name=?, records=?, bytes=? WHERE rowid=?", (name, records, size, keep))
                else:
                    self.db.execute("INSERT OR REPLACE INTO parts(name, records, bytes, registered_at) VALUES (?,?,?,?)",
                                    (name, records, size, now))
            self.db.executemany("DELETE FROM parts WHERE name=?", [(o,) for o in moved if o not in {n for n, _, _ in new}])

    def delete_doc(self, doc_id: str, *, part: tuple[str, int, int] | None, urls: Iterable[tuple[str, str]],
                   reason: str | None) -> None:
        """A takedown: forget the document, record a tombstone for each of its URLs (``urls``: (url
        key, url)) and mark them decided, and update its part's registry row (``part``: (name,
        records, bytes); records 0 removes it). One transaction."""
        d = self.doc(doc_id)
        now = time.time()
        with self._tx():
            self.db.execute("DELETE FROM docs WHERE id=?", (doc_id,))
            for key, url in urls:
                self.db.execute("INSERT OR REPLACE INTO tombstones(key, url, doc_id, reason, deleted_at) VALUES (?,?,?,?,?)",
                                (key, url, doc_id, reason, now))
                self.db.execute("INSERT OR REPLACE INTO urls(key, url, status, reason, doc_id, source, decided_at)"
                                " VALUES (?,?,'deleted',?,?,?,?)", (key, url, reason or "deleted", doc_id,
                                                                     d.source if d else None, now))
            if part is not None:
                name, records, size = part
                if records:
                    self.db.execute("UPDATE parts SET records=?, bytes=? WHERE name=?", (records, size, name))
                else:
                    self.db.execute("DELETE FROM parts WHERE name=?", (name,))

    def is_deleted(self, key: str, doc_id: str | None = None) -> bool:
        """A URL (key) or document id removed by `copydesk delete`: never fetched or stored again."""
        return self.db.execute("SELECT 1 FROM tombstones WHERE key=? OR doc_id=? LIMIT 1",
                               (key, doc_id or "")).fetchone() is not None

    def doc_keys(self, doc_id: str) -> list[tuple[str, str]]:
        """(url key, url) of every URL decided as this stored document."""
        return list(self.db.execute("SELECT key, url FROM urls WHERE doc_id=? AND status='stored'", (doc_id,)))

    def has_doc(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM docs WHERE id=?", (doc_id,)).fetchone() is not None

    def doc_ids(self) -> Iterator[str]:
        for (i,) in self.db.execute("SELECT id FROM docs"):
            yield i

    def counts(self) -> dict[str, Any]:
        docs, unique = self.db.execute(
            "SELECT count(*), coalesce(sum(duplicate_of IS NULL), 0) FROM docs").fetchone()
        parts, size = self.db.execute("SELECT count(*), coalesce(sum(bytes), 0) FROM parts").fetchone()
        by_source = dict(self.db.execute("SELECT source, count(*) FROM docs GROUP BY source ORDER BY source"))
        multi = self.db.execute(
            "SELECT count(*) FROM (SELECT cluster_id FROM docs GROUP BY cluster_id HAVING count(*) > 1)").fetchone()[0]
        return {"documents": docs, "unique_documents": unique, "copies": docs - unique, "clusters": unique,
                "clusters_with_copies": multi, "parts": parts, "part_bytes": size, "by_source": by_source}

    def largest_clusters(self, n: int = 5) -> list[tuple[str, int]]:
        return list(self.db.execute(
            "SELECT cluster_id, count(*) c FROM docs GROUP BY cluster_id HAVING c > 1 ORDER BY c DESC, cluster_id LIMIT ?",
            (n,)))

    def skipped_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT reason, count(*) FROM urls WHERE status='skipped' GROUP BY reason"))

    # -- conditional GET -----------------------------------------------------------------------
    def validators(self, url: str, config_fp: str | None = None) -> Validators:
        """ETag, Last-Modified and checked_at saved for ``url``; none when ``config_fp`` is given and
        they were saved under another configuration fingerprint."""
        row = self.db.execute("SELECT etag, last_modified, checked_at, config_fp FROM validators WHERE url=?",
                              (url,)).fetchone()
        if row is None or (config_fp is not None and row[3] != config_fp):
            return NO_VALIDATORS
        return row[0], row[1], row[2]

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, source: str, kind: str) -> int:
        cur = self.db.execute("INSERT INTO runs(source, kind, started_at, status) VALUES (?,?,?,'running')",
                              (source, kind, time.time()))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        self.db.execute("UPDATE runs SET finished_at=?, status=?, counts=? WHERE id=?",
                        (time.time(), status, json.dumps(counts, sort_keys=True), run_id))

    def close_dangling_runs(self) -> int:
        """Runs left 'running' by a killed process become 'interrupted'."""
        return self.db.execute(
            "UPDATE runs SET status='interrupted', finished_at=coalesce(finished_at, started_at) WHERE status='running'"
        ).rowcount

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The last finished run of each source."""
        rows = self.db.execute(
            "SELECT source, kind, started_at, finished_at, status, counts FROM runs r WHERE id = "
            "(SELECT max(id) FROM runs WHERE source=r.source AND status != 'running')")
        return {s: {"kind": k, "started_at": a, "finished_at": b, "status": st, "counts": json.loads(c)}
                for s, k, a, b, st, c in rows}

    def last_completed(self, source: str) -> float | None:
        """When the last run of ``source`` that went through started (for the schedule): a `degraded`
        run (some of its feeds failed) went through; a `failed` or `interrupted` one did not. Only
        crawls count: an `ingest --source NAME` (a backfill credited to the source) fetched nothing
        from it, so a source that was only ingested into has never completed a run."""
        row = self.db.execute("SELECT max(started_at) FROM runs WHERE source=?"
                              " AND status IN ('completed', 'degraded') AND kind NOT IN " + NOT_CRAWLS,
                              (source,)).fetchone()
        return row[0]

    def recent_errors(self, n: int = 10) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT at, source, url, outcome, reason, detail FROM errors WHERE outcome='failed' ORDER BY id DESC LIMIT ?",
            (n,))
        return [dict(zip(("at", "source", "url", "outcome", "reason", "detail"), r)) for r in rows]

    # -- per-site template models (cleaning.SiteTemplates) -------------------------------------
    def templates(self) -> TemplateMapping:
        return TemplateMapping(self)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an error). A full disk (SQLITE_FULL, in a statement or
    at COMMIT) comes out as OSError(ENOSPC) naming the database, like a full disk anywhere else in the
    corpus: with Parquet parts the state database is often what fills the disk first."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db, self.path = db, path

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: Any, exc: BaseException | None, _tb: Any) -> None:
        try:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        except sqlite3.OperationalError as e:
            if exc is None:
                exc = e
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            if not _disk_full(exc):
                raise
        if exc is not None and _disk_full(exc):
            raise OSError(errno.ENOSPC, "database or disk is full", str(self.path)) from exc


def _disk_full(e: BaseException) -> bool:
    return isinstance(e, sqlite3.OperationalError) and getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


class TemplateMapping(MutableMapping[str, bytes]):
    """site -> serialized template model; writes are buffered until the next checkpoint."""

    def __init__(self, state: StateStore):
        self.state = state
        self.dirty: dict[str, bytes] = {}

    def __getitem__(self, site: str) -> bytes:
        if site in self.dirty:
            return self.dirty[site]
        row = self.state.db.execute("SELECT data FROM templates WHERE site=?", (site,)).fetchone()
        if row is None:
            raise KeyError(site)
        return bytes(row[0])

    def __setitem__(self, site: str, data: bytes) -> None:
        self.dirty[site] = bytes(data)

    def __delitem__(self, site: str) -> None:
        raise NotImplementedError("template models are replaced, not deleted")

    def __iter__(self) -> Iterator[str]:
        sites = {s for (s,) in self.state.db.execute("SELECT site FROM templates")} | set(self.dirty)
        return iter(sorted(sites))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def take_dirty(self) -> list[tuple[str, bytes]]:
        out, self.dirty = list(self.dirty.items()), {}
        return out
