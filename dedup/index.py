"""A compact LSH index: band hashes in sorted numpy arrays instead of datasketch's dict-of-sets.

Banding is datasketch's (the signature split into b bands of r rows); each band's r values are
hashed to one uint32 key. Keys live in per-band sorted arrays (searchsorted lookups) plus a small
unsorted tail for recent inserts that is merged in when it grows: 8 bytes per band per item,
against the ~3-8 KB per item of a MinHashLSH.
"""
from __future__ import annotations

import numpy as np

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """uint32 [n, bands] keys of the first bands*rows values of each uint32 signature row."""
    if bands == 0:
        return np.empty((np.atleast_2d(signatures).shape[0], 0), dtype=np.uint32)
    sig = np.atleast_2d(signatures)[:, : bands * rows].astype(np.uint64).reshape(-1, bands, rows)
    with np.errstate(over="ignore"):
        h = np.full(sig.shape[:2], np.uint64(0x243F6A8885A308D3) ^ np.uint64(rows), dtype=np.uint64)
        for k in range(rows):
            h = (h ^ sig[:, :, k]) * _M1
            h ^= h >> np.uint64(31)
        h += np.arange(bands, dtype=np.uint64) * _M2  # a different key space per band
        h ^= h >> np.uint64(32)
    return h.astype(np.uint32)


def _merge_sorted(k1: np.ndarray, i1: np.ndarray, k2: np.ndarray, i2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge two sorted runs in linear time and little extra memory (no argsort of the whole)."""
    pos = np.searchsorted(k1, k2, side="right") + np.arange(k2.size)
    keys = np.empty(k1.size + k2.size, dtype=k1.dtype)
    items = np.empty(keys.size, dtype=i1.dtype)
    other = np.ones(keys.size, dtype=bool)
    other[pos] = False
    keys[pos], items[pos] = k2, i2
    keys[other], items[other] = k1, i1
    return keys, items


class BandIndex:
    """Items (int32) under nbands uint32 keys each, as a small log-structured merge tree.

    Each level is one flat sorted array of (band << 32 | key) with the items alongside, so a lookup
    is one vectorised searchsorted per level. New items wait in a fixed-size tail that is scanned
    directly; a full tail becomes a new level, and levels are merged while the newest is at least
    half the size of the one before it (O(log n) levels, each entry merged O(log n) times).
    """

    def __init__(self, nbands: int, tail_limit: int = 1024) -> None:
        self.nbands = nbands
        self.tail_limit = tail_limit
        self._band_base = np.arange(nbands, dtype=np.uint64) << np.uint64(32)
        self._levels: list[tuple[np.ndarray, np.ndarray]] = []
        self._tail_keys = np.zeros((tail_limit, nbands), dtype=np.uint32)
        self._tail_items = np.zeros(tail_limit, dtype=np.int32)
        self._tail_n = 0

    def __len__(self) -> int:
        return sum(k.size for k, _ in self._levels) // max(self.nbands, 1) + self._tail_n

    def _run(self, keys: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One sorted level. Band b's combined keys all start with b, so the level is the bands'
        sorted key columns laid end to end; a stable argsort of uint32 is a radix sort in numpy."""
        n = keys.shape[0]
        items = items.astype(np.int32, copy=False)
        out_keys = np.empty(n * self.nbands, dtype=np.uint64)
        out_items = np.empty(n * self.nbands, dtype=np.int32)
        for b in range(self.nbands):
            column = np.ascontiguousarray(keys[:, b])
            order = np.argsort(column, kind="stable")
            out_keys[b * n : (b + 1) * n] = column[order]
            out_keys[b * n : (b + 1) * n] |= self._band_base[b]
            out_items[b * n : (b + 1) * n] = items[order]
        return out_keys, out_items

    def build(self, keys: np.ndarray, items: np.ndarray) -> None:
        """Replace the content with items (int32 [n]) having keys (uint32 [n, nbands])."""
        self._levels = [self._run(keys, items)] if len(items) else []
        self._tail_n = 0

    def set_levels(self, levels: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self._levels = [lv for lv in levels if lv[0].size]
        self._tail_n = 0
        self.merge()

    def snapshot(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The sorted levels, the tail turned into one (no full merge: saving costs no extra memory)."""
        self.merge()
        return list(self._levels)

    def add(self, keys: np.ndarray, item: int) -> None:
        if self._tail_n == self.tail_limit:
            self.merge()
        self._tail_keys[self._tail_n] = keys
        self._tail_items[self._tail_n] = item
        self._tail_n += 1

    def merge(self) -> None:
        if self._tail_n:
            self._levels.append(self._run(self._tail_keys[: self._tail_n], self._tail_items[: self._tail_n]))
            self._tail_n = 0
        while len(self._levels) >= 2 and self._levels[-1][0].size * 2 >= self._levels[-2][0].size:
            (k1, i1), (k2, i2) = self._levels[-2], self._levels[-1]
            self._levels[-2:] = [_merge_sorted(k1, i1, k2, i2)]

    def query(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Items sharing at least one band key, and how many bands each shares (items sorted)."""
        combined = self._band_base + keys.astype(np.uint64)
        found = []
        for lk, li in self._levels:
            # one left search per key; the right end only for the (few) keys that are present
            lo = np.searchsorted(lk, combined, side="left")
            inside = lo < lk.size
            hits = np.nonzero(inside)[0]
            hits = hits[lk[lo[hits]] == combined[hits]]
            for b in hits.tolist():
                end = int(np.searchsorted(lk, combined[b], side="right"))
                found.append(li[lo[b] : end])
        if self._tail_n:
            rows, _ = np.nonzero(self._tail_keys[: self._tail_n] == keys[None, :])
            if rows.size:
                found.append(self._tail_items[rows])
        if not found:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found), return_counts=True)

    def nbytes(self) -> int:
        return sum(k.nbytes + i.nbytes for k, i in self._levels) + self._tail_keys.nbytes + self._tail_items.nbytes
