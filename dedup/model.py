"""dedup's plain value types: what crosses between its modules, its callers and other processes.

Nothing here imports another dedup module, so every other module can import these without a circle.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_NO_ARRAY = np.empty(0, dtype=np.uint32)
_NO_ARRAY.flags.writeable = False


@dataclass(frozen=True)
class Assignment:
    doc_id: str
    cluster_id: str  # id of the first stored member of the story's cluster (== doc_id for a new story)
    duplicate_of: str | None  # None for the first member; for a copy: the id of the stored article it matched
    similarity: float | None  # estimated similarity of that match (None for a first member)


@dataclass(frozen=True, slots=True, eq=False)
class Sketch:
    """What matching needs of one text, derived from its normalised lines: the hashes of all its
    lines (template learning), and either the exact hash of a short text or the MinHash signature,
    LSH band keys and shingle sample of a long one (empty arrays for a short text)."""

    line_hashes: list[int]
    short: bool
    exact: int = 0  # xxh64 of a short text's normalised text; 0 for an empty text (never matched) or a long one
    signature: np.ndarray = field(default_factory=lambda: _NO_ARRAY)  # uint32 [num_perm]
    band_keys: np.ndarray = field(default_factory=lambda: _NO_ARRAY)  # uint32 [bands + lead_bands]
    sample: np.ndarray = field(default_factory=lambda: _NO_ARRAY)  # uint32 shingle hashes, in text order


@dataclass(frozen=True)
class Features:
    """What the Deduper derives from a text alone (no index state), so it can be computed in
    another process: the sketch of all its lines, for the text with this hash, made with the
    parameters ``params``."""

    params: tuple
    text_hash: int
    sketch: Sketch
