"""Outlet templates: lines that one source repeats across different stories.

A line (normalised paragraph) counts as boilerplate for a source once that source has published it
in documents of at least `min_clusters` different clusters. Counting clusters rather than documents
keeps a story's own paragraphs (repeated by the outlet's copies of the same story) from becoming
"template". Boilerplate lines are left out of the shingles, so two different stories in one outlet's
long template do not look alike, and an excerpt inside a template still looks like its original.
"""
from __future__ import annotations

import numpy as np
import xxhash


def line_hash(line: str) -> int:
    return xxhash.xxh64_intdigest(line.encode("utf-8"))


def cluster_tag(cluster_id: str) -> int:
    return xxhash.xxh32_intdigest(cluster_id.encode("utf-8"))


class LineTable:
    """Per source: line hash -> [distinct clusters seen (capped), tag of the last cluster, last use]."""

    def __init__(self, min_clusters: int = 2, max_lines_per_source: int = 20_000) -> None:
        self.min_clusters = min_clusters
        self.max_lines = max_lines_per_source
        self._tables: dict[str, dict[int, list[int]]] = {}
        self._clock = 0
        # lines that are template lines of at least one source (never pruned: see _prune)
        self._anywhere: set[int] = set()

    def is_boilerplate(self, source: str, h: int) -> bool:
        entry = self._tables.get(source, {}).get(h)
        return entry is not None and entry[0] >= self.min_clusters

    def is_template_anywhere(self, h: int) -> bool:
        """Whether some source uses this line in different stories (its own template)."""
        return h in self._anywhere

    def record(self, source: str, hashes: list[int], cluster_id: str) -> None:
        table = self._tables.setdefault(source, {})
        tag = cluster_tag(cluster_id)
        self._clock += 1
        for h in dict.fromkeys(hashes):
            entry = table.get(h)
            if entry is None:
                table[h] = [1, tag, self._clock]
                if self.min_clusters <= 1:
                    self._anywhere.add(h)
            else:
                if entry[1] != tag:
                    entry[0] = min(entry[0] + 1, 255)
                    entry[1] = tag
                    if entry[0] >= self.min_clusters:
                        self._anywhere.add(h)
                entry[2] = self._clock
        if len(table) > self.max_lines:
            self._prune(table)

    def _prune(self, table: dict[int, list[int]]) -> None:
        # drop the least recently used half of the lines that are not (yet) template lines
        single = sorted((e[2], h) for h, e in table.items() if e[0] < self.min_clusters)
        for _, h in single[: len(single) // 2 + 1]:
            del table[h]

    def to_arrays(self) -> tuple[list[str], np.ndarray, int]:
        sources = sorted(self._tables)
        parts = []
        for i, src in enumerate(sources):
            table = self._tables[src]
            if not table:
                continue
            block = np.empty((len(table), 5), dtype=np.uint64)
            block[:, 0] = i
            block[:, 1] = np.fromiter(table.keys(), dtype=np.uint64, count=len(table))
            block[:, 2:] = np.array(list(table.values()), dtype=np.uint64).reshape(-1, 3)
            parts.append(block)
        rows = np.concatenate(parts) if parts else np.empty((0, 5), dtype=np.uint64)
        return sources, rows, self._clock

    def load_arrays(self, sources: list[str], rows: np.ndarray, clock: int) -> None:
        """The table from ``to_arrays``' rows: built per source from whole columns (a Python loop
        over the rows took ~13 us a row, 0.6 s for one outlet-heavy index at start-up)."""
        self._tables = {s: {} for s in sources}
        if rows.size:
            rows = rows.reshape(-1, 5)
            col = rows[:, 0]
            for i, src in enumerate(sources):
                sel = rows[col == i]
                self._tables[src] = dict(zip(sel[:, 1].tolist(), sel[:, 2:].tolist()))
            self._anywhere = set(rows[rows[:, 2] >= self.min_clusters, 1].tolist())
        else:
            self._anywhere = set()
        self._clock = clock
