"""On-disk layout and the atomic commit of the dedup state.

    <path>/CURRENT.json          the commit point: parameters, generation, committed file lengths
    <path>/g<NNNNNN>/docs.bin    one fixed-size record per document (DOC dtype), append-only
    <path>/g<NNNNNN>/ids.jsonl   one JSON line per document: [doc_id, cluster_id, duplicate_of]
    <path>/g<NNNNNN>/bands.u32   LSH band keys of each representative (uint32 x bands)
    <path>/g<NNNNNN>/sigs.u32    MinHash signature of each representative (uint32 x num_perm)
    <path>/g<NNNNNN>/samples.u32 sampled shingle hashes of each representative, in text order
    <path>/g<NNNNNN>/lines-<k>.npy  the outlet-template line table at commit k

Files are only appended to. A flush appends, fsyncs, then replaces CURRENT.json atomically
(write a temporary file, fsync, os.replace, fsync the directory). Loading reads each file only up
to the length CURRENT.json records, so bytes written after the last commit (a flush killed
half-way) are ignored and truncated: a crash leaves the previous committed state or the new one.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 1
DOC = np.dtype([("ts", "<f8"), ("sim", "<f4"), ("flags", "u1"), ("exact", "<u8"),
                ("soff", "<i8"), ("slen", "<i4")])
FLAG_REP = 1
FLAG_SHORT = 2
FILES = ("docs.bin", "ids.jsonl", "bands.u32", "sigs.u32", "samples.u32")


class IndexMismatch(ValueError):
    """The index on disk was built with other parameters than the ones asked for."""


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_current(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / "CURRENT.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def check_params(stored: dict[str, Any], wanted: dict[str, Any], where: Path) -> None:
    diff = {k: (stored.get(k), v) for k, v in wanted.items() if stored.get(k) != v}
    if diff:
        detail = ", ".join(f"{k}: index has {a!r}, asked for {b!r}" for k, (a, b) in sorted(diff.items()))
        raise IndexMismatch(
            f"dedup index at {where} was built with other parameters ({detail}); signatures of different "
            "parameters cannot share an index: use the same settings, another path, or delete the index to rebuild it"
        )


def truncate_to(path: Path, length: int) -> None:
    if path.exists() and path.stat().st_size != length:
        with open(path, "r+b") as fh:
            fh.truncate(length)
    elif not path.exists():
        path.touch()


def read_array(path: Path, dtype: np.dtype | type, nbytes: int, mmap: bool = False) -> np.ndarray:
    count = nbytes // np.dtype(dtype).itemsize
    if count == 0:
        return np.empty(0, dtype=dtype)
    if mmap:
        return np.memmap(path, dtype=dtype, mode="r", shape=(count,))
    return np.fromfile(path, dtype=dtype, count=count)


class Appender:
    """Append-only files of one generation; `pending` bytes are written at flush."""

    def __init__(self, gen_dir: Path) -> None:
        self.dir = gen_dir
        self.pending: dict[str, list[bytes]] = {name: [] for name in FILES}

    def append(self, name: str, data: bytes) -> None:
        self.pending[name].append(data)

    def write(self) -> None:
        for name, chunks in self.pending.items():
            if not chunks:
                continue
            try:
                with open(self.dir / name, "ab") as fh:
                    fh.write(b"".join(chunks))
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as e:  # a full disk: name the file (the command line prints it)
                if e.filename:
                    raise
                raise OSError(e.errno, e.strerror, str(self.dir / name)) from e
            chunks.clear()


class SampleReader:
    """Reads representatives' samples from samples.u32 with pread: only the candidates' bytes are
    read, and page-cache pages are not mapped into the process (a memory map's fault-around would
    leave most of the file counted in the daemon's resident memory)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)

    def read(self, offset: int, count: int) -> np.ndarray:
        data = os.pread(self._fd, count * 4, offset * 4)
        return np.frombuffer(data, dtype="<u4").astype(np.uint32, copy=False)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
