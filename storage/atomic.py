"""Files that appear whole or not at all: write under a hidden temporary name, fsync, rename."""
from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".tmp-"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on success it is flushed, fsynced and renamed to ``path``.

    On any error the temporary file is removed and nothing appears at ``path``. The temporary
    name starts with '.tmp-' and ends in '.partial', so globs such as '*.jsonl' never see it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}-{threading.get_ident()}.partial")  # threads too
    f = open(tmp, "wb")
    try:
        yield f
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException as e:
        with contextlib.suppress(OSError):
            f.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(e, OSError) and not e.filename:
            raise OSError(e.errno, e.strerror, str(path)) from e  # name the file that could not be written
        raise


def write_atomic(path: Path, data: bytes) -> None:
    with atomic_file(path) as f:
        f.write(data)


def remove_leftovers(root: Path) -> list[Path]:
    """Delete temporary files left by a killed writer; returns what was removed."""
    removed = []
    if root.exists():
        for p in root.rglob(f"{TMP_PREFIX}*.partial"):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                removed.append(p)
    return removed
