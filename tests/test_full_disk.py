"""A corpus on a filesystem that fills up: a clear error naming the path, no partial part file,
nothing lost that was stored before, and the next run (with space again) completes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.demo.synth import page
from copydesk.storage import Corpus

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"),
                                reason="mounting a small tmpfs needs root (CI runs as root)")


def ingest(corpus: Path, src: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "copydesk.cli", "ingest", "--corpus", str(corpus), str(src)],
                          capture_output=True, text=True, timeout=300)


def test_disk_full(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(400):
        (pages / f"p{i:04d}.html").write_text(page(i, site="full", url=f"https://full.example/{i}.html"))
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(mnt)], check=True)
    try:
        corpus = mnt / "corpus"
        first = pages.parent / "first"
        first.mkdir()
        for f in sorted(pages.iterdir())[:50]:
            shutil.copy(f, first / f.name)
        assert ingest(corpus, first).returncode == 0
        stored_before = {d["id"] for d in Corpus(corpus).documents()}
        assert len(stored_before) == 50

        r = ingest(corpus, pages)
        assert r.returncode == 1
        assert "no space left" in r.stderr and str(corpus) in r.stderr
        visible = list(Corpus(corpus).documents())  # every visible part parses
        assert stored_before <= {d["id"] for d in visible}
        assert not list(corpus.rglob("*.partial")), "no temporary part file left behind"
        json.loads((corpus / "manifest.json").read_text())

        subprocess.run(["mount", "-o", "remount,size=20m", str(mnt)], check=True)
        r = ingest(corpus, pages)
        assert r.returncode == 0, r.stderr
        ids = [d["id"] for d in Corpus(corpus).documents()]
        assert len(ids) == len(set(ids)) == 400
        assert json.loads((corpus / "manifest.json").read_text())["documents"] == 400
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_state_store_full_disk_names_the_database(tmp_path):
    """SQLite's own "database or disk is full" (SQLITE_FULL) comes out of a checkpoint as ENOSPC naming
    the state database, so the CLI gives its one no-space line (with Parquet parts the state database
    is often what fills the disk first)."""
    import errno

    import pytest

    from copydesk.storage import StateStore

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)], check=True)
    try:
        state = StateStore(mnt / "state.sqlite3")
        free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
        (mnt / "filler").write_bytes(b"\0" * max(0, free - 48 * 1024))   # leave the database ~48 KB
        skipped = [(f"k{i:06d}", f"https://full.example/{i}.html" + "x" * 200, "offsite", "s") for i in range(5000)]
        with pytest.raises(OSError) as err:
            state.commit_checkpoint(skipped=skipped)
        assert err.value.errno == errno.ENOSPC and err.value.filename == str(mnt / "state.sqlite3")
        state.close()
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
