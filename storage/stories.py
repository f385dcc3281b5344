"""Who was first: the corpus' stories table, computed from the documents (docs/corpus.md, "Stories").

    corpus/stories/stories.parquet         one row per story (dedup cluster), schema STORIES
    corpus/stories/story_members.parquet   one row per document, schema STORY_MEMBERS

A story's *representative* is its earliest published member: the member with the earliest
publication time, where a member's publication time is its ``published`` or, when its page gave
none, its ``fetched_at`` (it was out by then); ties go to the earliest fetched, then to the
smaller id. A member's *lag* is its publication time minus the representative's, in seconds.

This is not ``duplicate_of``: a document's ``cluster_id``/``duplicate_of`` say what it matched when
it was stored and never change; the representative is recomputed from all members, so a wire
original fetched after a content farm's copy of it is still the story's representative.

Both files are computed from the whole corpus (vectorised pyarrow and numpy, no loop over records)
and replaced atomically, members first. ``rebuild`` does it; the pipeline calls ``Updater`` at its
checkpoints, which throttles rebuilds on large corpora (see ``Updater``).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copydesk.storage.atomic import atomic_file

DIR = "stories"
STORIES_FILE = f"{DIR}/stories.parquet"
MEMBERS_FILE = f"{DIR}/story_members.parquet"
TIMESTAMP = pa.timestamp("us", tz="UTC")
log = logging.getLogger("copydesk.stories")
_STRINGS = pa.list_(pa.field("item", pa.string(), nullable=False))

STORIES = pa.schema([
    pa.field("story_id", pa.string(), nullable=False),           # the dedup cluster_id (stable)
    pa.field("representative_id", pa.string(), nullable=False),  # the earliest published member's id
    pa.field("url", pa.string(), nullable=False),                # ... its url, site, source, title, published
    pa.field("site", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("title", pa.string()),
    pa.field("published", TIMESTAMP),
    pa.field("first_fetched_at", TIMESTAMP, nullable=False),     # when copydesk first fetched any member
    pa.field("members", pa.int64(), nullable=False),             # documents in the story
    pa.field("copies", pa.int64(), nullable=False),              # members - 1
    pa.field("outlets", _STRINGS, nullable=False),               # distinct sites of the members, sorted
    pa.field("sources", _STRINGS, nullable=False),               # distinct config sources of the members, sorted
    pa.field("median_lag_seconds", pa.float64()),                # of the copies; null without copies
    pa.field("max_lag_seconds", pa.int64(), nullable=False),     # 0 without copies
], metadata={"copydesk.table": "stories"})

STORY_MEMBERS = pa.schema([
    pa.field("story_id", pa.string(), nullable=False),
    pa.field("id", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("site", pa.string(), nullable=False),
    pa.field("published", TIMESTAMP),
    pa.field("fetched_at", TIMESTAMP, nullable=False),
    pa.field("rank", pa.int64(), nullable=False),                # 0: the representative, then by publication
    pa.field("lag_seconds", pa.int64(), nullable=False),         # behind the representative (0 for it)
], metadata={"copydesk.table": "story_members"})

COLUMNS = ["id", "url", "source", "site", "title", "cluster_id", "published", "fetched_at"]


def read_both(root: str | Path, member_columns: list[str] | None = None) -> tuple[pa.Table, pa.Table]:
    """(stories, story_members) as ``read`` gives them (the members with only ``member_columns``),
    computed once when the files are missing."""
    root = Path(root)
    if (root / STORIES_FILE).exists() and (root / MEMBERS_FILE).exists():
        return read(root), read(root, members=True, columns=member_columns)
    from copydesk.storage.corpus import Corpus

    stories, members = compute(Corpus(root).table(COLUMNS))
    return stories, members if member_columns is None else members.select(member_columns)


def compute(docs: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(stories, story_members) of documents with at least ``COLUMNS``."""
    n = docs.num_rows
    if n == 0:
        return STORIES.empty_table(), STORY_MEMBERS.empty_table()
    docs = docs.select(COLUMNS).combine_chunks()
    when = pc.coalesce(docs["published"].cast(TIMESTAMP), docs["fetched_at"].cast(TIMESTAMP))
    docs = docs.append_column("when", when).sort_by(
        [("cluster_id", "ascending"), ("when", "ascending"), ("fetched_at", "ascending"), ("id", "ascending")])
    docs = docs.combine_chunks()
    cid = docs["cluster_id"].combine_chunks()
    starts, sizes, group = _groups(cid)
    when_us = docs["when"].combine_chunks().cast(pa.int64()).to_numpy()
    fetched_us = docs["fetched_at"].combine_chunks().cast(TIMESTAMP).cast(pa.int64()).to_numpy()
    rank = np.arange(n) - starts[group]
    lag = (when_us - when_us[starts][group]) // 1_000_000
    members = pa.table({
        "story_id": cid, "id": docs["id"], "source": docs["source"], "site": docs["site"],
        "published": docs["published"].cast(TIMESTAMP), "fetched_at": docs["fetched_at"].cast(TIMESTAMP),
        "rank": pa.array(rank, pa.int64()), "lag_seconds": pa.array(lag, pa.int64()),
    }, schema=STORY_MEMBERS)

    rep = docs.take(pa.array(starts))
    copies = sizes - 1
    # members of a group are sorted by publication time, so the copies' lags (rows 1..size-1) are sorted
    lo = starts + 1 + np.maximum(copies - 1, 0) // 2
    hi = starts + 1 + copies // 2
    has = copies > 0
    median = np.where(has, (lag[np.minimum(lo, n - 1)] + lag[np.minimum(hi, n - 1)]) / 2.0, np.nan)
    stories = pa.table({
        "story_id": rep["cluster_id"], "representative_id": rep["id"], "url": rep["url"], "site": rep["site"],
        "source": rep["source"], "title": rep["title"], "published": rep["published"].cast(TIMESTAMP),
        "first_fetched_at": pa.array(np.minimum.reduceat(fetched_us, starts), pa.int64()).cast(TIMESTAMP),
        "members": pa.array(sizes, pa.int64()), "copies": pa.array(copies, pa.int64()),
        "outlets": _distinct_sorted(members, "site", len(starts)),
        "sources": _distinct_sorted(members, "source", len(starts)),
        "median_lag_seconds": pa.array(median, pa.float64(), mask=~has),
        "max_lag_seconds": pa.array(lag[starts + sizes - 1], pa.int64()),
    }, schema=STORIES)
    return stories, members


