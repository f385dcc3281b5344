"""Candidate verification on sampled shingle sets (exact overlaps, no MinHash estimation error).

similarity(a, b) = max(Jaccard of the two sets, Jaccard of the shorter text against the start of
the longer one, for a start as long as 1.1, 0.95 or 0.8 times the shorter text). The second term is what finds trimmed copies and excerpts (a copy cut at 40 % of
the article matches the first ~40 % of the original almost exactly) while a story that quotes one
paragraph of another still scores low on both.

coverage(a, b): the shorter sample is cut into consecutive segments; the share of segments of which
at least `seg_min` of the shingles occur in the other text. A copy (even a paraphrased or OCR-noisy
one) overlaps the original evenly along its whole length; a different story on the same event
overlaps in the passages it shares (quotes, background) and little elsewhere, so it can reach the
similarity threshold on the whole set while failing coverage.
"""
from __future__ import annotations

import math

import numpy as np


# prefix lengths tried, as fractions of the shorter text: the shorter ones serve copies that carry
# lines the original lacks (an aggregator's template the first time that outlet is seen)
PREFIX_FACTORS = (1.0, 0.85, 0.7)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0 or b.size == 0:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


def similarity(a: np.ndarray, b: np.ndarray, prefix_slack: float = 0.1) -> tuple[float, float]:
    """(full Jaccard, prefix Jaccard) of two ordered, duplicate-free shingle samples."""
    if a.size > b.size:
        a, b = b, a
    full = jaccard(a, b)
    if b.size <= a.size * (1 + prefix_slack):
        return full, full
    best = 0.0
    for f in PREFIX_FACTORS:
        best = max(best, jaccard(a, b[: math.ceil(a.size * (f + prefix_slack))]))
    return full, best


def coverage(a: np.ndarray, b: np.ndarray, segments: int = 8, seg_min: float = 0.4, min_seg_size: int = 16) -> float:
    if a.size > b.size:
        a, b = b, a
    k = max(1, min(segments, a.size // min_seg_size))
    hits = np.isin(a, b, assume_unique=True)
    parts = np.array_split(hits, k)
    return sum(p.mean() >= seg_min for p in parts) / k
