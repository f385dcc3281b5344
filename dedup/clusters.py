"""The Deduper: assigns each new document to an existing story cluster or starts a new one.

Representative rule: a cluster's first stored member (its founder, whose id is the cluster_id) is
its representative, and so are the next members that join it, up to `max_reps` in all (with
`rep_growth` > 0, only a member longer than every current representative by that factor). Only
representatives are in the LSH index, and a new document is verified against representatives
only, each of which matched a representative directly, so a cluster cannot drift by chaining
copy-of-a-copy through its members. The extra representatives exist because streams are not in
publication order: when a paraphrase or an excerpt arrives before the full article, the full
article joins its cluster, becomes a representative, and later copies are compared with it.

The rules live here; the columns they work on are an ``IndexState`` (state.py) and the files an
``IndexFiles`` (disk.py) the Deduper holds. ``Deduper`` is the embedded implementation of
``api.ClusterIndex``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import persist
from .boilerplate import LineTable
from .columns import grown
from .disk import IndexFiles
from .facts import agreement, fact_shingles
from .model import Assignment, Features, Sketch
from .normalize import lines as normalized_lines
from .preparer import DEFAULTS, PREPARER_OPTIONS, Preparer
from .shingles import sample
from .signatures import SCHEME
from .state import IndexState
from .verify import coverage, similarity

__all__ = ["Assignment", "Deduper", "Features", "Preparer", "Sketch"]


class Deduper:
    """Streaming near-duplicate clustering of news articles (see docs/dedup.md).

    threshold: similarity (Jaccard of character 4-gram sets, or of the shorter text against the
    same length at the start of the longer one) at or above which a document joins a cluster.
    window_days: a story (cluster) leaves the index when none of its members was stored within the
    window: ``timestamp`` is when copydesk stores a document (its clock, not a publication date), and
    "now" is the newest timestamp seen. None keeps everything.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, threshold: float = 0.5,
                 window_days: float | None = 30.0, **options: float | int | str | bool) -> None:
        unknown = set(options) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown Deduper options: {', '.join(sorted(unknown))}")
        o = {**DEFAULTS, **options}
        self.threshold = float(threshold)
        self.window = None if window_days is None else float(window_days) * 86400.0
        self.preparer = Preparer(**{k: o[k] for k in PREPARER_OPTIONS})
        self.shingling, self.signer = self.preparer.shingling, self.preparer.signer
        self.bands, self.rows = self.preparer.bands, self.preparer.rows
        self.lead_words, self.lead_bands = self.preparer.lead_words, self.preparer.lead_bands
        self.sample_mod = self.preparer.sample_mod
        self.short_words = self.preparer.short_words
        self.max_candidates = int(o["max_candidates"])
        self.max_reps, self.rep_growth = int(o["max_reps"]), float(o["rep_growth"])
        self.prefix_slack = float(o["prefix_slack"])
        self.prefix_margin = float(o["prefix_margin"])
        self.compact_min = int(o["compact_min"])
        self.prefilter, self.prefilter_perm = float(o["prefilter"]), int(o["prefilter_perm"])
        self.segments, self.seg_min, self.min_coverage = int(o["segments"]), float(o["seg_min"]), float(o["min_coverage"])
        self.fact_agree, self.fact_min = float(o["fact_agree"]), int(o["fact_min"])
        self.lines = LineTable(min_clusters=int(o["template_clusters"]))
        self.params = {
            "format": persist.FORMAT, "scheme": SCHEME, "num_perm": self.signer.num_perm,
            "seed": self.signer.seed, "shingling": self.shingling.describe(),
            "normalization": "nfkc-casefold-\\w+;entity-debris;line-end-hyphens",
            "bands": self.bands, "rows": self.rows, "lead_words": self.lead_words,
            "lead_bands": self.lead_bands, "sample_mod": self.sample_mod, "short_words": self.short_words,
            "band_hash": "xor-mul64-fold32", "template_clusters": self.lines.min_clusters,
        }
        self._s = self._empty_state()
        self.path = None if path is None else Path(path)
        # the index directory while open for writing; None in memory and after close()
        self._files: IndexFiles | None = None
        if self.path is not None:
            self._files = IndexFiles(self.path, self.params, self.signer.num_perm)
            self._files.open(self._s, self.lines, self.window)

    def _empty_state(self) -> IndexState:
        return IndexState.empty(self.bands + self.lead_bands, self.prefilter_perm)

    def __len__(self) -> int:
        return self._s.alive

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._s.slot

    def __enter__(self) -> "Deduper":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API

    def add(self, doc_id: str, text: str, *, timestamp: float | None = None, source: str | None = None,
            features: Features | None = None) -> Assignment:
        """Assign a document to a cluster and insert it. Idempotent for an id already present.
        features: ``Preparer().features(text)`` when already computed (e.g. in a worker process);
        ignored unless it was made from this very text with this Deduper's parameters."""
        s = self._s
        slot = s.slot.get(doc_id)
        if slot is not None:
            return self._assignment(slot)
        ts = self._advance(timestamp)
        sketch = self._sketch(text, source, features)
        match: tuple[int, float] | None = None
        if sketch.short:
            hit = s.exact.get(sketch.exact) if sketch.exact else None
            if hit is not None:
                match = (hit, 1.0)
        else:
            match = self._best_match(sketch, text, source or "")
        if match is None:
            a = Assignment(doc_id, doc_id, None, None)
        else:
            m_slot, sim = match
            a = Assignment(doc_id, s.cluster[m_slot], s.ids[m_slot], round(sim, 4))
        self._insert(a, ts, sketch, source)
        return a

    def restore(self, assignment: Assignment, text: str, *, timestamp: float | None = None,
                source: str | None = None) -> None:
        """Insert a document whose assignment is already known (index repair after a crash).
        ``timestamp``: when it was stored. A no-op for an id already present, or stored before the
        window unless its cluster is still in the index."""
        s = self._s
        if assignment.doc_id in s.slot:
            return
        if timestamp is not None and s.newest is not None and self.window is not None \
                and timestamp < s.newest - self.window and assignment.cluster_id not in s.cl_of:
            return
        ts = self._advance(timestamp)
        self._insert(assignment, ts, self._sketch(text, source), source)

    def advance(self, timestamp: float) -> None:
        """Move "now" to ``timestamp`` (if later), evicting what the window leaves behind."""
        self._advance(timestamp)

    def assignment(self, doc_id: str) -> Assignment | None:
        slot = self._s.slot.get(doc_id)
        return None if slot is None else self._assignment(slot)

    @property
    def note(self) -> dict | None:
        """What the last ``flush(note=...)`` recorded (None for an index that never had one)."""
        return self._s.note

    def flush(self, note: dict | None = None) -> None:
        """Make everything added so far durable, atomically. ``note``: a small JSON-able record the
        caller keeps with this commit (copydesk: the corpus checkpoint the index covers)."""
        s = self._s
        if note is not None:
            s.note = dict(note)
        if self._files is None:
            return
        self._files.flush(s, self.lines)
        dead = len(s.ids) - s.alive
        if dead >= self.compact_min and dead >= s.alive:
            self._files.compact(s, self.lines)
            self._s = self._empty_state()
            self._files.open(self._s, self.lines, self.window)

    def close(self, note: dict | None = None) -> None:
        """Flush, then release the files; a closed Deduper answers `in`, len() and assignment()
        but must not be added to."""
        if note is not None:
            self._s.note = dict(note)
        if self._files is not None:
            self._files.close(self._s, self.lines)
            self._files = None

    # ------------------------------------------------------------------ internals

    def _assignment(self, slot: int) -> Assignment:
        s = self._s
        return Assignment(s.ids[slot], s.cluster[slot], s.dup[slot], s.sim[slot])  # type: ignore[arg-type]

    def _advance(self, timestamp: float | None) -> float:
        s = self._s
        if timestamp is None:
            return s.newest if s.newest is not None else 0.0
        ts = float(timestamp)
        if s.newest is None or ts > s.newest:
            s.newest = ts
            self._maybe_sweep()
        return ts

    def _sketch(self, text: str, source: str | None, features: Features | None = None) -> Sketch:
        """The document's hashes, signature, band keys and shingle sample, without the lines this
        source's other stories share (its template). ``features``: ``preparer.features(text)``,
        when computed elsewhere (an extraction worker); used when it fits this text and index."""
        if features is None or not self.preparer.fits(features, text):
            features = self.preparer.features(text)
        src = source or ""
        hashes = features.sketch.line_hashes
        if not any(self.lines.is_boilerplate(src, h) for h in hashes):
            return features.sketch
        lines = normalized_lines(text)
        kept = [line for line, h in zip(lines, hashes) if not self.lines.is_boilerplate(src, h)]
        return self.preparer.prepare(kept or lines, hashes)

    def _rep_sample(self, rep: int) -> np.ndarray:
        return self._s.sample(rep, None if self._files is None else self._files.read_sample)

    def _facts(self, sketch: Sketch, text: str, source: str) -> np.ndarray | None:
        """Per sampled shingle of ``sketch``: whether it touches a number or a name (facts.py), in
        the lines ``_sketch`` kept; None when the lines do not match the sketch's (a normalisation
        corner case, or a word-shingle index: the fact check is then skipped)."""
        if self.shingling.kind != "char" or self.shingling.spaces:
            return None
        hashes = sketch.line_hashes
        boiler = [self.lines.is_boilerplate(source, h) for h in hashes]
        if all(boiler):  # _sketch then keeps every line
            boiler = [False] * len(hashes)
        fact = fact_shingles(text, self.shingling, boiler.__getitem__, hashes)
        return None if fact is None else np.isin(sketch.sample, fact)

    def _same_facts(self, hits: np.ndarray, facts: np.ndarray | None) -> bool:
        """False when the shared sentences carry other facts: at least ``fact_min`` fact shingles
        sit in shared context and fewer than ``fact_agree`` of them occur in the other text."""
        if facts is None:
            return True
        n, share = agreement(hits, facts)
        return n < self.fact_min or share >= self.fact_agree

    def _template_shingles(self, sketch: Sketch, text: str) -> np.ndarray | None:
        """The sampled shingles of the text's lines that are some source's template lines (None:
        no such line)."""
        if not any(self.lines.is_template_anywhere(h) for h in sketch.line_hashes):
            return None
        lines = normalized_lines(text)
        parts = [sample(self.shingling.hashes(line), self.sample_mod)
                 for line, h in zip(lines, sketch.line_hashes) if self.lines.is_template_anywhere(h)]
        return np.unique(np.concatenate(parts))

    def _verified(self, mine: np.ndarray, theirs: np.ndarray, floor: float | None,
                  facts: "_Lazy | None", drop: np.ndarray | None = None) -> float | None:
        """The similarity of a candidate when it is above ``floor`` and passes every check
        (threshold, coverage, the facts), else None. ``drop``: shingles left out of both samples
        first (``_template_shingles``)."""
        keep = None
        if drop is not None:
            keep = ~np.isin(mine, drop)
            mine, theirs = mine[keep], theirs[~np.isin(theirs, drop)]
        full, prefix = similarity(mine, theirs, self.prefix_slack)
        sim = full if prefix < self.threshold + self.prefix_margin else max(full, prefix)
        if sim < self.threshold or (floor is not None and sim <= floor):
            return None
        if coverage(mine, theirs, self.segments, self.seg_min) < self.min_coverage:
            return None
        if facts is not None:
            mask = facts.get()
            if mask is not None and keep is not None:
                mask = mask[keep]
            if not self._same_facts(np.isin(mine, theirs, assume_unique=True), mask):
                return None
        return sim

    def _best_match(self, sketch: Sketch, text: str = "", source: str = "") -> tuple[int, float] | None:
        s = self._s
        reps, shared = s.index.query(sketch.band_keys)
        if reps.size == 0:
            return None
        alive = s.rep_alive.a[reps]
        reps, shared = reps[alive], shared[alive]
        if self.prefilter > 0 and reps.size:
            # estimated Jaccard from the signature heads: drops the chance band collisions of
            # unrelated texts before the exact (and slower) verification
            est = (s.rep_sig[reps] == sketch.signature[None, : self.prefilter_perm]).mean(axis=1)
            keep = est >= self.prefilter
            reps, shared = reps[keep], shared[keep]
        if reps.size > self.max_candidates:
            order = np.lexsort((reps, -shared))[: self.max_candidates]
            reps = reps[order]
        best: tuple[float, int] | None = None
        mine = sketch.sample
        # the fact mask is computed at the first candidate that gets as far as the fact check
        facts = _Lazy(lambda: self._facts(sketch, text, source)) if self.fact_agree > 0 and text else None
        # a copy of an outlet's formulaic report elsewhere carries the outlet's template lines,
        # which the stored report may have left out: a candidate that fails is compared again
        # with those lines left out of both texts
        drop = _Lazy(lambda: self._template_shingles(sketch, text)) if text else None
        for rep in sorted(reps.tolist()):
            theirs = self._rep_sample(rep)
            floor = None if best is None else best[0]
            sim = self._verified(mine, theirs, floor, facts)
            if sim is None and drop is not None and drop.get() is not None:
                sim = self._verified(mine, theirs, floor, facts, drop.get())
            if sim is not None:
                best = (sim, rep)
        if best is None:
            return None
        return int(s.rep_slot.a[best[1]]), best[0]

    def _touch(self, cluster_id: str, ts: float) -> int:
        """The cluster's number (a new one for a cluster not in the index); a member stored at
        ``ts`` keeps the whole cluster in the window until ts + window."""
        s = self._s
        c = s.cl_of.get(cluster_id)
        if c is None:
            c = s.cl_of[cluster_id] = s.cl_ts.append(ts)
        elif ts > s.cl_ts.a[c]:
            s.cl_ts.a[c] = ts
        return c

    def _insert(self, a: Assignment, ts: float, sketch: Sketch, source: str | None) -> None:
        s = self._s
        slot = len(s.ids)
        s.slot[a.doc_id] = slot
        s.ids.append(a.doc_id)
        s.cluster.append(a.cluster_id)
        s.dup.append(a.duplicate_of)
        s.sim.append(a.similarity)
        s.ts.append(ts)
        s.cnum.append(self._touch(a.cluster_id, ts))
        s.alive += 1
        self.lines.record(source or "", sketch.line_hashes, a.cluster_id)
        exact = 0
        rep = -1
        if sketch.short:
            exact = sketch.exact
            if exact:
                s.exact.setdefault(exact, slot)
        elif self._becomes_rep(a, sketch.sample.size):
            rep = s.rep_slot.append(slot)
            s.rep_alive.append(True)
            s.rep_ford.append(s.gen_reps)
            if rep >= s.rep_sig.shape[0]:
                extra = grown(s.rep_sig.shape[0]) - s.rep_sig.shape[0]
                s.rep_sig = np.concatenate([s.rep_sig, np.zeros((extra, self.prefilter_perm), np.uint32)])
            s.rep_sig[rep] = sketch.signature[: self.prefilter_perm]
            s.gen_reps += 1
            smp = sketch.sample
            s.rep_soff.append(s.samples_len)
            s.rep_slen.append(smp.size)
            s.samples_len += smp.size
            s.pending_samples[rep] = smp
            s.index.add(sketch.band_keys, rep)
            if a.duplicate_of is not None:
                s.cluster_reps.setdefault(a.cluster_id, []).append(rep)
        s.rep_of_slot.append(rep)
        s.exact_of_slot.append(exact)
        if self._files is not None:
            at = None if rep < 0 else (int(s.rep_soff.a[rep]), int(s.rep_slen.a[rep]))
            self._files.journal(a, ts, sketch, exact, at)

    def _becomes_rep(self, a: Assignment, size: int) -> bool:
        if a.duplicate_of is None:
            return True
        s = self._s
        founder = s.slot.get(a.cluster_id)
        reps = list(s.cluster_reps.get(a.cluster_id, []))
        if founder is not None and s.rep_of_slot.a[founder] >= 0:
            reps.append(int(s.rep_of_slot.a[founder]))
        reps = [r for r in reps if s.rep_alive.a[r]]
        if len(reps) >= self.max_reps:
            return False
        longest = max((int(s.rep_slen.a[r]) for r in reps), default=0)
        return size > longest * self.rep_growth

    # ---------------------------------------------------------------- window

    def _maybe_sweep(self) -> None:
        s = self._s
        if self.window is None or s.newest is None:
            return
        # sweep when the horizon has moved by 1 % of the window since the last sweep
        if s.swept_at is not None and s.newest - s.swept_at < self.window / 100:
            return
        s.swept_at = s.newest
        horizon = s.newest - self.window
        # a document leaves with its cluster: when no member was stored after the horizon
        dead = np.nonzero(s.cl_ts.a[s.cnum.view()] < horizon)[0]
        for slot in dead.tolist():
            doc_id = s.ids[slot]
            if doc_id is None:
                continue
            self._evict(slot)

    def _evict(self, slot: int) -> None:
        s = self._s
        doc_id = s.ids[slot]
        del s.slot[doc_id]  # type: ignore[arg-type]
        s.ids[slot] = None
        s.ts.a[slot] = np.inf
        c = int(s.cnum.a[slot])
        s.cnum.a[slot] = 0  # never swept again
        if c and s.cl_of.get(s.cluster[slot]) == c:
            del s.cl_of[s.cluster[slot]]
        s.alive -= 1
        rep = int(s.rep_of_slot.a[slot])
        if rep >= 0:
            s.rep_alive.a[rep] = False
            s.pending_samples.pop(rep, None)
            if s.cluster[slot] == doc_id:
                s.cluster_reps.pop(doc_id, None)  # type: ignore[arg-type]
        exact = int(s.exact_of_slot.a[slot])
        if exact and s.exact.get(exact) == slot:
            del s.exact[exact]


class _Lazy:
    """A value computed at its first use."""

    __slots__ = ("_make", "_done", "_value")

    def __init__(self, make) -> None:
        self._make, self._done, self._value = make, False, None

    def get(self):
        if not self._done:
            self._value, self._done = self._make(), True
        return self._value
