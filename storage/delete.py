"""Takedowns: `copydesk delete --url URL | --id ID` (docs/corpus.md, "Takedowns").

In order, each step atomic, under the corpus lock:

1. a tombstone for every URL of the document (and its id) in the state store, and those URLs
   decided as ``deleted``: from here on the crawler never fetches them and the pipeline never
   stores the page again, whatever URL leads to it;
2. the documents part holding it rewritten without it, under the same name (temporary file,
   fsync, rename over the old one): a reader opens the old part or the new one, never neither;
   a part left empty is removed;
3. its raw WARC part rewritten the same way without the document's response records;
4. one state transaction forgets the document and updates its part's registry row;
5. the hooks in ``ON_DELETE`` run (the stories table follows through its own), and manifest.json
   is rewritten from the state's counts.

Before step 1, the takedown is appended to ``corpus/_state/takedowns.jsonl`` (one JSON line: the
document's id, its URLs with their keys, the reason, the time; written with O_APPEND and fsynced
before anything else changes). The state store is an index that ``copydesk repair`` may rebuild from
the part files, which no longer hold the document; this log is what the rebuilt state gets its
tombstones back from (``restore``, at every writer's start). A line cut short by a crash while it
was written is a takedown that never began (nothing else was changed yet) and is ignored.

A stop after step 1 leaves a pending takedown (a tombstoned id still in the state's documents):
``pending`` lists them and the next `copydesk delete` or writer start finishes them. The dedup
index keeps the document's signature (not its text), so a later copy of the deleted article is
still recognised as a copy; its ``duplicate_of``/``cluster_id`` then name an id that is gone.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from warcio.archiveiterator import ArchiveIterator

from copydesk.storage.atomic import atomic_file, fsync_dir
from copydesk.storage.corpus import JSONL, RAW, STATE, part_batches, write_manifest, write_parquet
from copydesk.storage.state import StateError, StateStore
from copydesk.storage.urls import URL_KEY_VERSION, url_key

# corpus/_state/takedowns.jsonl: every takedown, appended, never rewritten (readers ignore _state/)
TAKEDOWNS = "takedowns.jsonl"

log = logging.getLogger("copydesk.delete")

def _stories_follow(root: Path, doc_id: str) -> None:
    """The stories table (storage/stories.py) rebuilt without the document, if the corpus has one."""
    from copydesk.storage import stories

    if (root / stories.STORIES_FILE).exists() or (root / stories.MEMBERS_FILE).exists():
        stories.rebuild(root)


# Called as hook(root, doc_id) after a document is removed.
ON_DELETE: list[Callable[[Path, str], None]] = [_stories_follow]


class NotFound(LookupError):
    """No stored document has that URL or id."""


@dataclass
class Deleted:
    doc_id: str
    url: str
    part: str


def delete(root: Path, state: StateStore, *, url: str | None = None, doc_id: str | None = None,
           reason: str | None = None) -> Deleted:
    root = Path(root)
    if doc_id is None:
        if url is None:
            raise ValueError("delete needs a url or an id")
        d = state.decision(url_key(url))
        if d is None or d.doc_id is None:
            raise NotFound(f"no stored document has the URL {url}")
        doc_id = d.doc_id
    doc = state.doc(doc_id)
    if doc is None:
        if state.is_deleted(url_key(url) if url else "", doc_id):
            raise NotFound(f"{url or doc_id} was already deleted")
        raise NotFound(f"no stored document has the id {doc_id}")
    keys = state.doc_keys(doc_id) or [(url_key(doc.url), doc.url)]
    if url is not None and url_key(url) not in {k for k, _ in keys}:
        keys.append((url_key(url), url))
    # 0. the durable record, outside the state store (which repair may rebuild without the document)
    append_record(root, doc_id, keys, reason)
    # 1. tombstones first: whatever happens next, the URL is never fetched again
    with state._tx():
        for key, u in keys:
            state.db.execute("INSERT OR REPLACE INTO tombstones(key, url, doc_id, reason, deleted_at)"
                             " VALUES (?,?,?,?,strftime('%s','now'))", (key, u, doc_id, reason))
    part = root / doc.part
    # 2. and 3. the documents part, then its raw part
    remaining = _rewrite_documents(part, doc_id)
    _rewrite_raw(root / RAW / part.parent.name / f"{part.stem}.warc.gz", doc.url, empty=remaining == 0)
    # 4.
    state.delete_doc(doc_id, part=(doc.part, remaining, part.stat().st_size if remaining else 0), urls=keys,
                     reason=reason)
    for hook in ON_DELETE:
        hook(root, doc_id)
    if (root / "manifest.json").exists():
        write_manifest(root, counts=state.counts())
    log.info("deleted %s (%s) from %s", doc_id, doc.url, doc.part)
    return Deleted(doc_id, doc.url, doc.part)


def pending(state: StateStore) -> list[str]:
    """Takedowns stopped after their tombstone: ids tombstoned but still among the documents."""
    return [i for (i,) in state.db.execute(
        "SELECT DISTINCT t.doc_id FROM tombstones t JOIN docs d ON d.id = t.doc_id")]


def finish_pending(root: Path, state: StateStore) -> int:
    n = 0
    for i in pending(state):
        reason = state.db.execute("SELECT reason FROM tombstones WHERE doc_id=? LIMIT 1", (i,)).fetchone()[0]
        delete(root, state, doc_id=i, reason=reason)
        n += 1
    return n


def _rewrite_documents(part: Path, doc_id: str) -> int:
    """The part without ``doc_id``, under its own name; returns the records left (0: removed)."""
    if part.suffix == JSONL:
        raise NotImplementedError("a format-1 part: start copydesk once (or `copydesk repair --upgrade`) first")
    t = pa.Table.from_batches(list(part_batches(part)))
    keep = t.filter(pc.not_equal(t.column("id"), pa.scalar(doc_id)))
    if keep.num_rows == t.num_rows:
        return t.num_rows  # already rewritten (a takedown finished after a stop)
    if keep.num_rows == 0:
        part.unlink()
        fsync_dir(part.parent)
        return 0
    with atomic_file(part) as f:
        write_parquet(f, keep)
    return keep.num_rows


def _rewrite_raw(raw: Path, url: str, *, empty: bool) -> None:
    """The raw part without the document's records (``WARC-Target-URI`` == its url), same name."""
    if not raw.exists():
        return
    if empty:
        raw.unlink()
        fsync_dir(raw.parent)
        return
    data = raw.read_bytes()
    keep: list[bytes] = []
    with open(raw, "rb") as f:
        it = ArchiveIterator(f)
        for rec in it:
            target = rec.rec_headers.get_header("WARC-Target-URI")
            rec.content_stream().read()
            offset, length = it.get_record_offset(), it.get_record_length()
            if target != url:
                keep.append(data[offset: offset + length])
    with atomic_file(raw) as out:
        for chunk in keep:
            out.write(chunk)


