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


class BandIndex:
    """Items (int32) under nbands uint32 keys each. The sorted part is one flat array of
    (band << 32 | key) so a query is a single vectorised searchsorted; recent inserts wait in a
    dict until `tail_limit` of them are merged in linear time."""

    def __init__(self, nbands: int, tail_limit: int = 16384) -> None:
        self.nbands = nbands
        self.tail_limit = tail_limit
        self._band_base = np.arange(nbands, dtype=np.uint64) << np.uint64(32)
        self._keys = np.empty(0, dtype=np.uint64)
        self._items = np.empty(0, dtype=np.int32)
        self._tail: dict[int, list[int]] = {}
        self._tail_n = 0

    def __len__(self) -> int:
        return self._keys.size // max(self.nbands, 1) + self._tail_n

    def _combined(self, keys: np.ndarray) -> np.ndarray:
        return self._band_base + keys.astype(np.uint64)

    def build(self, keys: np.ndarray, items: np.ndarray) -> None:
        """Replace the content with items (int32 [n]) having keys (uint32 [n, nbands])."""
        combined = (self._band_base[None, :] + keys.astype(np.uint64)).ravel()
        order = np.argsort(combined, kind="stable")
        self._keys = combined[order]
        self._items = np.repeat(items.astype(np.int32), self.nbands)[order]
        self._tail = {}
        self._tail_n = 0

    def add(self, keys: np.ndarray, item: int) -> None:
        for k in self._combined(keys).tolist():
            self._tail.setdefault(k, []).append(item)
        self._tail_n += 1
        if self._tail_n >= self.tail_limit:
            self.merge()

    def merge(self) -> None:
        if not self._tail_n:
            return
        pairs = sorted((k, i) for k, items in self._tail.items() for i in items)
        new_keys = np.fromiter((k for k, _ in pairs), dtype=np.uint64, count=len(pairs))
        new_items = np.fromiter((i for _, i in pairs), dtype=np.int32, count=len(pairs))
        pos = np.searchsorted(self._keys, new_keys, side="right") + np.arange(new_keys.size)
        total = self._keys.size + new_keys.size
        keep = np.ones(total, dtype=bool)
        keep[pos] = False
        keys = np.empty(total, dtype=np.uint64)
        items = np.empty(total, dtype=np.int32)
        keys[pos], items[pos] = new_keys, new_items
        keys[keep], items[keep] = self._keys, self._items
        self._keys, self._items = keys, items
        self._tail = {}
        self._tail_n = 0

    def query(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Items sharing at least one band key, and how many bands each shares (items sorted)."""
        combined = self._combined(keys)
        found = []
        if self._keys.size:
            lo = np.searchsorted(self._keys, combined, side="left")
            hi = np.searchsorted(self._keys, combined, side="right")
            for b in np.nonzero(hi > lo)[0].tolist():
                found.append(self._items[lo[b] : hi[b]])
        if self._tail:
            for k in combined.tolist():
                hit = self._tail.get(k)
                if hit:
                    found.append(np.array(hit, dtype=np.int32))
        if not found:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found), return_counts=True)

    def nbytes(self) -> int:
        return self._keys.nbytes + self._items.nbytes