def _groups(sorted_keys: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal values in a sorted array: (start of each run, its length, run index of each row)."""
    n = len(sorted_keys)
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = pc.not_equal(sorted_keys.slice(1), sorted_keys.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, n))
    return starts, sizes, np.repeat(np.arange(len(starts)), sizes)


def _distinct_sorted(members: pa.Table, column: str, n_groups: int) -> pa.Array:
    """Per story (in story_id order), the sorted distinct values of ``column`` as a list array."""
    pairs = members.group_by(["story_id", column], use_threads=False).aggregate([])
    pairs = pairs.sort_by([("story_id", "ascending"), (column, "ascending")])
    starts, _, _ = _groups(pairs["story_id"].combine_chunks())
    assert len(starts) == n_groups
    offsets = pa.array(np.append(starts, pairs.num_rows).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, pairs[column].combine_chunks()).cast(_STRINGS)


# -- the files ------------------------------------------------------------------------------------
def rebuild(root: str | Path) -> dict[str, Any]:
    """Compute the stories of the corpus at ``root`` and replace both files atomically (members
    first). Returns {"stories", "documents", "seconds"}."""
    from copydesk.storage.corpus import Corpus, write_dataset_card

    root = Path(root)
    t0 = time.monotonic()
    stories, members = compute(Corpus(root).table(COLUMNS))
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    for rel, table in ((MEMBERS_FILE, members), (STORIES_FILE, stories)):
        meta = {**(table.schema.metadata or {}), b"copydesk.computed_at": stamp.encode()}
        with atomic_file(root / rel) as f:
            pq.write_table(table.replace_schema_metadata(meta), f, compression="zstd")
    write_dataset_card(root)  # the stories configs' state: datasets' cache key (docs/corpus.md)
    return {"stories": stories.num_rows, "documents": members.num_rows, "seconds": time.monotonic() - t0}


def read(root: str | Path, *, members: bool = False, compute_missing: bool = True,
         columns: list[str] | None = None) -> pa.Table:
    """The stories table (or the story_members table) of the corpus at ``root``. When the file is
    not there (a corpus written before stories existed), the table is computed in memory without
    writing anything; ``compute_missing=False`` returns an empty table instead."""
    root = Path(root)
    path = root / (MEMBERS_FILE if members else STORIES_FILE)
    if path.exists():
        return pq.read_table(path, schema=STORY_MEMBERS if members else STORIES, columns=columns)
    if not compute_missing:
        t = (STORY_MEMBERS if members else STORIES).empty_table()
        return t if columns is None else t.select(columns)
    from copydesk.storage.corpus import Corpus

    stories, story_members = compute(Corpus(root).table(COLUMNS))
    t = story_members if members else stories
    return t if columns is None else t.select(columns)


def computed_at(root: str | Path) -> str | None:
    path = Path(root) / STORIES_FILE
    if not path.exists():
        return None
    meta = pq.read_schema(path).metadata or {}
    v = meta.get(b"copydesk.computed_at")
    return v.decode() if v else None


class Updater:
    """The pipeline's hook: rebuild the stories table at checkpoints, when documents were stored
    since the last rebuild, throttled so it stays a small share of the writer's time:

    - at a checkpoint inside a run: when the last rebuild is at least ``max(60 s, 20 x its
      duration)`` old;
    - at the end of a run: when it is at least ``20 x its duration`` old;
    - when the pipeline closes (end of `crawl`, `ingest`, `serve`): always, and waited for.

    With ``background`` (the default) the first two run in a thread of their own: pyarrow reads
    and sorts without the GIL, so the crawler's reactor is not held up for the seconds a rebuild
    takes on a large corpus. One rebuild at a time. A corpus opened for writing gets one rebuild at
    its first checkpoint (a table written by an older copydesk, or left stale by a crash, is brought
    up to date).
    """

    MIN_INTERVAL = 60.0
    BUDGET = 20.0

    def __init__(self, root: str | Path, clock: Any = time.monotonic, *, background: bool = True):
        self.root = Path(root)
        self.clock = clock
        self.background = background
        self.dirty = True
        self.last_end: float | None = None
        self.last_duration = 0.0
        self.rebuilds = 0
        self._thread: threading.Thread | None = None

    def stored(self, n: int) -> None:
        if n:
            self.dirty = True

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self) -> None:
        """Until a rebuild running in the background has finished."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def due(self, *, run_end: bool = False, final: bool = False) -> bool:
        if not self.dirty:
            return False
        if final or self.last_end is None:
            return True
        age = self.clock() - self.last_end
        budget = self.BUDGET * self.last_duration
        return age >= (budget if run_end else max(self.MIN_INTERVAL, budget))

    def checkpoint(self, stored: int, *, run_end: bool = False, final: bool = False) -> bool:
        """Called after a checkpoint that stored ``stored`` documents; True when it started (or,
        in the foreground, did) a rebuild. A foreground rebuild's error propagates; a background
        one's is logged, and the next checkpoint tries again."""
        self.stored(stored)
        if final:
            self.wait()
        elif self.running():
            return False
        if not self.due(run_end=run_end, final=final):
            return False
        self.dirty = False  # documents stored while it runs make it dirty again
        if self.background and not final:
            self._thread = threading.Thread(target=self._build, kwargs={"logged": True}, name="copydesk-stories",
                                            daemon=True)
            self._thread.start()
        else:
            self._build()
        return True

    def _build(self, logged: bool = False) -> None:
        start = self.clock()
        try:
            rebuild(self.root)
        except Exception as e:
            self.dirty = True
            if not logged:
                raise
            log.warning("stories table not rebuilt: %s: %s", type(e).__name__, e)
        else:
            self.rebuilds += 1
        finally:
            self.last_end = self.clock()
            self.last_duration = self.last_end - start
