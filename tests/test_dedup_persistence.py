"""The dedup index on disk: restart, mismatched parameters, interrupted flushes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from copydesk.dedup import Assignment, Deduper, IndexMismatch
from tests.fixtures.dedup import stories as S

REPO = Path(__file__).resolve().parents[1]


def test_index_comes_back_after_a_restart(tmp_path):
    with Deduper(tmp_path / "dedup") as d:
        first = d.add("h", S.text(S.HARBOUR), timestamp=1000.0, source="Gazette")
        d.add("o", S.text(S.ORCHARD), timestamp=1001.0)
        d.add("s", "Storm closes coast road. Police say it reopens Friday.", timestamp=1002.0)
    d2 = Deduper(tmp_path / "dedup")
    assert len(d2) == 3 and "h" in d2
    assert d2.add("h", "anything") == first
    assert d2.add("copy", S.reprint(S.HARBOUR), timestamp=1003.0).cluster_id == "h"
    assert d2.add("s2", "storm closes coast road police say it reopens friday", timestamp=1004.0).cluster_id == "s"
    d2.close()
    d3 = Deduper(tmp_path / "dedup")
    assert d3.assignment("copy") == Assignment("copy", "h", "h", d3.assignment("copy").similarity)
    assert d3.add("copy2", S.trimmed(S.HARBOUR, 0.5), timestamp=1005.0).cluster_id == "h"


def test_unflushed_additions_are_not_on_disk(tmp_path):
    d = Deduper(tmp_path)
    d.add("h", S.text(S.HARBOUR))
    d.flush()
    d.add("o", S.text(S.ORCHARD))  # never flushed
    again = Deduper(tmp_path)
    assert "h" in again and "o" not in again


def test_mismatched_parameters_are_refused(tmp_path):
    Deduper(tmp_path, num_perm=128).close()
    with pytest.raises(IndexMismatch, match="num_perm"):
        Deduper(tmp_path, num_perm=256)
    with pytest.raises(IndexMismatch, match="shingling"):
        Deduper(tmp_path, ngram=3)
    cur = json.loads((tmp_path / "CURRENT.json").read_text())
    cur["params"]["scheme"] = "legacy"
    (tmp_path / "CURRENT.json").write_text(json.dumps(cur))
    with pytest.raises(IndexMismatch, match="scheme"):
        Deduper(tmp_path)


def test_threshold_and_window_may_change_between_runs(tmp_path):
    Deduper(tmp_path, threshold=0.5).close()
    Deduper(tmp_path, threshold=0.6, window_days=7).close()


def test_window_survives_restart(tmp_path):
    day = 86400.0
    with Deduper(tmp_path, window_days=10) as d:
        d.add("old", S.text(S.HARBOUR), timestamp=0.0)
        d.add("new", S.text(S.ORCHARD), timestamp=20 * day)
    d2 = Deduper(tmp_path, window_days=10)
    assert "old" not in d2 and "new" in d2
    d2.restore(Assignment("old", "old", None, None), S.text(S.HARBOUR), timestamp=0.0)  # too old: ignored
    assert "old" not in d2


def test_torn_append_after_last_commit_is_ignored(tmp_path):
    with Deduper(tmp_path) as d:
        d.add("h", S.text(S.HARBOUR))
    gen = next(p for p in tmp_path.iterdir() if p.is_dir())
    for name in ("docs.bin", "ids.jsonl", "samples.u32", "bands.u32"):
        with open(gen / name, "ab") as fh:
            fh.write(b"\x07garbage-from-a-killed-flush")
    d2 = Deduper(tmp_path)
    assert len(d2) == 1
    assert d2.add("copy", S.reprint(S.HARBOUR)).cluster_id == "h"
    d2.close()
    assert len(Deduper(tmp_path)) == 2


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from copydesk.dedup import Deduper
    from tests.fixtures.dedup import stories as S
    d = Deduper({path!r}, window_days=None)
    k = 0
    while True:
        for _ in range(20):
            d.add(f"doc-{{k}}", S.filler_story(k, 300))
            k += 1
        d.flush()
        print(k, flush=True)
""")


def test_flush_killed_at_random_moments_leaves_a_loadable_index(tmp_path):
    path = tmp_path / "dedup"
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(repo=str(REPO), path=str(path))],
                            stdout=subprocess.PIPE, text=True)
    try:
        flushed = 0
        for _ in range(3):
            flushed = int(proc.stdout.readline())
        time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    d = Deduper(path, window_days=None)
    n = len(d)
    assert n >= flushed and n % 20 == 0
    assert all(f"doc-{k}" in d for k in range(n))
    assert d.add("doc-0", "x").cluster_id == "doc-0"
    d.add("after", S.text(S.HARBOUR))
    d.close()
    assert len(Deduper(path, window_days=None)) == n + 1


def test_evicted_documents_are_compacted_away(tmp_path):
    day = 86400.0
    d = Deduper(tmp_path, window_days=5, compact_min=10)
    for k in range(30):
        d.add(f"old-{k}", S.filler_story(k), timestamp=k * 60.0)
    d.add("h", S.text(S.HARBOUR), timestamp=10 * day)
    d.add("h-copy", S.reprint(S.HARBOUR), timestamp=10 * day + 1)
    d.flush()  # 30 evicted, 2 live: rewritten into a new generation
    gens = [p.name for p in tmp_path.iterdir() if p.is_dir()]
    assert gens == ["g000002"]
    assert len(d) == 2 and "old-3" not in d
    assert d.add("h-trim", S.trimmed(S.HARBOUR, 0.5), timestamp=10 * day + 2).cluster_id == "h"
    d.close()
    again = Deduper(tmp_path, window_days=5)
    assert len(again) == 3
    assert again.assignment("h-copy") == d.assignment("h-copy")
    assert again.add("h-ocr", S.ocr_noise(S.text(S.HARBOUR)), timestamp=10 * day + 3).cluster_id == "h"


def test_band_table_snapshot_written_at_close_is_used_and_extended(tmp_path):
    with Deduper(tmp_path) as d:
        d.add("h", S.text(S.HARBOUR), timestamp=100.0)
    assert json.loads((tmp_path / "CURRENT.json").read_text())["index"]["reps"] == 1
    d2 = Deduper(tmp_path)
    d2.add("o", S.text(S.ORCHARD), timestamp=101.0)
    d2.flush()  # not closed: the snapshot covers "h" only, "o" comes from bands.u32
    d3 = Deduper(tmp_path)
    assert d3.add("h2", S.reprint(S.HARBOUR), timestamp=102.0).cluster_id == "h"
    assert d3.add("o2", S.trimmed(S.ORCHARD, 0.6), timestamp=103.0).cluster_id == "o"
    d3.close()
    saved = json.loads((tmp_path / "CURRENT.json").read_text())["index"]
    files = sorted(p.name for p in next(p for p in tmp_path.iterdir() if p.is_dir()).glob("index-*"))
    assert files == sorted(f for level in saved["levels"] for f in level)
