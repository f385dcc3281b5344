"""The Deduper: assigns each new document to an existing story cluster or starts a new one.

Representative rule: a cluster's first stored member (its founder, whose id is the cluster_id) is
its representative, and so are the next members that join it, up to `max_reps` in all (with
`rep_growth` > 0, only a member longer than every current representative by that factor). Only
representatives are in the LSH index, and a new document is verified against representatives
only, each of which matched a representative directly, so a cluster cannot drift by chaining
copy-of-a-copy through its members. The extra representatives exist because streams are not in
publication order: when a paraphrase or an excerpt arrives before the full article, the full
article joins its cluster, becomes a representative, and later copies are compared with it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xxhash

from . import persist
from .disk import DiskState
from .boilerplate import LineTable, line_hash
from .columns import Column as _Grow
from .columns import grown
from .index import BandIndex, band_keys
from .normalize import lines as normalized_lines
from .shingles import Shingling, sample
from .signatures import SCHEME, Signer
from .verify import coverage, similarity


@dataclass(frozen=True)
class Assignment:
    doc_id: str
    cluster_id: str  # id of the first stored member of the story's cluster (== doc_id for a new story)
    duplicate_of: str | None  # None for the first member; for a copy: the id of the stored article it matched
    similarity: float | None  # estimated similarity of that match (None for a first member)


_DEFAULTS = dict(
    shingle="char", ngram=4, spaces=False, num_perm=128, seed=1, bands=32, rows=4,
    lead_words=60, lead_bands=16, sample_mod=4, short_words=50, max_candidates=100,
    max_reps=4, rep_growth=0.0, template_clusters=2, prefix_slack=0.1,
    segments=8, seg_min=0.4, min_coverage=0.6, prefix_margin=0.06, compact_min=10_000, prefilter=0.2, prefilter_perm=64,
)


_PREPARER_OPTIONS = ("shingle", "ngram", "spaces", "num_perm", "seed", "bands", "rows", "lead_words", "lead_bands",
                     "sample_mod", "short_words")


@dataclass(frozen=True)
class Features:
    """What the Deduper derives from a text alone (no index state), so it can be computed in
    another process: the preparation of all its lines, for the text with this hash, made with
    the parameters ``params``."""

    params: tuple
    text_hash: int
    prepared: dict


class Preparer:
    """Text -> line hashes, MinHash signature, band keys and shingle sample (the Deduper's
    parameters of these; defaults as Deduper's)."""

    def __init__(self, **options: float | int | str | bool) -> None:
        o = {**{k: _DEFAULTS[k] for k in _PREPARER_OPTIONS}, **options}
        self.shingling = Shingling(str(o["shingle"]), int(o["ngram"]), bool(o["spaces"]))
        self.signer = Signer(int(o["num_perm"]), int(o["seed"]), SCHEME)
        self.bands, self.rows = int(o["bands"]), int(o["rows"])
        self.lead_words, self.lead_bands = int(o["lead_words"]), int(o["lead_bands"])
        if self.bands * self.rows > self.signer.num_perm or self.lead_bands * self.rows > self.signer.num_perm:
            raise ValueError("bands * rows must not exceed num_perm")
        self.sample_mod = int(o["sample_mod"])
        self.short_words = int(o["short_words"])
        self.params = tuple(o[k] for k in _PREPARER_OPTIONS)

    def features(self, text: str) -> Features:
        lines = normalized_lines(text)
        return Features(self.params, _text_hash(text), self.prepare(lines, [line_hash(line) for line in lines]))

    def fits(self, features: Features, text: str) -> bool:
        return features.params == self.params and features.text_hash == _text_hash(text)

    def prepare(self, lines: list[str], hashes: list[int]) -> dict:
        """From the normalised lines to use and the hashes of all the text's lines."""
        norm = " ".join(lines)
        words = norm.split()
        out: dict = {"line_hashes": hashes, "short": len(words) < self.short_words}
        if out["short"]:
            # 0 marks an empty text: it is never matched, not even with another empty text
            out["exact"] = (xxhash.xxh64_intdigest(norm.encode("utf-8")) or 1) if words else 0
            return out
        ordered = self.shingling.ordered(norm)
        sig = self.signer.sign(np.sort(ordered))
        lead = self.signer.sign(self.shingling.hashes(" ".join(words[: self.lead_words])))
        keys = np.concatenate([band_keys(sig, self.bands, self.rows)[0],
                               band_keys(lead, self.lead_bands, self.rows)[0]])
        out.update(sig=sig, keys=keys, sample=sample(ordered, self.sample_mod))
        return out


def _text_hash(text: str) -> int:
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


class Deduper(DiskState):
    """Streaming near-duplicate clustering of news articles (see docs/dedup.md).

    threshold: similarity (Jaccard of character 4-gram sets, or of the shorter text against the
    same length at the start of the longer one) at or above which a document joins a cluster.
    window_days: a story (cluster) leaves the index when none of its members was stored within the
    window: ``timestamp`` is when copydesk stores a document (its clock, not a publication date), and
    "now" is the newest timestamp seen. None keeps everything.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, threshold: float = 0.5,
                 window_days: float | None = 30.0, **options: float | int | str | bool) -> None:
        unknown = set(options) - set(_DEFAULTS)
        if unknown:
            raise TypeError(f"unknown Deduper options: {', '.join(sorted(unknown))}")
        o = {**_DEFAULTS, **options}
        self.threshold = float(threshold)
        self.window = None if window_days is None else float(window_days) * 86400.0
        self.preparer = Preparer(**{k: o[k] for k in _PREPARER_OPTIONS})
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
        self.lines = LineTable(min_clusters=int(o["template_clusters"]))
        self.params = {
            "format": persist.FORMAT, "scheme": SCHEME, "num_perm": self.signer.num_perm,
            "seed": self.signer.seed, "shingling": self.shingling.describe(),
            "normalization": "nfkc-casefold-\\w+;entity-debris;line-end-hyphens",
            "bands": self.bands, "rows": self.rows, "lead_words": self.lead_words,
            "lead_bands": self.lead_bands, "sample_mod": self.sample_mod, "short_words": self.short_words,
            "band_hash": "xor-mul64-fold32", "template_clusters": self.lines.min_clusters,
        }
        self._reset()
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self._open()

    # ------------------------------------------------------------------ state

    def _reset(self) -> None:
        self._slot: dict[str, int] = {}
        self._ids: list[str | None] = []
        self._cluster: list[str] = []
        self._dup: list[str | None] = []
        self._sim: list[float | None] = []
        self._ts = _Grow(np.float64)  # when each document was stored (its own timestamp)
        self._cnum = _Grow(np.int32)  # each slot's cluster number; 0 once evicted
        self._cl_ts = _Grow(np.float64)  # per cluster number: when a member was last stored (0: inf)
        self._cl_ts.append(np.inf)
        self._cl_of: dict[str, int] = {}  # cluster_id -> cluster number, for the clusters in the window
        self._rep_of_slot = _Grow(np.int32)  # rep index or -1
        self._exact_of_slot = _Grow(np.uint64)  # exact hash of a short text, 0 otherwise
        self._exact: dict[int, int] = {}
        self._rep_slot = _Grow(np.int32)
        self._rep_soff = _Grow(np.int64)
        self._rep_slen = _Grow(np.int32)
        self._rep_alive = _Grow(np.bool_)
        self._rep_sig = np.zeros((1024, self.prefilter_perm), dtype=np.uint32)  # signature heads, for a cheap pre-check
        self._rep_ford = _Grow(np.int64)  # ordinal of the rep's record in bands.u32 / sigs.u32
        self._gen_reps = 0
        self._cluster_reps: dict[str, list[int]] = {}  # only clusters that have grown past their founder
        self._pending_samples: dict[int, np.ndarray] = {}
        if getattr(self, "_reader", None) is not None:
            self._reader.close()
        self._reader: persist.SampleReader | None = None
        self._index_saved: dict | None = None  # the band-table snapshot CURRENT.json refers to
        self._samples_len = 0  # uint32 values in samples.u32 (committed + pending)
        self._index = BandIndex(self.bands + self.lead_bands)
        self._alive = 0
        self._newest: float | None = None
        self._swept_at: float | None = None
        self._app: persist.Appender | None = None
        self._note: dict | None = None  # the caller's record of what this index covers (flush(note=...))

    def __len__(self) -> int:
        return self._alive

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot

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
        slot = self._slot.get(doc_id)
        if slot is not None:
            return self._assignment(slot)
        ts = self._advance(timestamp)
        prepared = self._prepare(text, source, features)
        match: tuple[int, float] | None = None
        if prepared["short"]:
            hit = self._exact.get(prepared["exact"]) if prepared["exact"] else None
            if hit is not None:
                match = (hit, 1.0)
        else:
            match = self._best_match(prepared)
        if match is None:
            a = Assignment(doc_id, doc_id, None, None)
        else:
            m_slot, sim = match
            a = Assignment(doc_id, self._cluster[m_slot], self._ids[m_slot], round(sim, 4))
        self._insert(a, ts, prepared, source)
        return a

    def restore(self, assignment: Assignment, text: str, *, timestamp: float | None = None,
                source: str | None = None) -> None:
        """Insert a document whose assignment is already known (index repair after a crash).
        ``timestamp``: when it was stored. A no-op for an id already present, or stored before the
        window unless its cluster is still in the index."""
        if assignment.doc_id in self._slot:
            return
        if timestamp is not None and self._newest is not None and self.window is not None \
                and timestamp < self._newest - self.window and assignment.cluster_id not in self._cl_of:
            return
        ts = self._advance(timestamp)
        self._insert(assignment, ts, self._prepare(text, source), source)

    def advance(self, timestamp: float) -> None:
        """Move "now" to ``timestamp`` (if later), evicting what the window leaves behind."""
        self._advance(timestamp)

    def assignment(self, doc_id: str) -> Assignment | None:
        slot = self._slot.get(doc_id)
        return None if slot is None else self._assignment(slot)

    @property
    def note(self) -> dict | None:
        """What the last ``flush(note=...)`` recorded (None for an index that never had one)."""
        return self._note

    def flush(self, note: dict | None = None) -> None:
        """Make everything added so far durable, atomically. ``note``: a small JSON-able record the
        caller keeps with this commit (copydesk: the corpus checkpoint the index covers)."""
        if note is not None:
            self._note = dict(note)
        if self.path is None or self._app is None:
            return
        self._app.write()
        self._commit()
        self._remap_samples()
        dead = len(self._ids) - self._alive
        if dead >= self.compact_min and dead >= self._alive:
            self._compact()

    def close(self, note: dict | None = None) -> None:
        """Flush, then release the files; a closed Deduper answers `in`, len() and assignment()
        but must not be added to."""
        if note is not None:
            self._note = dict(note)
        if self.path is not None and self._app is not None:
            self._app.write()
            self._commit(save_index=True)
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._app = None

    # ------------------------------------------------------------------ internals

    def _assignment(self, slot: int) -> Assignment:
        return Assignment(self._ids[slot], self._cluster[slot], self._dup[slot], self._sim[slot])  # type: ignore[arg-type]

    def _advance(self, timestamp: float | None) -> float:
        if timestamp is None:
            return self._newest if self._newest is not None else 0.0
        ts = float(timestamp)
        if self._newest is None or ts > self._newest:
            self._newest = ts
            self._maybe_sweep()
        return ts

    def _prepare(self, text: str, source: str | None, features: Features | None = None) -> dict:
        """The document's hashes, signature, band keys and shingle sample, without the lines this
        source's other stories share (its template). ``features``: ``preparer.features(text)``,
        when computed elsewhere (an extraction worker); used when it fits this text and index."""
        if features is None or not self.preparer.fits(features, text):
            features = self.preparer.features(text)
        src = source or ""
        hashes = features.prepared["line_hashes"]
        if not any(self.lines.is_boilerplate(src, h) for h in hashes):
            return features.prepared
        lines = normalized_lines(text)
        kept = [line for line, h in zip(lines, hashes) if not self.lines.is_boilerplate(src, h)]
        return self.preparer.prepare(kept or lines, hashes)

    def _rep_sample(self, rep: int) -> np.ndarray:
        pending = self._pending_samples.get(rep)
        if pending is not None:
            return pending
        assert self._reader is not None
        return self._reader.read(int(self._rep_soff.a[rep]), int(self._rep_slen.a[rep]))

    def _best_match(self, prepared: dict) -> tuple[int, float] | None:
        reps, shared = self._index.query(prepared["keys"])
        if reps.size == 0:
            return None
        alive = self._rep_alive.a[reps]
        reps, shared = reps[alive], shared[alive]
        if self.prefilter > 0 and reps.size:
            # estimated Jaccard from the signature heads: drops the chance band collisions of
            # unrelated texts before the exact (and slower) verification
            est = (self._rep_sig[reps] == prepared["sig"][None, : self.prefilter_perm]).mean(axis=1)
            keep = est >= self.prefilter
            reps, shared = reps[keep], shared[keep]
        if reps.size > self.max_candidates:
            order = np.lexsort((reps, -shared))[: self.max_candidates]
            reps = reps[order]
        best: tuple[float, int] | None = None
        mine = prepared["sample"]
        for rep in sorted(reps.tolist()):
            theirs = self._rep_sample(rep)
            full, prefix = similarity(mine, theirs, self.prefix_slack)
            sim = full if prefix < self.threshold + self.prefix_margin else max(full, prefix)
            if sim < self.threshold or (best is not None and sim <= best[0]):
                continue
            if coverage(mine, theirs, self.segments, self.seg_min) >= self.min_coverage:
                best = (sim, rep)
        if best is None:
            return None
        return int(self._rep_slot.a[best[1]]), best[0]

    def _touch(self, cluster_id: str, ts: float) -> int:
        """The cluster's number (a new one for a cluster not in the index); a member stored at
        ``ts`` keeps the whole cluster in the window until ts + window."""
        c = self._cl_of.get(cluster_id)
        if c is None:
            c = self._cl_of[cluster_id] = self._cl_ts.append(ts)
        elif ts > self._cl_ts.a[c]:
            self._cl_ts.a[c] = ts
        return c

    def _insert(self, a: Assignment, ts: float, prepared: dict, source: str | None) -> None:
        slot = len(self._ids)
        self._slot[a.doc_id] = slot
        self._ids.append(a.doc_id)
        self._cluster.append(a.cluster_id)
        self._dup.append(a.duplicate_of)
        self._sim.append(a.similarity)
        self._ts.append(ts)
        self._cnum.append(self._touch(a.cluster_id, ts))
        self._alive += 1
        self.lines.record(source or "", prepared["line_hashes"], a.cluster_id)
        exact = 0
        rep = -1
        if prepared["short"]:
            exact = prepared["exact"]
            if exact:
                self._exact.setdefault(exact, slot)
        elif self._becomes_rep(a, prepared["sample"].size):
            rep = self._rep_slot.append(slot)
            self._rep_alive.append(True)
            self._rep_ford.append(self._gen_reps)
            if rep >= self._rep_sig.shape[0]:
                extra = grown(self._rep_sig.shape[0]) - self._rep_sig.shape[0]
                self._rep_sig = np.concatenate([self._rep_sig, np.zeros((extra, self.prefilter_perm), np.uint32)])
            self._rep_sig[rep] = prepared["sig"][: self.prefilter_perm]
            self._gen_reps += 1
            smp = prepared["sample"]
            self._rep_soff.append(self._samples_len)
            self._rep_slen.append(smp.size)
            self._samples_len += smp.size
            self._pending_samples[rep] = smp
            self._index.add(prepared["keys"], rep)
            if a.duplicate_of is not None:
                self._cluster_reps.setdefault(a.cluster_id, []).append(rep)
        self._rep_of_slot.append(rep)
        self._exact_of_slot.append(exact)
        if self._app is not None:
            self._journal(a, ts, prepared, rep, exact)

    def _becomes_rep(self, a: Assignment, size: int) -> bool:
        if a.duplicate_of is None:
            return True
        founder = self._slot.get(a.cluster_id)
        reps = list(self._cluster_reps.get(a.cluster_id, []))
        if founder is not None and self._rep_of_slot.a[founder] >= 0:
            reps.append(int(self._rep_of_slot.a[founder]))
        reps = [r for r in reps if self._rep_alive.a[r]]
        if len(reps) >= self.max_reps:
            return False
        longest = max((int(self._rep_slen.a[r]) for r in reps), default=0)
        return size > longest * self.rep_growth

    # ---------------------------------------------------------------- window

    def _maybe_sweep(self) -> None:
        if self.window is None or self._newest is None:
            return
        # sweep when the horizon has moved by 1 % of the window since the last sweep
        if self._swept_at is not None and self._newest - self._swept_at < self.window / 100:
            return
        self._swept_at = self._newest
        horizon = self._newest - self.window
        # a document leaves with its cluster: when no member was stored after the horizon
        dead = np.nonzero(self._cl_ts.a[self._cnum.view()] < horizon)[0]
        for slot in dead.tolist():
            doc_id = self._ids[slot]
            if doc_id is None:
                continue
            self._evict(slot)

    def _evict(self, slot: int) -> None:
        doc_id = self._ids[slot]
        del self._slot[doc_id]  # type: ignore[arg-type]
        self._ids[slot] = None
        self._ts.a[slot] = np.inf
        c = int(self._cnum.a[slot])
        self._cnum.a[slot] = 0  # never swept again
        if c and self._cl_of.get(self._cluster[slot]) == c:
            del self._cl_of[self._cluster[slot]]
        self._alive -= 1
        rep = int(self._rep_of_slot.a[slot])
        if rep >= 0:
            self._rep_alive.a[rep] = False
            self._pending_samples.pop(rep, None)
            if self._cluster[slot] == doc_id:
                self._cluster_reps.pop(doc_id, None)  # type: ignore[arg-type]
        exact = int(self._exact_of_slot.a[slot])
        if exact and self._exact.get(exact) == slot:
            del self._exact[exact]
