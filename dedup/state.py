"""The in-memory state of a dedup index: every column the Deduper's rules work on and the files
persist, in one typed object (no rules here, no files).

Documents are numbered by slot (insertion order since the last load), representatives by rep
number (their record's ordinal in the generation's bands/sigs/samples files), clusters by a cluster
number (0: none). Slot-indexed lists and columns grow together; an evicted slot keeps its place with
``ids[slot] = None`` until a compaction rewrites the generation.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .columns import Column
from .index import BandIndex


def _column(dtype: type) -> Callable[[], Column]:
    return lambda: Column(dtype)


def _cluster_times() -> Column:
    c = Column(np.float64)
    c.append(np.inf)  # cluster number 0: no cluster, never swept
    return c


@dataclass(slots=True, eq=False)
class IndexState:
    index: BandIndex  # LSH band keys of the live representatives -> rep number
    rep_sig: np.ndarray  # uint32 [>= reps, prefilter_perm]: signature heads, for a cheap pre-check
    # per document slot
    slot: dict[str, int] = field(default_factory=dict)  # doc_id -> slot, for the documents in the window
    ids: list[str | None] = field(default_factory=list)  # None once evicted
    cluster: list[str] = field(default_factory=list)
    dup: list[str | None] = field(default_factory=list)
    sim: list[float | None] = field(default_factory=list)
    ts: Column = field(default_factory=_column(np.float64))  # when each document was stored
    cnum: Column = field(default_factory=_column(np.int32))  # each slot's cluster number; 0 once evicted
    rep_of_slot: Column = field(default_factory=_column(np.int32))  # rep number or -1
    exact_of_slot: Column = field(default_factory=_column(np.uint64))  # exact hash of a short text, 0 otherwise
    alive: int = 0
    # per cluster
    cl_ts: Column = field(default_factory=_cluster_times)  # per cluster number: when a member was last stored
    cl_of: dict[str, int] = field(default_factory=dict)  # cluster_id -> cluster number, for the clusters in the window
    cluster_reps: dict[str, list[int]] = field(default_factory=dict)  # only clusters grown past their founder
    exact: dict[int, int] = field(default_factory=dict)  # exact hash -> first slot with it
    # per representative
    rep_slot: Column = field(default_factory=_column(np.int32))  # -1 once evicted
    rep_soff: Column = field(default_factory=_column(np.int64))  # sample offset in samples.u32 (uint32 values)
    rep_slen: Column = field(default_factory=_column(np.int32))
    rep_alive: Column = field(default_factory=_column(np.bool_))
    rep_ford: Column = field(default_factory=_column(np.int64))  # ordinal of the rep's record in bands.u32 / sigs.u32
    gen_reps: int = 0  # representatives in this generation (the next rep's file ordinal)
    pending_samples: dict[int, np.ndarray] = field(default_factory=dict)  # not yet in samples.u32
    samples_len: int = 0  # uint32 values in samples.u32 (committed + pending)
    # clock and the caller's record
    newest: float | None = None  # "now": the newest timestamp seen
    swept_at: float | None = None
    note: dict | None = None  # what the caller recorded with the last commit (flush(note=...))

    @classmethod
    def empty(cls, nbands: int, prefilter_perm: int) -> "IndexState":
        return cls(BandIndex(nbands), np.zeros((1024, prefilter_perm), dtype=np.uint32))

    def sample(self, rep: int, read: Callable[[int, int], np.ndarray] | None) -> np.ndarray:
        """A representative's shingle sample: pending in memory, else ``read(offset, count)``."""
        pending = self.pending_samples.get(rep)
        if pending is not None:
            return pending
        assert read is not None
        return read(int(self.rep_soff.a[rep]), int(self.rep_slen.a[rep]))
