"""Shingles of normalised text, hashed to 32-bit integers with numpy (no per-shingle Python work)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: base of the polynomial rolling hash
_SEED = np.uint64(0x243F6A8885A308D3)


@dataclass(frozen=True)
class Shingling:
    """How a normalised text becomes a set of shingles.

    kind "char": character n-grams of the normalised text; with spaces=False the spaces between
    words are dropped first, so a word that OCR split or ran together changes few shingles.
    kind "word": word n-grams. A text shorter than n is one shingle.
    """

    kind: str = "char"
    n: int = 5
    spaces: bool = False

    def describe(self) -> str:
        space = "" if self.kind != "char" else ("+spaces" if self.spaces else "-nospace")
        return f"{self.kind}{self.n}{space}/poly64-fold32"

    def ordered(self, normalized: str) -> np.ndarray:
        """uint32 shingle hashes in text order, each kept at its first occurrence."""
        h = self._all(normalized)
        if h.size == 0:
            return h
        _, first = np.unique(h, return_index=True)
        return h[np.sort(first)]

    def hashes(self, normalized: str) -> np.ndarray:
        """Sorted unique uint32 shingle hashes of a normalised text (empty text: empty array)."""
        return np.unique(self._all(normalized))

    def _all(self, normalized: str) -> np.ndarray:
        if self.kind == "char":
            text = normalized if self.spaces else normalized.replace(" ", "")
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        elif self.kind == "word":
            import xxhash

            codes = np.array([xxhash.xxh64_intdigest(t.encode("utf-8")) for t in normalized.split()], dtype=np.uint64)
        else:
            raise ValueError(f"unknown shingle kind {self.kind!r}")
        return ngram_hashes(codes, self.n)


def ngram_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """uint32 hash of every run of n consecutive codes (one hash when there are fewer than n)."""
    if codes.size == 0:
        return np.empty(0, dtype=np.uint32)
    n = min(n, codes.size)
    m = codes.size - n + 1
    with np.errstate(over="ignore"):
        h = np.full(m, _SEED, dtype=np.uint64)
        for k in range(n):
            h = h * _MULT + codes[k : k + m]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return h.astype(np.uint32)


def sample(ordered: np.ndarray, modulus: int) -> np.ndarray:
    """The shingles whose hash is 0 mod `modulus`, in order: a consistent sample, so set overlaps
    between two samples estimate the overlaps of the full sets."""
    return ordered[ordered % np.uint32(modulus) == 0] if modulus > 1 else ordered
