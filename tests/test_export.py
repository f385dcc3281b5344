"""`copydesk export --format parquet|jsonl|csv [--since --until --source --unique-only] OUT`, read back by
DuckDB and the standard library, against what storage.Corpus holds."""
from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from copydesk.storage import Corpus, CorpusWriter, Record

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export") / "corpus"
    w = CorpusWriter(root, worker="t")
    n = 0
    for day in (18, 19, 20):
        for src in ("wire", "farm"):
            at = dt.datetime(2026, 11, day, 9, 30, 0, 123456 * (day % 2), tzinfo=UTC)
            for k in range(4):
                i = f"{n:016d}" if n % 3 else f"{n:04d}e{n:011d}"
                n += 1
                w.add(Record(id=i, url=f"https://{src}.example/{i}", source=src, site=f"{src}.example",
                             title=None if src == "farm" else f"Title, \"quoted\"\n{i}", text=f"Text of {i}.\nSecond line.",
                             published="2026-11-17T08:00:00+02:00" if k else None, fetched_at=at, language="en",
                             word_count=6, cluster_id=f"{k:016d}", duplicate_of=None if src == "wire" else f"{k:016d}",
                             similarity=None if src == "wire" else 0.87, authors=["A. Writer", "B"] if k % 2 else []),
                      b"", stored_at=at)
            w.flush()
    return root


def run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "copydesk.cli", "export", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def want(corpus: Path, pred=lambda r: True) -> list[dict]:
    return [r for r in Corpus(corpus).documents() if pred(r)]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_export_formats_round_trip(corpus, tmp_path, fmt):
    out = tmp_path / f"all.{fmt}"
    r = run("--corpus", corpus, "--format", fmt, out)
    assert r.returncode == 0, r.stderr
    expected = want(corpus)
    if fmt == "parquet":
        got = duckdb.sql(f"select * from read_parquet('{out}')").fetchall()
        cols = [c[0] for c in duckdb.sql(f"select * from read_parquet('{out}')").description]
        rows = [dict(zip(cols, g)) for g in got]
        assert [r["id"] for r in rows] == [e["id"] for e in expected]
        assert [r["fetched_at"] for r in rows] == [e["fetched_at"] for e in expected]
        assert [r["authors"] for r in rows] == [e["authors"] for e in expected]
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in rows] == [e["id"] for e in expected]
        assert all(isinstance(r["id"], str) for r in rows)
        assert rows[1]["published"] == "2026-11-17T06:00:00Z" and rows[0]["published"] is None
        assert {r["fetched_at"] for r in rows} >= {"2026-11-18T09:30:00Z", "2026-11-19T09:30:00.123456Z"}
        assert [r["title"] for r in rows] == [e["title"] for e in expected]
    else:
        with open(out, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [r["id"] for r in rows] == [e["id"] for e in expected]
        assert [r["title"] for r in rows] == [e["title"] or "" for e in expected], "quotes and newlines survive"
        assert [json.loads(r["authors"]) for r in rows] == [e["authors"] for e in expected]
        assert rows[1]["published"] == "2026-11-17T06:00:00Z"


def test_export_selection(corpus, tmp_path):
    out = tmp_path / "sel.parquet"
    r = run("--corpus", corpus, "--since", "2026-11-19", "--until", "2026-11-20", "--source", "farm", out)
    assert r.returncode == 0, r.stderr
    ids = [x[0] for x in duckdb.sql(f"select id from read_parquet('{out}')").fetchall()]
    lo, hi = dt.datetime(2026, 11, 19, tzinfo=UTC), dt.datetime(2026, 11, 20, tzinfo=UTC)
    assert ids == [e["id"] for e in want(corpus, lambda e: lo <= e["fetched_at"] < hi and e["source"] == "farm")]
    assert len(ids) == 4
    r = run("--corpus", corpus, "--unique-only", "--format", "jsonl", tmp_path / "u.jsonl")
    assert r.returncode == 0, r.stderr
    ids = [json.loads(line)["id"] for line in (tmp_path / "u.jsonl").read_text().splitlines()]
    assert ids == [e["id"] for e in want(corpus, lambda e: e["duplicate_of"] is None)] and len(ids) == 12


def test_export_bad_arguments_are_one_line(corpus, tmp_path):
    for args, msg in ((["--since", "last tuesday"], "--since"), (["--format", "xml"], "invalid choice"),
                      (["--since", "2026-11-20", "--until", "2026-11-19"], "before")):
        r = run("--corpus", corpus, *args, tmp_path / "x.parquet")
        assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr
    r = run("--corpus", corpus, tmp_path / "no" / "such" / "dir.parquet")
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = run("--corpus", tmp_path / "nothing-here", tmp_path / "x.parquet")
    assert r.returncode == 2 and "not a corpus" in r.stderr
    assert not (tmp_path / "x.parquet").exists()


def test_export_unknown_source_is_an_error(corpus, tmp_path):
    """A --source no record has (a typo) is exit status 2 naming it and the corpus's sources, no empty file."""
    out = tmp_path / "typo.jsonl"
    r = run("--corpus", corpus, "--format", "jsonl", "--source", "wire", "--source", "wier", out)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == ("copydesk: --source wier: no document of the corpus has this source "
                                "(its sources: farm, wire)")
    assert not out.exists()
    r = run("--corpus", corpus, "--format", "jsonl", "--source", "wire", out)  # a known one still works
    assert r.returncode == 0 and len(out.read_text().splitlines()) == 12
