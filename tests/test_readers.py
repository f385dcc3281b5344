"""The corpus promise: ordinary tools read it unchanged. A corpus crawled in several runs (the first
part holds no copies, so `duplicate_of` is null throughout it) is read by DuckDB, pyarrow.dataset,
pandas, polars, HuggingFace datasets (parquet data files, and the corpus directory itself through
its dataset card) and storage.Corpus: the same rows and ids from each, ids strings everywhere."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from copydesk.demo import DemoWorld
from copydesk.storage import Corpus

ROOT = Path(__file__).resolve().parent.parent


def copydesk(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "copydesk.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("readers")
    with DemoWorld() as world:
        cfg = d / "copydesk.toml"
        cfg.write_text(world.config_toml(str(d / "corpus")))
        for args in (["--source", "wire"], [], None):
            if args is None:
                world.publish_more()
                args = []
            r = copydesk("crawl", "-c", cfg, *args)
            assert r.returncode == 0, r.stderr[-3000:]
    return d / "corpus"


@pytest.fixture(scope="module")
def expected(corpus) -> list[str]:
    parts = Corpus(corpus).part_files()
    assert len(parts) >= 3, "several runs, several parts"
    first = pq.read_table(parts[0])
    assert first.column("duplicate_of").null_count == first.num_rows, "the first part holds no copies"
    assert any(pq.read_table(p).column("duplicate_of").null_count < pq.read_table(p).num_rows for p in parts)
    ids = [r["id"] for r in Corpus(corpus).documents()]
    assert len(ids) == len(set(ids)) > 20
    return sorted(ids)


def check(ids: list, expected: list[str]) -> None:
    assert all(type(i) is str for i in ids), "ids stay strings"
    assert sorted(ids) == expected


def test_duckdb(corpus, expected):
    import duckdb

    rel = duckdb.sql(f"select id, date, duplicate_of, published, authors "
                     f"from read_parquet('{corpus}/documents/**/*.parquet', hive_partitioning=true)")
    rows = rel.fetchall()
    check([r[0] for r in rows], expected)
    types = dict(zip(rel.columns, map(str, rel.types)))
    assert types["published"].startswith("TIMESTAMP WITH TIME ZONE") and types["authors"] == "VARCHAR[]"


def test_pyarrow_dataset(corpus, expected):
    import pyarrow.dataset as pads

    t = pads.dataset(corpus / "documents", format="parquet", partitioning="hive").to_table()
    check(t.column("id").to_pylist(), expected)
    assert str(t.schema.field("duplicate_of").type) == "string"


def test_pandas(corpus, expected):
    import pandas as pd

    df = pd.read_parquet(corpus / "documents")
    check(df["id"].tolist(), expected)
    assert str(df["published"].dtype).startswith("datetime64[us, UTC]")


def test_polars(corpus, expected):
    import polars as pl

    df = pl.read_parquet(f"{corpus}/documents/**/*.parquet", hive_partitioning=True)
    check(df["id"].to_list(), expected)
    assert df.schema["id"] == pl.String and df.schema["authors"] == pl.List(pl.String)


def _hf(code: str, corpus: Path, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp / "hf"),
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=corpus.parent, capture_output=True, text=True, timeout=300,
                          env=env)


def test_hf_datasets_parquet_files(corpus, expected, tmp_path):
    r = _hf(f"""
from datasets import load_dataset
ds = load_dataset("parquet", data_files="{corpus}/documents/*/*.parquet", split="train")
print("\\n".join(repr(i) for i in ds["id"]))
print(ds.features["published"], ds.features["duplicate_of"])
""", corpus, tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    check([eval(x) for x in lines[:-1]], expected)  # repr: a string prints quoted
    assert "timestamp[us, tz=UTC]" in lines[-1] and "string" in lines[-1]


def test_hf_datasets_corpus_directory_with_its_dataset_card(corpus, expected, tmp_path):
    assert (corpus / "README.md").read_text().startswith("---\npretty_name:")
    r = _hf(f"""
from datasets import load_dataset
ds = load_dataset("{corpus}", split="train")
print("\\n".join(repr(i) for i in ds["id"]))
""", corpus, tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    check([eval(x) for x in r.stdout.split()], expected)


def test_hf_datasets_reading_a_corpus_that_grows_between_two_reads(corpus, expected, tmp_path):
    """One HuggingFace cache, two reads, a part written in between (as `serve` writes them): the
    README's `parquet` form and the card with streaming=True see the new part; the card read
    without streaming is a snapshot of the first read (what README "Reading it" says)."""
    grow = tmp_path / "growing"
    grow.mkdir()
    shutil.copy(corpus / "README.md", grow / "README.md")
    parts = Corpus(corpus).part_files()

    def add(paths: list[Path]) -> None:
        for p in paths:
            dst = grow / p.relative_to(corpus)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, dst)

    code = f"""
from datasets import load_dataset
files = load_dataset("parquet", data_files="{grow}/documents/*/*.parquet", split="train")
streamed = load_dataset("{grow}", split="train", streaming=True)
card = load_dataset("{grow}", split="train")
print(len(files), sum(1 for _ in streamed), len(card))
"""
    add(parts[:-1])
    first_rows = sum(pq.read_metadata(p).num_rows for p in parts[:-1])
    r = _hf(code, grow, tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == [str(first_rows)] * 3
    add(parts[-1:])
    r = _hf(code, grow, tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    files, streamed, card = map(int, r.stdout.split())
    assert files == streamed == len(expected) > first_rows
    assert card == first_rows, "datasets now follows the files of a card-loaded folder: update README 'Reading it'"


def test_storage_corpus(corpus, expected):
    c = Corpus(corpus)
    check([r["id"] for r in c.documents()], expected)
    assert len(c) == len(expected) and c.table().num_rows == len(expected)
