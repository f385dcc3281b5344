"""Compaction: the many small parts of a closed day merged into a few large ones (docs/corpus.md).

A day is *closed* when it ended at least ``CLOSED_AFTER`` ago: no writer adds parts to it any more
(a checkpoint writes buffered records within seconds). For each closed day with enough parts:

1. The merged parts are built in a staging directory under ``_state/compact/`` (same file
   system), in storage order: consecutive parts, up to ``target_bytes`` each, concatenated, with
   their raw WARC parts concatenated into a raw part of the same new stem (a .warc.gz is a
   sequence of gzip members, so the bytes are copied, not recompressed). The staged documents
   directory holds only the merged parts; the staged raw directory holds the merged raw parts and
   hard links to the day's old raw parts. Everything is fsynced.
2. ``raw/date=D`` is swapped with its staged directory in one atomic ``renameat2(RENAME_EXCHANGE)``
   (every visible document still has its raw part), then ``documents/date=D`` with its staged
   directory, the same way. A reader listing the day sees the old parts or the merged ones, never
   both and never neither.
3. One state transaction moves the documents' registry rows to the merged parts; the old raw
   parts' links are removed from ``raw/date=D``; the staging directory (the old day) is deleted.

A stop anywhere leaves a readable corpus: before step 2 only staging files (removed by the next
compaction), between the two swaps raw parts nothing refers to (removed with the next pass over
closed days), before the state transaction a registry that ``storage.registry.reconcile`` puts
right at the next start. Where the file system cannot exchange directories, the merged parts are
renamed into the day one by one and the old ones removed after them: ``storage.Corpus`` still
reads every record once, tools that list the directory themselves may see records twice for the
moment between the two.
"""
from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from copydesk.storage import schema
from copydesk.storage.atomic import fsync_dir
from copydesk.storage.corpus import DOCUMENTS, JSONL, PARQUET, RAW, ROW_GROUP_ROWS, STATE, day_parts, part_batches, part_stem
from copydesk.storage.state import StateStore

log = logging.getLogger("copydesk.compact")

CLOSED_AFTER = 3600.0  # seconds after a day's end (UTC) before it counts as closed
STAGING = "compact"    # _state/compact/
WARC = ".warc.gz"


@dataclass
class DayCompaction:
    day: str
    parts_before: int
    parts_after: int
    records: int
    seconds: float


def closed_days(root: Path, *, now: float | None = None, min_parts: int = 2) -> list[str]:
    """Days (YYYY-MM-DD) that are closed and hold at least ``min_parts`` documents parts."""
    now = time.time() if now is None else now
    out = []
    docs = Path(root) / DOCUMENTS
    if not docs.exists():
        return out
    for d in sorted(docs.iterdir()):
        if not d.name.startswith("date="):
            continue
        day = d.name[5:]
        try:
            end = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=1)
        except ValueError:
            continue
        if end.timestamp() + CLOSED_AFTER <= now and len(day_parts(d)) >= min_parts:
            out.append(day)
    return out


def compact(root: Path, state: StateStore, *, days: list[str] | None = None, target_bytes: int = 128 * 2**20,
            min_parts: int = 8, now: float | None = None) -> list[DayCompaction]:
    """Compact ``days`` (default: every closed day with ``min_parts`` or more parts). A day given
    by name must be closed too (else ValueError)."""
    root = Path(root)
    clean_staging(root)
    for day in closed_days(root, now=now, min_parts=1):
        remove_orphan_raw(root, day)
    if days is None:
        days = closed_days(root, now=now, min_parts=min_parts)
    else:
        closed = set(closed_days(root, now=now, min_parts=1))
        for d in days:
            if d not in closed:
                raise ValueError(f"day {d} is not a closed day of this corpus (a day is closed {CLOSED_AFTER / 3600:g} h "
                                 "after it ends, UTC)")
    out = []
    for day in days:
        done = compact_day(root, state, day, target_bytes=target_bytes)
        if done is not None:
            out.append(done)
    return out


