"""MinHash signatures computed with numpy from datasketch's own permutation parameters.

The permutation scheme is pinned (datasketch 2.0 changed its default to "affine32"; signatures of
different schemes cannot share an index). For scheme "affine32" a signature equals what
``datasketch.MinHash(num_perm, seed=seed, scheme="affine32", hashfunc=identity).update_batch(hashes)``
produces; tests check this.
"""
from __future__ import annotations

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

SCHEME = "affine32"


class Signer:
    def __init__(self, num_perm: int = 128, seed: int = 1, scheme: str = SCHEME) -> None:
        if scheme != SCHEME:
            raise ValueError(f"only the {SCHEME!r} MinHash scheme is supported, got {scheme!r}")
        self.num_perm = num_perm
        self.seed = seed
        self.scheme = scheme
        proto = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
        a, b = proto.permutations
        self._a = np.ascontiguousarray(a, dtype=np.uint32)[None, :]
        self._b = np.ascontiguousarray(b, dtype=np.uint32)[None, :]
        self.empty = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)

    def sign(self, hashes: np.ndarray) -> np.ndarray:
        """uint32[num_perm] MinHash signature of a set of uint32 shingle hashes."""
        if hashes.size == 0:
            return self.empty.copy()
        hv = _fmix(hashes.astype(np.uint32, copy=False), 32)[:, None]
        with np.errstate(over="ignore"):
            return (hv * self._a + self._b).min(axis=0)

    def minhash(self, signature: np.ndarray) -> MinHash:
        """The datasketch MinHash object for a signature (for interoperability and checks)."""
        return MinHash(num_perm=self.num_perm, seed=self.seed, scheme=self.scheme, hashvalues=signature)
