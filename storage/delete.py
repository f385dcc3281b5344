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

A stop after step 1 leaves a pending takedown (a tombstoned id still in the state's documents):
``pending`` lists them and the next `copydesk delete` or writer start finishes them. The dedup
index keeps the document's signature (not its text), so a later copy of the deleted article is
still recognised as a copy; its ``duplicate_of``/``cluster_id`` then name an id that is gone.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from warcio.archiveiterator import ArchiveIterator

from copydesk.storage.atomic import atomic_file, fsync_dir
from copydesk.storage.corpus import JSONL, RAW, part_batches, write_manifest, write_parquet
from copydesk.storage.state import StateStore
from copydesk.storage.urls import url_key

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