def compact_day(root: Path, state: StateStore, day: str, *, target_bytes: int) -> DayCompaction | None:
    t0 = time.monotonic()
    docs_dir, raw_dir = root / DOCUMENTS / f"date={day}", root / RAW / f"date={day}"
    parts = day_parts(docs_dir)
    if len(parts) < 2 or any(p.suffix == JSONL for p in parts):
        return None  # nothing to merge, or a format-1 day (upgraded first, at the next start)
    groups: list[list[Path]] = [[]]
    size = 0
    for p in parts:
        s = p.stat().st_size
        if groups[-1] and size + s > target_bytes:
            groups.append([])
            size = 0
        groups[-1].append(p)
        size += s
    stage = root / STATE / STAGING / f"{day}-{os.getpid()}"
    stage_docs, stage_raw = stage / DOCUMENTS, stage / RAW
    stage_docs.mkdir(parents=True)
    stage_raw.mkdir(parents=True)
    worker = f"compact-{os.getpid()}"
    moved: dict[str, str] = {}
    new: list[tuple[str, int, int]] = []
    records = 0
    for seq, group in enumerate(groups, 1):
        if len(group) == 1:  # a part alone in its group stays as it is (a hard link keeps its name)
            p = group[0]
            os.link(p, stage_docs / p.name)
            continue
        stem = part_stem(worker, seq)
        n = _merge_documents(group, stage_docs / f"{stem}{PARQUET}")
        _merge_raw([raw_dir / f"{p.stem}{WARC}" for p in group], stage_raw / f"{stem}{WARC}")
        name = f"{DOCUMENTS}/date={day}/{stem}{PARQUET}"
        for p in group:
            moved[f"{DOCUMENTS}/date={day}/{p.name}"] = name
        new.append((name, n, (stage_docs / f"{stem}{PARQUET}").stat().st_size))
        records += n
    old_raw = sorted(raw_dir.iterdir()) if raw_dir.exists() else []
    for p in old_raw:
        if p.name.endswith(WARC):
            os.link(p, stage_raw / p.name)
    fsync_dir(stage_docs)
    fsync_dir(stage_raw)
    raw_dir.mkdir(parents=True, exist_ok=True)
    exchanged = _swap(raw_dir, stage_raw) and _swap(docs_dir, stage_docs)
    if not exchanged:
        _replace_one_by_one(docs_dir, raw_dir, stage_docs, stage_raw, moved)
    state.replace_parts(moved, new)
    merged_stems = {Path(o).stem for o in moved}
    for p in list(raw_dir.iterdir()):
        if p.name.endswith(WARC) and p.name[: -len(WARC)] in merged_stems:
            p.unlink()
    fsync_dir(raw_dir)
    shutil.rmtree(stage, ignore_errors=True)
    with contextlib.suppress(OSError):
        stage.parent.rmdir()
    after = len(day_parts(docs_dir))
    log.info("compacted %s: %d parts -> %d, %d documents merged", day, len(parts), after, records)
    return DayCompaction(day, len(parts), after, records, time.monotonic() - t0)


def _merge_documents(parts: list[Path], out: Path) -> int:
    """The parts' records, in order, as one Parquet part (row groups of ROW_GROUP_ROWS)."""
    n = 0
    pending: list[pa.RecordBatch] = []
    rows = 0
    with open(out, "wb") as f:
        w = pq.ParquetWriter(f, schema.DOCUMENTS, compression=schema.PARQUET_COMPRESSION,
                             compression_level=schema.PARQUET_COMPRESSION_LEVEL)
        for p in parts:
            for b in part_batches(p, batch_rows=ROW_GROUP_ROWS):
                pending.append(b)
                rows += b.num_rows
                if rows >= ROW_GROUP_ROWS:
                    w.write_table(pa.Table.from_batches(pending, schema=schema.DOCUMENTS), row_group_size=ROW_GROUP_ROWS)
                    n += rows
                    pending, rows = [], 0
        if pending:
            w.write_table(pa.Table.from_batches(pending, schema=schema.DOCUMENTS), row_group_size=ROW_GROUP_ROWS)
            n += rows
        w.close()
        f.flush()
        os.fsync(f.fileno())
    return n


def _merge_raw(raws: list[Path], out: Path) -> None:
    with open(out, "wb") as f:
        for r in raws:
            with contextlib.suppress(FileNotFoundError), open(r, "rb") as src:
                shutil.copyfileobj(src, f, 2**20)
        f.flush()
        os.fsync(f.fileno())


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap(a: Path, b: Path) -> bool:
    """Exchange two directories atomically (Linux renameat2); False where the system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        fsync_dir(a.parent)
        return True
    e = ctypes.get_errno()
    if e in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP):
        return False
    raise OSError(e, os.strerror(e), str(a))


def _replace_one_by_one(docs_dir: Path, raw_dir: Path, stage_docs: Path, stage_raw: Path,
                        moved: dict[str, str]) -> None:
    """Without an exchange (see the module docstring): merged raw parts, then merged documents
    parts renamed in, then the replaced documents parts removed."""
    for p in stage_raw.iterdir():  # raw/date=D may already be the staged one (the first swap worked)
        if not (raw_dir / p.name).exists():
            os.rename(p, raw_dir / p.name)
    fsync_dir(raw_dir)
    for p in stage_docs.iterdir():
        if not (docs_dir / p.name).exists():
            os.rename(p, docs_dir / p.name)
    fsync_dir(docs_dir)
    for old in moved:
        with contextlib.suppress(FileNotFoundError):
            (docs_dir / Path(old).name).unlink()
    fsync_dir(docs_dir)


def remove_orphan_raw(root: Path, day: str) -> int:
    """Raw parts of a closed day whose documents part is gone (a compaction stopped between its
    two swaps or before removing the merged raw parts' old links)."""
    raw_dir, docs_dir = root / RAW / f"date={day}", root / DOCUMENTS / f"date={day}"
    if not raw_dir.exists() or not docs_dir.exists():
        return 0
    stems = {p.stem for p in day_parts(docs_dir)}
    n = 0
    for p in list(raw_dir.iterdir()):
        if p.name.endswith(WARC) and p.name.startswith("part-") and p.name[: -len(WARC)] not in stems:
            p.unlink()
            n += 1
    if n:
        fsync_dir(raw_dir)
    return n


def clean_staging(root: Path) -> None:
    """Staging directories left by a compaction that stopped."""
    shutil.rmtree(Path(root) / STATE / STAGING, ignore_errors=True)
