"""Loading, flushing and compacting a Deduper's index directory (layout and commit rule: persist.py)."""
from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import persist
from .columns import Column as grow

if TYPE_CHECKING:
    from .clusters import Assignment


class DiskState:
    """Mixin of Deduper: everything that touches `self.path`."""

    path: Path | None
    _lengths: dict[str, int]
    _gen: int
    _commits: int
    _app: persist.Appender | None

    def _gen_dir(self: Any, gen: int) -> Path:
        assert self.path is not None
        return self.path / f"g{gen:06d}"

    def _open(self: Any) -> None:
        assert self.path is not None
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
            self._commit()
            return
        persist.check_params(cur["params"], self.params, self.path)
        self._gen, self._commits, self._lengths = cur["generation"], cur["commits"], cur["lengths"]
        self._load(cur)
        self._app = persist.Appender(self._gen_dir(self._gen))

    def _journal(self: Any, a: "Assignment", ts: float, prepared: dict, rep: int, exact: int) -> None:
        assert self._app is not None
        rec = np.zeros(1, dtype=persist.DOC)
        rec["ts"] = ts
        rec["sim"] = np.nan if a.similarity is None else a.similarity
        rec["flags"] = (persist.FLAG_REP if rep >= 0 else 0) | (persist.FLAG_SHORT if prepared["short"] else 0)
        rec["exact"] = exact
        if rep >= 0:
            rec["soff"] = self._rep_soff.a[rep]
            rec["slen"] = self._rep_slen.a[rep]
            self._app.append("bands.u32", prepared["keys"].astype("<u4").tobytes())
            self._app.append("sigs.u32", prepared["sig"].astype("<u4").tobytes())
            self._app.append("samples.u32", prepared["sample"].astype("<u4").tobytes())
        self._app.append("docs.bin", rec.tobytes())
        line = json.dumps([a.doc_id, a.cluster_id, a.duplicate_of], ensure_ascii=False) + "\n"
        self._app.append("ids.jsonl", line.encode("utf-8"))

    def _commit(self: Any, save_index: bool = False) -> None:
        assert self.path is not None
        gdir = self._gen_dir(self._gen)
        lengths = {name: (gdir / name).stat().st_size for name in persist.FILES}
        self._commits += 1
        sources, rows, clock = self.lines.to_arrays()
        lines_name = f"lines-{self._commits:08d}.npy"
        with open(gdir / lines_name, "wb") as fh:
            np.save(fh, rows)
            fh.flush()
            os.fsync(fh.fileno())
        persist.fsync_dir(gdir)
        if save_index:
            self._index_saved = self._save_index()
        index = self._index_saved
        keep = {lines_name} | {f for lv in (index["levels"] if index else []) for f in lv}
        old = [p for p in list(gdir.glob("lines-*.npy")) + list(gdir.glob("index-*")) if p.name not in keep]
        persist.write_json_atomic(self.path / "CURRENT.json", {
            "params": self.params, "generation": self._gen, "commits": self._commits, "lengths": lengths,
            "newest": self._newest, "lines": {"file": lines_name, "sources": sources, "clock": clock},
            "documents": self._alive, "index": index, "note": self._note,
        })
        self._lengths = lengths
        for p in old:
            p.unlink(missing_ok=True)

    def _remap_samples(self: Any) -> None:
        assert self.path is not None
        path = self._gen_dir(self._gen) / "samples.u32"
        if self._reader is None or self._reader.path != path:
            if self._reader is not None:
                self._reader.close()
            self._reader = persist.SampleReader(path)
        self._pending_samples.clear()

    def _compact(self: Any) -> None:
        """Rewrite the live documents into a new generation and reload from it: the files and the
        in-memory arrays shrink back to the documents inside the window."""
        assert self.path is not None
        old_dir = self._gen_dir(self._gen)
        nk = self.bands + self.lead_bands
        old_keys = persist.read_array(old_dir / "bands.u32", np.dtype("<u4"), self._lengths["bands.u32"], mmap=True).reshape(-1, nk)
        old_sigs = persist.read_array(old_dir / "sigs.u32", np.dtype("<u4"), self._lengths["sigs.u32"], mmap=True).reshape(-1, self.signer.num_perm)
        live = [slot for slot, doc_id in enumerate(self._ids) if doc_id is not None]
        rec = np.zeros(len(live), dtype=persist.DOC)
        idx = np.array(live, dtype=np.int64)
        rec["ts"] = self._ts.a[idx]
        rec["sim"] = [np.nan if self._sim[i] is None else self._sim[i] for i in live]
        rec["exact"] = self._exact_of_slot.a[idx]
        reps = self._rep_of_slot.a[idx]
        rec["flags"] = np.where(reps >= 0, persist.FLAG_REP, 0) | np.where(rec["exact"] != 0, persist.FLAG_SHORT, 0)
        rep_list = reps[reps >= 0]
        samples = [self._rep_sample(int(r)) for r in rep_list]
        lens = np.array([x.size for x in samples], dtype=np.int64)
        offs = np.concatenate([[0], np.cumsum(lens)[:-1]]) if lens.size else lens
        rec["soff"][reps >= 0] = offs
        rec["slen"][reps >= 0] = lens
        ford = self._rep_ford.a[rep_list]
        new_gen = self._gen + 1
        gdir = self._gen_dir(new_gen)
        gdir.mkdir(exist_ok=True)
        blobs = {
            "docs.bin": rec.tobytes(),
            "ids.jsonl": "".join(json.dumps([self._ids[i], self._cluster[i], self._dup[i]], ensure_ascii=False) + "\n"
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
        self._commit()  # the commit point: from here on the new generation is the index
        shutil.rmtree(old_dir, ignore_errors=True)
        lines_state = self.lines
        self._reset()
        self.lines = lines_state
        self._open()

    def _load(self: Any, cur: dict) -> None:
        gdir = self._gen_dir(self._gen)
        for name in persist.FILES:  # drop anything written after the last commit
            persist.truncate_to(gdir / name, self._lengths[name])
        self._newest = cur.get("newest")
        self._note = cur.get("note")
        li = cur["lines"]
        rows = np.load(gdir / li["file"]) if (gdir / li["file"]).exists() else np.empty((0, 5), np.uint64)
        self.lines.load_arrays(li["sources"], rows, li["clock"])
        docs = persist.read_array(gdir / "docs.bin", persist.DOC, self._lengths["docs.bin"])
        with open(gdir / "ids.jsonl", "rb") as fh:
            # one json.loads over the whole file (as one array) is several times faster than a call per line
            rows = json.loads(b"[" + b",".join(fh.read(self._lengths["ids.jsonl"]).splitlines()) + b"]")
        horizon = -np.inf if (self.window is None or self._newest is None) else self._newest - self.window
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
        self._ids = [r[0] for r in rows]
        self._cluster = [r[0] if r[1] == r[0] else r[1] for r in rows]  # a founder's two ids: one string
        self._dup = [r[2] for r in rows]
        del rows
        self._slot = {doc_id: slot for slot, doc_id in enumerate(self._ids)}
        self._sim = [None if math.isnan(x) else x for x in sims[alive_idx].astype(np.float64).tolist()]
        self._alive = len(self._ids)

        def column(dtype: type, values: np.ndarray, size: int) -> Any:
            c = grow(dtype, max(size, 1024))
            c.a[:size] = values
            c.n = size
            return c

        self._ts = column(np.float64, docs["ts"][alive_idx], n)
        self._cnum = column(np.int32, cnum_all[alive_idx], n)
        self._cl_ts = column(np.float64, cl_ts, cl_ts.size)
        del cl_of, cnum_all
        # keyed by the strings self._cluster holds (a founder's id is one string, not two)
        self._cl_of = dict(zip(self._cluster, self._cnum.view().tolist()))
        self._exact_of_slot = column(np.uint64, docs["exact"][alive_idx], n)
        for slot, e in enumerate(self._exact_of_slot.view().tolist()):
            if e:
                self._exact.setdefault(e, slot)
        rep_slot = np.where(rep_alive, slot_of_doc[rep_docs], -1)
        self._rep_slot = column(np.int32, rep_slot, nrep)
        self._rep_soff = column(np.int64, docs["soff"][rep_docs], nrep)
        self._rep_slen = column(np.int32, docs["slen"][rep_docs], nrep)
        self._rep_alive = column(np.bool_, rep_alive, nrep)
        self._rep_ford = column(np.int64, np.arange(nrep), nrep)
        self._gen_reps = nrep
        of_slot = np.full(n, -1, dtype=np.int32)
        of_slot[rep_slot[rep_alive]] = np.nonzero(rep_alive)[0]
        self._rep_of_slot = column(np.int32, of_slot, n)
        sigs = persist.read_array(gdir / "sigs.u32", np.dtype("<u4"), self._lengths["sigs.u32"], mmap=True)
        self._rep_sig = np.zeros((max(nrep, 1024), self.prefilter_perm), dtype=np.uint32)
        if nrep:
            self._rep_sig[:nrep] = sigs.reshape(-1, self.signer.num_perm)[:, : self.prefilter_perm]
        del sigs
        self._load_index(cur, gdir, nrep, rep_alive)
        for rep in np.nonzero(rep_alive)[0].tolist():
            slot = int(rep_slot[rep])
            if self._dup[slot] is not None:
                self._cluster_reps.setdefault(self._cluster[slot], []).append(rep)
        self._samples_len = self._lengths["samples.u32"] // 4
        self._remap_samples()

    def _load_index(self: Any, cur: dict, gdir: Path, nrep: int, rep_alive: np.ndarray) -> None:
        """The band tables: the saved sorted snapshot (written at close) when there is one, plus the
        representatives inserted after it; otherwise built from bands.u32."""
        nk = self.bands + self.lead_bands
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
                levels.append(self._index._run(np.asarray(keys[live]), (live + start).astype(np.int32)))
            del keys
        self._index.set_levels(levels)
        self._index_saved = saved if start else None

    def _save_index(self: Any) -> dict | None:
        """Write the band tables' sorted levels (at close): the next start-up reads them instead of
        sorting. Returns their CURRENT.json entry."""
        gdir = self._gen_dir(self._gen)
        files = []
        for k, (keys, items) in enumerate(self._index.snapshot()):
            name = f"index-{self._commits:08d}-{k}"
            for suffix, arr in ((".keys.u64", keys), (".items.i32", items)):
                with open(gdir / (name + suffix), "wb") as fh:
                    arr.tofile(fh)
                    fh.flush()
                    os.fsync(fh.fileno())
            files.append([name + ".keys.u64", name + ".items.i32"])
        return {"levels": files, "reps": self._gen_reps}