def deleted_ids(state: StateStore) -> set[str]:
    return {i for (i,) in state.db.execute("SELECT DISTINCT doc_id FROM tombstones")}


# -- the takedown log ---------------------------------------------------------------------------
def log_path(root: Path) -> Path:
    return Path(root) / STATE / TAKEDOWNS


def append_record(root: Path, doc_id: str, urls: Iterable[tuple[str, str]], reason: str | None,
                  deleted_at: float | None = None) -> None:
    """One takedown appended to the log as one line, on disk (fsync) when this returns."""
    line = json.dumps({"doc_id": doc_id, "urls": [[k, u] for k, u in urls], "reason": reason,
                       "deleted_at": time.time() if deleted_at is None else deleted_at,
                       "url_keys": URL_KEY_VERSION}, ensure_ascii=False, separators=(",", ":"))
    path = log_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        data = (line + "\n").encode("utf-8")
        size = os.fstat(fd).st_size
        if size:  # a line cut short by a crash: this one starts on its own line
            with open(path, "rb") as f:
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    data = b"\n" + data
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)


def read_records(root: Path) -> list[dict]:
    """The takedowns of the log, in order; a line that does not parse (cut short by a crash while it
    was appended: its takedown never began) is left out."""
    path = log_path(root)
    if not path.exists():
        return []
    out = []
    lines = path.read_bytes().split(b"\n")
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
            urls = [(str(k), str(u)) for k, u in rec["urls"]]
            out.append({**rec, "urls": urls})
        except (ValueError, KeyError, TypeError):
            log.warning("%s: line %d is not a whole takedown record (cut short while it was written?); ignored",
                        path, n)
    return out


