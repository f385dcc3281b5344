"""A growable 1-D numpy column (amortised O(1) append, contiguous view)."""
from __future__ import annotations

import numpy as np


def grown(size: int) -> int:
    """Next capacity: doubling while small, +25 % when large (a doubled 1M-row array is a lot of
    idle memory)."""
    return max(1024, size * 2 if size < 1 << 18 else size + size // 4)


class Column:
    def __init__(self, dtype: type | np.dtype, cap: int = 1024) -> None:
        self.a = np.zeros(cap, dtype=dtype)
        self.n = 0

    def append(self, v: float | int) -> int:
        if self.n == self.a.size:
            self.a = np.concatenate([self.a, np.zeros(grown(self.a.size) - self.a.size, dtype=self.a.dtype)])
        self.a[self.n] = v
        self.n += 1
        return self.n - 1

    def view(self) -> np.ndarray:
        return self.a[: self.n]

    @classmethod
    def filled(cls, dtype: type | np.dtype, values: np.ndarray, size: int) -> "Column":
        """A column holding the first ``size`` of ``values`` (room for at least 1024)."""
        c = cls(dtype, max(size, 1024))
        c.a[:size] = values
        c.n = size
        return c
