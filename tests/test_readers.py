"""The corpus promise: ordinary tools read it unchanged. A corpus crawled in several runs (the first
part holds no copies, so `duplicate_of` is null throughout it) is read by DuckDB, pyarrow.dataset,
pandas, polars, HuggingFace datasets (parquet data files, and the corpus directory itself through
its dataset card) and storage.Corpus: the same rows and ids from each, ids strings everywhere. Read
through its card, a corpus gives its own current rows: not another corpus' in a folder of the same
name, not its own from before it grew or lost a document (one HuggingFace cache for both reads)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from copydesk.demo import DemoWorld
from copydesk.storage import Corpus, CorpusWriter, Record, read_part
from tests.run_cli import copydesk

ROOT = Path(__file__).resolve().parent.parent


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


def test_hf_datasets_two_corpora_in_folders_of_the_same_name(corpus, expected, tmp_path):
    """Two corpora, each in a folder named `corpus` (the README's default) at a different path, read
    one after the other with one HuggingFace cache, each the README's way (`load_dataset(<corpus>,
    split="train")`, and the `stories` configuration): each gives its own rows. `datasets` names its
    cache after the folder's name and the card's configurations, not the path or the files."""
    other = tmp_path / "elsewhere" / "corpus"
    with DemoWorld() as world:
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(world.config_toml(str(other)))
        r = copydesk("crawl", "-c", cfg, "--source", "wire")
        assert r.returncode == 0, r.stderr[-3000:]
    others = sorted(r["id"] for r in Corpus(other).documents())
    assert other.name == corpus.name and others and others != expected
    for path, ids in ((corpus, expected), (other, others)):
        r = _hf(f"""
from datasets import load_dataset
print(" ".join(load_dataset({str(path)!r}, "stories", split="train")["story_id"]))
print("\\n".join(repr(i) for i in load_dataset({str(path)!r}, split="train")["id"]))
""", path, tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
        stories, docs = r.stdout.split("\n", 1)
        check([eval(x) for x in docs.split()], ids)
        own = pq.read_table(path / "stories" / "stories.parquet")["story_id"].to_pylist()
        assert sorted(stories.split()) == sorted(own)


def _read_three_ways(root: Path, tmp: Path) -> list[int]:
    """Row counts of the README's `parquet` form, the card with streaming=True and the card (cached)."""
    r = _hf(f"""
from datasets import load_dataset
files = load_dataset("parquet", data_files="{root}/documents/*/*.parquet", split="train")
streamed = load_dataset("{root}", split="train", streaming=True)
card = load_dataset("{root}", split="train")
print(len(files), sum(1 for _ in streamed), len(card))
""", root, tmp)
    assert r.returncode == 0, r.stderr[-3000:]
    return [int(x) for x in r.stdout.split()]


def test_hf_datasets_reading_a_corpus_that_grows_between_two_reads(corpus, expected, tmp_path):
    """One HuggingFace cache, two reads, a part written in between by copydesk's writer (as `serve`
    writes them): all three forms of README "Reading it" see the new part."""
    grow = tmp_path / "growing" / "corpus"
    parts = Corpus(corpus).part_files()
    writer = CorpusWriter(grow, worker="t")

    def add(paths: list[Path]) -> None:
        for p in paths:
            for rec in read_part(p):
                writer.add(Record(**rec))
        writer.flush()

    add(parts[:-1])
    first_rows = sum(pq.read_metadata(p).num_rows for p in parts[:-1])
    assert _read_three_ways(grow, tmp_path) == [first_rows] * 3
    add(parts[-1:])
    assert _read_three_ways(grow, tmp_path) == [len(expected)] * 3 and len(expected) > first_rows


def test_hf_datasets_reading_a_corpus_after_a_takedown(corpus, expected, tmp_path):
    """One HuggingFace cache, two reads of the card, `copydesk delete` in between (README's
    command): the second read no longer has the deleted document."""
    copy = tmp_path / "copy" / "corpus"
    shutil.copytree(corpus, copy)
    assert _read_three_ways(copy, tmp_path) == [len(expected)] * 3
    gone = next(Corpus(copy).documents())
    r = copydesk("delete", "--corpus", copy, "--url", gone["url"], "--reason", "test")
    assert r.returncode == 0, r.stderr[-3000:]
    assert _read_three_ways(copy, tmp_path) == [len(expected) - 1] * 3


def test_the_card_follows_the_files_and_a_card_of_ones_own_is_left_alone(corpus, tmp_path):
    """An old card (written once, no states) is brought up to date by the next write; a flush that
    adds a part changes the documents' state; a card whose pretty_name is not copydesk's is kept."""
    from copydesk.storage.corpus import CARD_HEAD

    ours, mine = tmp_path / "ours", tmp_path / "mine"
    old_card = CARD_HEAD + "configs:\n- config_name: documents\n  default: true\n---\nold\n"
    own_card = "---\npretty_name: my news\n---\nmine\n"
    for root, card in ((ours, old_card), (mine, own_card)):
        root.mkdir()
        (root / "README.md").write_text(card)
        w = CorpusWriter(root, worker="t")
        for rec in read_part(Corpus(corpus).part_files()[0]):
            w.add(Record(**rec))
        w.flush()
    assert (mine / "README.md").read_text() == own_card
    card = (ours / "README.md").read_text()
    assert card.startswith(CARD_HEAD) and '  description: "1 file(s), state ' in card
    w = CorpusWriter(ours, worker="t")
    w.add(Record(**next(read_part(Corpus(corpus).part_files()[-1]))))
    w.flush()
    after = (ours / "README.md").read_text()
    assert '  description: "2 file(s), state ' in after
    assert after.split("- config_name: stories")[1] != card.split("- config_name: stories")[1], "stories follow"


def test_storage_corpus(corpus, expected):
    c = Corpus(corpus)
    check([r["id"] for r in c.documents()], expected)
    assert len(c) == len(expected) and c.table().num_rows == len(expected)