def restore(root: Path, state: StateStore) -> dict[str, int]:
    """Bring the state's tombstones and the log in line, both ways, at a writer's start: a takedown
    in the log that the state does not have (a state rebuilt by `copydesk repair`, a stop between
    the log and step 1) gets its tombstones back, under the keys it recorded and under today's
    url_key of each URL, and its URLs decided as ``deleted``; a tombstone the log lacks (made by a
    copydesk from before the log) is appended to it. Reads the log and the tombstones table only:
    both hold one row per takedown URL."""
    records = read_records(root)
    have = {k for (k,) in state.db.execute("SELECT key FROM tombstones")}
    logged: set[str] = set()
    rows: list[tuple[str, str, str, str | None, float]] = []
    for rec in records:
        for key, url in rec["urls"]:
            keys = {key}
            with contextlib.suppress(ValueError):
                keys.add(url_key(url))
            logged |= keys
            rows += [(k, url, rec["doc_id"], rec.get("reason"), float(rec.get("deleted_at") or time.time()))
                     for k in sorted(keys) if k not in have]
    if rows:
        with state._tx():
            state.db.executemany("INSERT OR IGNORE INTO tombstones(key, url, doc_id, reason, deleted_at)"
                                 " VALUES (?,?,?,?,?)", rows)
            # a URL still decided as stored is a takedown stopped before step 4: finish_pending ends it
            state.db.executemany(
                "INSERT INTO urls(key, url, status, reason, doc_id, decided_at) VALUES (?,?,'deleted',?,?,?)"
                " ON CONFLICT(key) DO UPDATE SET status='deleted', reason=excluded.reason, doc_id=excluded.doc_id,"
                " attempts=0, config_fp=NULL WHERE urls.status != 'stored'",
                [(k, u, r or "deleted", i, t) for k, u, i, r, t in rows])
        log.warning("restored %d tombstone(s) of takedowns recorded in %s", len(rows), log_path(root))
    return {"tombstones_restored": len(rows), "takedowns_logged": _log_unlogged(root, state.db, logged)}


def salvage(root: Path, state_path: Path) -> int:
    """Before `copydesk repair` moves a state database aside: its tombstones the log lacks are
    appended to the log, as far as the database can be read. Returns the takedowns appended."""
    if not state_path.exists():
        return 0
    logged = {k for rec in read_records(root) for k, _ in rec["urls"]}
    try:
        old = StateStore(state_path, readonly=True)
    except StateError as e:
        log.warning("the tombstones of %s cannot be read (%s); the takedown log has %s", state_path, e,
                    "none" if not logged else f"{len(logged)} URL(s)")
        return 0
    try:
        return _log_unlogged(root, old.db, logged)
    except sqlite3.DatabaseError as e:
        log.warning("the tombstones of %s cannot be read (%s)", state_path, e)
        return 0
    finally:
        old.close()


def _log_unlogged(root: Path, db: sqlite3.Connection, logged: set[str]) -> int:
    """Append to the log the takedowns of ``db``'s tombstones whose keys are not in ``logged``;
    returns how many."""
    by_doc = _by_doc(r for r in _tombstones(db) if r[0] not in logged)
    for doc_id, (reason, at, urls) in by_doc.items():
        append_record(root, doc_id, urls, reason, at)
    return len(by_doc)


def _tombstones(db: sqlite3.Connection) -> list[tuple[str, str, str, str | None, float]]:
    return list(db.execute("SELECT key, url, doc_id, reason, deleted_at FROM tombstones ORDER BY rowid"))


def _by_doc(rows: Iterable[tuple[str, str, str, str | None, float]]
            ) -> dict[str, tuple[str | None, float, list[tuple[str, str]]]]:
    out: dict[str, tuple[str | None, float, list[tuple[str, str]]]] = {}
    for key, url, doc_id, reason, at in rows:
        out.setdefault(doc_id, (reason, at, []))[2].append((key, url))
    return out
