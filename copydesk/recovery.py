"""Start-up recovery: bring the state store and the dedup index in line with the corpus directory.

A checkpoint writes, in order: raw WARC part, documents part, state transaction (the part is
registered), dedup index commit. The index commit carries a *coverage note*: the highest ``parts``
rowid of the state it covers and the wall-clock time of the commit. So at start-up:

* parts registered after the note (``rowid > note["parts"]``) are the ones the index may lack: the
  process stopped between the state transaction and the index commit;
* parts not registered at all were written after the last state transaction: they can only be in
  date partitions whose directory changed since the note (or the note's day and the day before);
* nothing else is read. A clean stop leaves no such part, so a start reads no part file, and the
  start-up cost does not grow with the corpus.

Without a note (a new index, one lost or moved aside by ``copydesk repair``, or one written by a
copydesk from before the note) every part is read once and the index rebuilt from the corpus.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copydesk import dedup
from copydesk.storage import Corpus, StateStore, StoredDoc, identity_url, read_part, url_key
from copydesk.storage import delete as storage_delete
from copydesk.storage import registry as storage_registry
from copydesk.storage import upgrade as storage_upgrade
from copydesk.storage.atomic import TMP_PREFIX, remove_leftovers
from copydesk.storage.corpus import day_parts

log = logging.getLogger("copydesk.recovery")
_start_log = logging.getLogger("copydesk.pipeline")  # the logger start-up repair has always logged as

# A date partition is looked at when its directory changed after the last index commit (less this
# slack, for file systems with coarse mtimes), or when it is the commit's day or the one before (a
# clock stepping back).
MTIME_SLACK = 5.0


@dataclass
class Recovery:
    temporary_files_removed: int = 0
    runs_interrupted: int = 0
    parts_registered: int = 0
    documents_reindexed: int = 0
    parts_read: list[str] = field(default_factory=list)
    full: bool = False  # no coverage note: every part was read

    def counts(self) -> dict[str, int]:
        return {"temporary_files_removed": self.temporary_files_removed, "runs_interrupted": self.runs_interrupted,
                "parts_registered": self.parts_registered, "documents_reindexed": self.documents_reindexed}

    @property
    def repaired(self) -> bool:
        return bool(self.parts_registered or self.documents_reindexed or self.temporary_files_removed)


def coverage_note(state: StateStore) -> dict[str, Any]:
    """What a dedup index commit made now covers: every part registered so far."""
    return {"parts": _max_part_rowid(state), "at": time.time()}


def on_start(root: Path, state: StateStore, deduper: dedup.Deduper, clock: Callable[[], float],
             manifest: Callable[[], None]) -> tuple[dict[str, int], dict[str, int]]:
    """What a pipeline does with a corpus before its first page; returns (upgraded, repaired)
    counts. A format-1 corpus is upgraded first (storage/upgrade.py); a rewrite of parts (upgrade,
    compaction) stopped before its state transaction is finished (storage/registry.py); the
    takedowns of corpus/_state/takedowns.jsonl the state lacks (a state rebuilt by `copydesk
    repair`) get their tombstones back, and a takedown stopped after its tombstone is finished
    (storage/delete.py); then ``repair_state``. ``manifest``
    rewrites corpus/manifest.json when any of it changed the corpus."""
    upgraded = storage_upgrade.upgrade(root, state).counts()
    storage_registry.reconcile(root, state)
    storage_delete.restore(root, state)
    storage_delete.finish_pending(root, state)
    repaired = repair_state(root, state, deduper, clock, manifest)
    if upgraded["parts_converted"]:
        manifest()
    return upgraded, repaired


def repair_state(root: Path, state: StateStore, deduper: dedup.Deduper, clock: Callable[[], float],
                 manifest: Callable[[], None]) -> dict[str, int]:
    """Bring state and index in line with the corpus directory (the source of truth) after a
    crash: register part files the state does not know, re-index the documents of parts the
    dedup index does not cover, drop temporary files, mark interrupted runs. Reads only what
    the last checkpoint does not cover: nothing after a clean stop."""
    r = recover(root, state, deduper, clock)
    repaired = r.counts()
    if r.repaired:
        _start_log.warning("repaired the corpus state after an unclean stop: %s", repaired)
        manifest()
    elif r.full and r.parts_read:
        _start_log.info("dedup index has no record of the checkpoint it covers (written by an older copydesk): "
                 "read %d part file(s) once", len(r.parts_read))
    return repaired


def recover(root: Path, state: StateStore, deduper: dedup.Deduper, clock: Callable[[], float]) -> Recovery:
    out = Recovery(runs_interrupted=state.close_dangling_runs())
    note = deduper.note
    corpus = Corpus(root)
    days = corpus.days()
    if note is None:
        out.full = True
        candidates = days
    else:
        since = float(note.get("at") or 0.0) - MTIME_SLACK
        first_day = f"date={_day_of(since)}"
        candidates = [d for d in days if d.name >= first_day or _mtime(d) >= since]
    out.temporary_files_removed = len(remove_leftovers(root)) if out.full else _remove_leftovers(root, candidates)
    # parts written after the last state transaction
    unregistered: list[Path] = []
    for day in candidates:
        parts = day_parts(day)
        names = [p.relative_to(root).as_posix() for p in parts]
        known = _registered(state, names)
        unregistered += [p for p, n in zip(parts, names) if n not in known]
    # parts registered after the last index commit (all of them without a note)
    after = 0 if note is None else int(note.get("parts") or 0)
    uncovered = [p for p in (root / n for n in _registered_after(state, after)) if p.exists()]
    now = clock()
    deduper.advance(now)
    horizon = None if deduper.window is None else now - deduper.window
    recent: dict[str, float] | None = None
    if out.full and horizon is not None:
        # a story stays while any member was stored in the window: know which clusters have one
        # before restoring their older members
        recent = {}
        for part in sorted(set(uncovered) | set(unregistered)):
            ts = _part_time(part, now)
            if ts >= horizon:
                for r in read_part(part):
                    recent[r["cluster_id"]] = max(ts, recent.get(r["cluster_id"], ts))
    todo = sorted({*uncovered, *unregistered}, key=lambda p: (p.parent.name, p.name))
    register = set(unregistered)
    for part in todo:
        rel = part.relative_to(root).as_posix()
        out.parts_read.append(rel)
        recs = list(read_part(part))
        if part in register:
            docs = [(StoredDoc(r["id"], r["url"], r.get("source"), r.get("site"), r["cluster_id"], r.get("duplicate_of"), rel),
                     (url_key(identity_url(r["url"], r.get("canonical_url"))), url_key(r["url"])))
                    for r in recs]
            state.commit_checkpoint(parts=[(rel, len(recs), part.stat().st_size)], docs=docs)
            out.parts_registered += 1
        out.documents_reindexed += _restore(deduper, recs, _part_time(part, now), recent)
    if todo or note is None:  # (a clean start writes nothing)
        deduper.flush(note=coverage_note(state))
    return out


def _restore(deduper: dedup.Deduper, recs: Iterable[dict[str, Any]], ts: float, recent: dict[str, float] | None) -> int:
    n = 0
    for r in recs:
        if r["id"] in deduper:
            continue
        t = ts if recent is None else max(ts, recent.get(r["cluster_id"], ts))
        deduper.restore(dedup.Assignment(r["id"], r["cluster_id"], r.get("duplicate_of"), r.get("similarity")),
                        r["text"], timestamp=t, source=r.get("source"))
        n += r["id"] in deduper
    return n


def _part_time(part: Path, now: float) -> float:
    """When a part's documents were stored: the end of its date partition's day, at most now."""
    try:
        day = dt.date.fromisoformat(part.parent.name.removeprefix("date="))
    except ValueError:
        return now
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.timezone.utc).timestamp()
    return min(end, now)


def _day_of(t: float) -> str:
    day = dt.datetime.fromtimestamp(max(t, 0.0), dt.timezone.utc).date() - dt.timedelta(days=1)
    return day.isoformat()


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return float("inf")


def _remove_leftovers(root: Path, days: list[Path]) -> int:
    """Temporary files of a killed writer (storage.atomic) in the corpus root and the date
    partitions (documents and raw) a writer may have used since the last commit."""
    dirs = [root] + [d for day in days for d in (day, root / "raw" / day.name)]
    n = 0
    for d in dirs:
        if d.is_dir():
            for p in d.glob(f"{TMP_PREFIX}*.partial"):
                try:
                    p.unlink()
                    n += 1
                except FileNotFoundError:
                    pass
    return n


# The state store has no query for these two (storage/state.py is not ours to extend with methods):
# both read the `parts` table by its primary key or rowid only, so they cost the same at any size.
def _max_part_rowid(state: StateStore) -> int:
    return int(state.db.execute("SELECT coalesce(max(rowid), 0) FROM parts").fetchone()[0])


def _registered(state: StateStore, names: list[str]) -> set[str]:
    out: set[str] = set()
    for k in range(0, len(names), 500):
        chunk = names[k : k + 500]
        q = "SELECT name FROM parts WHERE name IN (" + ",".join("?" * len(chunk)) + ")"
        out.update(n for (n,) in state.db.execute(q, chunk))
    return out


def _registered_after(state: StateStore, rowid: int) -> list[str]:
    return [n for (n,) in state.db.execute("SELECT name FROM parts WHERE rowid > ? ORDER BY rowid", (rowid,))]
