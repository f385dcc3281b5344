"""An index directory: loading, journaling, committing and compacting a Deduper's state (layout and
commit rule: persist.py).

Shape: ``IndexFiles`` is a component the Deduper holds (``Deduper._files``, None in memory), not a
mixin. It owns everything about the files (generation, committed lengths, commit counter, the
append journal, the sample reader, the saved band-table snapshot) and sees the Deduper's columns
only as the typed ``IndexState`` it is handed: it fills one on load, journals one document as it is
inserted, and writes one at commit and compaction. The matching rules stay in clusters.py and
never touch a file, so a second backend replaces this module and state.py, not the rules' callers.
"""
from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from . import persist
from .boilerplate import LineTable
from .columns import Column
from .model import Assignment, Sketch
from .state import IndexState


class IndexFiles:
    """The files of one index directory (see persist.py for the layout)."""

    def __init__(self, path: Path, params: dict[str, Any], num_perm: int) -> None:
        self.path = path
        self.params = params
        self.num_perm = num_perm
        self._gen = 0
        self._commits = 0
        self._lengths: dict[str, int] = {}
        self._app: persist.Appender | None = None
        self._reader: persist.SampleReader | None = None
        self._index_saved: dict | None = None  # the band-table snapshot CURRENT.json refers to

    def _gen_dir(self, gen: int) -> Path:
        return self.path / f"g{gen:06d}"

    def read_sample(self, offset: int, count: int) -> np.ndarray:
        assert self._reader is not None
        return self._reader.read(offset, count)

    # ---------------------------------------------------------------- open, load

    def open(self, state: IndexState, lines: LineTable, window: float | None) -> None:
        """Create the directory's first generation, or load its last commit into ``state`` (empty)
        and ``lines``; raises persist.IndexMismatch for an index of other parameters."""
        self._close_reader()
        self._index_saved = None
        self.path.mkdir(parents=True, exist_ok=True)
        cur = persist.read_current(self.path)
        if cur is None:
            self._gen = 1
            self._commits = 0
            self._lengths = {name: 0 for name in persist.FILES}
            self._gen_dir(self._gen).mkdir(exist_ok=True)
            for name in persist.FILES:
                persist.truncate_to(self._gen_dir(self._gen) / name, 0)
            self._app = persist.Appender(self._gen_dir(self._gen))
            self.commit(state, lines)
            return
        persist.check_params(cur["params"], self.params, self.path)
        self._gen, self._commits, self._lengths = cur["generation"], cur["commits"], cur["lengths"]
        self._load(cur, state, lines, window)
        self._app = persist.Appender(self._gen_dir(self._gen))

    def _load(self, cur: dict, s: IndexState, lines: LineTable, window: float | None) -> None:
        gdir = self._gen_dir(self._gen)
        for name in persist.FILES:  # drop anything written after the last commit
            persist.truncate_to(gdir / name, self._lengths[name])
        s.newest = cur.get("newest")
        s.note = cur.get("note")
        li = cur["lines"]
        rows = np.load(gdir / li["file"]) if (gdir / li["file"]).exists() else np.empty((0, 5), np.uint64)
        lines.load_arrays(li["sources"], rows, li["clock"])
        docs = persist.read_array(gdir / "docs.bin", persist.DOC, self._lengths["docs.bin"])
        with open(gdir / "ids.jsonl", "rb") as fh:
            # one json.loads over the whole file (as one array) is several times faster than a call per line
            rows = json.loads(b"[" + b",".join(fh.read(self._lengths["ids.jsonl"]).splitlines()) + b"]")
        horizon = -np.inf if (window is None or s.newest is None) else s.newest - window
        is_rep = (docs["flags"] & persist.FLAG_REP) != 0
        # a document stays while its cluster does: while some member was stored after the horizon
        cl_of: dict[str, int] = {}
        cnum_all = np.fromiter((cl_of.setdefault(r[1], len(cl_of) + 1) for r in rows), dtype=np.int32, count=len(rows))
        cl_ts = np.full(len(cl_of) + 1, -np.inf)
        cl_ts[0] = np.inf
        np.maximum.at(cl_ts, cnum_all, docs["ts"])
        alive = cl_ts[cnum_all] >= horizon
        alive_idx = np.nonzero(alive)[0]
        n = alive_idx.size
        slot_of_doc = np.cumsum(alive) - 1
        # representatives keep their file ordinal as their number (evicted ones stay as dead
        # entries until compaction), so a saved band index stays valid across restarts
        rep_docs = np.nonzero(is_rep)[0]
        nrep = rep_docs.size
        rep_alive = alive[rep_docs]
        sims = docs["sim"]
        if alive_idx.size != len(rows):
            rows = [rows[i] for i in alive_idx.tolist()]
        s.ids = [r[0] for r in rows]
        s.cluster = [r[0] if r[1] == r[0] else r[1] for r in rows]  # a founder's two ids: one string
        s.dup = [r[2] for r in rows]
        del rows
        s.slot = {doc_id: slot for slot, doc_id in enumerate(s.ids)}  # type: ignore[misc]
        s.sim = [None if math.isnan(x) else x for x in sims[alive_idx].astype(np.float64).tolist()]
        s.alive = len(s.ids)
        s.ts = Column.filled(np.float64, docs["ts"][alive_idx], n)
        s.cnum = Column.filled(np.int32, cnum_all[alive_idx], n)
        s.cl_ts = Column.filled(np.float64, cl_ts, cl_ts.size)
        del cl_of, cnum_all
        # keyed by the strings s.cluster holds (a founder's id is one string, not two)
        s.cl_of = dict(zip(s.cluster, s.cnum.view().tolist()))
        s.exact_of_slot = Column.filled(np.uint64, docs["exact"][alive_idx], n)
        for slot, e in enumerate(s.exact_of_slot.view().tolist()):
            if e:
                s.exact.setdefault(e, slot)
        rep_slot = np.where(rep_alive, slot_of_doc[rep_docs], -1)
        s.rep_slot = Column.filled(np.int32, rep_slot, nrep)
        s.rep_soff = Column.filled(np.int64, docs["soff"][rep_docs], nrep)
        s.rep_slen = Column.filled(np.int32, docs["slen"][rep_docs], nrep)
        s.rep_alive = Column.filled(np.bool_, rep_alive, nrep)
        s.rep_ford = Column.filled(np.int64, np.arange(nrep), nrep)
        s.gen_reps = nrep
        of_slot = np.full(n, -1, dtype=np.int32)
        of_slot[rep_slot[rep_alive]] = np.nonzero(rep_alive)[0]
        s.rep_of_slot = Column.filled(np.int32, of_slot, n)
        sigs = persist.read_array(gdir / "sigs.u32", np.dtype("<u4"), self._lengths["sigs.u32"], mmap=True)
        prefilter_perm = s.rep_sig.shape[1]
        s.rep_sig = np.zeros((max(nrep, 1024), prefilter_perm), dtype=np.uint32)
        if nrep:
            s.rep_sig[:nrep] = sigs.reshape(-1, self.num_perm)[:, :prefilter_perm]
        del sigs
        self._load_index(cur, gdir, s, nrep, rep_alive)
        for rep in np.nonzero(rep_alive)[0].tolist():
            slot = int(rep_slot[rep])
            if s.dup[slot] is not None:
                s.cluster_reps.setdefault(s.cluster[slot], []).append(rep)
        s.samples_len = self._lengths["samples.u32"] // 4
        self._remap_samples(s)

    def _load_index(self, cur: dict, gdir: Path, s: IndexState, nrep: int, rep_alive: np.ndarray) -> None:
        """The band tables: the saved sorted snapshot (written at close) when there is one, plus the
        representatives inserted after it; otherwise built from bands.u32."""
        nk = s.index.nbands
        saved = cur.get("index")
        start = 0
        levels = []
        saved_levels = (saved or {}).get("levels") or []
        if saved_levels and saved["reps"] <= nrep and all((gdir / f).exists() for lv in saved_levels for f in lv):
            for keys_file, items_file in saved_levels:
                levels.append((np.fromfile(gdir / keys_file, dtype="<u8"), np.fromfile(gdir / items_file, dtype="<i4")))
            start = saved["reps"]
        if nrep > start:
            keys = persist.read_array(gdir / "bands.u32", np.dtype("<u4"), self._lengths["bands.u32"], mmap=True)
            keys = keys.reshape(-1, nk)[start:nrep]
            live = np.nonzero(rep_alive[start:])[0]
            if live.size:
                levels.append(s.index._run(np.asarray(keys[live]), (live + start).astype(np.int32)))
            del keys
        s.index.set_levels(levels)
        self._index_saved = saved if start else None

    # ---------------------------------------------------------------- journal, commit

    def journal(self, a: Assignment, ts: float, sketch: Sketch, exact: int, rep_sample: tuple[int, int] | None) -> None:
        """Queue one inserted document's records for the next commit; ``rep_sample``: (offset,
        length) of its sample in samples.u32 when it became a representative."""
        assert self._app is not None
        rec = np.zeros(1, dtype=persist.DOC)
        rec["ts"] = ts
        rec["sim"] = np.nan if a.similarity is None else a.similarity
        rec["flags"] = (persist.FLAG_REP if rep_sample is not None else 0) | (persist.FLAG_SHORT if sketch.short else 0)
        rec["exact"] = exact
        if rep_sample is not None:
            rec["soff"], rec["slen"] = rep_sample
            self._app.append("bands.u32", sketch.band_keys.astype("<u4").tobytes())
            self._app.append("sigs.u32", sketch.signature.astype("<u4").tobytes())
            self._app.append("samples.u32", sketch.sample.astype("<u4").tobytes())
        self._app.append("docs.bin", rec.tobytes())
        line = json.dumps([a.doc_id, a.cluster_id, a.duplicate_of], ensure_ascii=False) + "\n"
        self._app.append("ids.jsonl", line.encode("utf-8"))

    def flush(self, s: IndexState, lines: LineTable) -> None:
        """Append the journal, commit, and read samples from the file from now on."""
        assert self._app is not None
        self._app.write()
        self.commit(s, lines)
        self._remap_samples(s)

    def close(self, s: IndexState, lines: LineTable) -> None:
        """Append the journal, commit with a band-table snapshot (a fast next start), release the files."""
        assert self._app is not None
        self._app.write()
        self.commit(s, lines, save_index=True)
        self._close_reader()
        self._app = None

    def commit(self, s: IndexState, lines: LineTable, save_index: bool = False) -> None:
        gdir = self._gen_dir(self._gen)
        lengths = {name: (gdir / name).stat().st_size for name in persist.FILES}
        self._commits += 1
        sources, rows, clock = lines.to_arrays()
        lines_name = f"lines-{self._commits:08d}.npy"
        with open(gdir / lines_name, "wb") as fh:
            np.save(fh, rows)
            fh.flush()
            os.fsync(fh.fileno())
        persist.fsync_dir(gdir)
        if save_index:
            self._index_saved = self._save_index(s)
        index = self._index_saved
        keep = {lines_name} | {f for lv in (index["levels"] if index else []) for f in lv}
        old = [p for p in list(gdir.glob("lines-*.npy")) + list(gdir.glob("index-*")) if p.name not in keep]
        persist.write_json_atomic(self.path / "CURRENT.json", {
            "params": self.params, "generation": self._gen, "commits": self._commits, "lengths": lengths,
            "newest": s.newest, "lines": {"file": lines_name, "sources": sources, "clock": clock},
            "documents": s.alive, "index": index, "note": s.note,
        })
        self._lengths = lengths
        for p in old:
            p.unlink(missing_ok=True)

    def _remap_samples(self, s: IndexState) -> None:
        path = self._gen_dir(self._gen) / "samples.u32"
        if self._reader is None or self._reader.path != path:
            self._close_reader()
            self._reader = persist.SampleReader(path)
        s.pending_samples.clear()

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _save_index(self, s: IndexState) -> dict | None:
        """Write the band tables' sorted levels (at close): the next start-up reads them instead of
        sorting. Returns their CURRENT.json entry."""
        gdir = self._gen_dir(self._gen)
        files = []
        for k, (keys, items) in enumerate(s.index.snapshot()):
            name = f"index-{self._commits:08d}-{k}"
            for suffix, arr in ((".keys.u64", keys), (".items.i32", items)):
                with open(gdir / (name + suffix), "wb") as fh:
                    arr.tofile(fh)
                    fh.flush()
                    os.fsync(fh.fileno())
            files.append([name + ".keys.u64", name + ".items.i32"])
        return {"levels": files, "reps": s.gen_reps}

    # ---------------------------------------------------------------- compaction

    def compact(self, s: IndexState, lines: LineTable) -> None:
        """Rewrite the live documents of ``s`` into a new generation and commit it; the caller then
        reloads (``open``) into a fresh state: files and columns shrink back to the window."""
        old_dir = self._gen_dir(self._gen)
        nk = s.index.nbands
        old_keys = persist.read_array(old_dir / "bands.u32", np.dtype("<u4"), self._lengths["bands.u32"], mmap=True).reshape(-1, nk)
        old_sigs = persist.read_array(old_dir / "sigs.u32", np.dtype("<u4"), self._lengths["sigs.u32"], mmap=True).reshape(-1, self.num_perm)
        live = [slot for slot, doc_id in enumerate(s.ids) if doc_id is not None]
        rec = np.zeros(len(live), dtype=persist.DOC)
        idx = np.array(live, dtype=np.int64)
        rec["ts"] = s.ts.a[idx]
        rec["sim"] = [np.nan if s.sim[i] is None else s.sim[i] for i in live]
        rec["exact"] = s.exact_of_slot.a[idx]
        reps = s.rep_of_slot.a[idx]
        rec["flags"] = np.where(reps >= 0, persist.FLAG_REP, 0) | np.where(rec["exact"] != 0, persist.FLAG_SHORT, 0)
        rep_list = reps[reps >= 0]
        samples = [s.sample(int(r), self.read_sample) for r in rep_list]
        lens = np.array([x.size for x in samples], dtype=np.int64)
        offs = np.concatenate([[0], np.cumsum(lens)[:-1]]) if lens.size else lens
        rec["soff"][reps >= 0] = offs
        rec["slen"][reps >= 0] = lens
        ford = s.rep_ford.a[rep_list]
        new_gen = self._gen + 1
        gdir = self._gen_dir(new_gen)
        gdir.mkdir(exist_ok=True)
        blobs = {
            "docs.bin": rec.tobytes(),
            "ids.jsonl": "".join(json.dumps([s.ids[i], s.cluster[i], s.dup[i]], ensure_ascii=False) + "\n"
                                 for i in live).encode("utf-8"),
            "bands.u32": np.ascontiguousarray(old_keys[ford]).tobytes(),
            "sigs.u32": np.ascontiguousarray(old_sigs[ford]).tobytes(),
            "samples.u32": (np.concatenate(samples) if samples else np.empty(0, np.uint32)).astype("<u4").tobytes(),
        }
        for name, data in blobs.items():
            with open(gdir / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        del old_keys, old_sigs
        self._gen = new_gen
        self._index_saved = None
        self.commit(s, lines)  # the commit point: from here on the new generation is the index
        shutil.rmtree(old_dir, ignore_errors=True)
