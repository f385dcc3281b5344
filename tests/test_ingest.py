"""End to end without network: the demo world's pages as saved HTML -> `copydesk ingest` -> a corpus
that is checked record by record against the world's ground truth and read back with DuckDB,
pyarrow and the project's reader."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from copydesk.demo import DemoPage, DemoWorld
from copydesk.storage import Corpus
from truth import check_against_truth
from tests.run_cli import copydesk


@pytest.fixture(scope="module")
def world_pages(tmp_path_factory) -> tuple[Path, dict[str, DemoPage]]:
    d = tmp_path_factory.mktemp("pages")
    return d, DemoWorld().write_static(d)


@pytest.fixture(scope="module")
def ingested(world_pages, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    pages_dir, _ = world_pages
    corpus = tmp_path_factory.mktemp("c") / "corpus"
    r = copydesk("ingest", "--corpus", corpus, pages_dir)
    assert r.returncode == 0, r.stderr
    return corpus, r


def test_every_record_is_clean_and_correctly_grouped(ingested, world_pages):
    corpus, result = ingested
    _, pages = world_pages
    records = list(Corpus(corpus).documents())
    check_against_truth(records, list(pages.values()))

    n_stories = len({p.story for p in pages.values()})
    assert f"{n_stories}" in result.stdout and "ingest" in result.stdout  # the summary table
    manifest = json.loads((corpus / "manifest.json").read_text())
    assert manifest["documents"] == len(pages) and manifest["unique_documents"] == n_stories
    assert manifest["dedup"]["scheme"]


def test_readers_duckdb_and_pyarrow(ingested, world_pages):
    corpus, _ = ingested
    _, pages = world_pages
    import duckdb
    import pyarrow.dataset as pads

    glob = str(corpus / "documents" / "**" / "*.parquet")
    n, ids, dates, copies = duckdb.sql(
        f"select count(*), count(distinct id), count(distinct date), count(*) filter (where duplicate_of is not null)"
        f" from read_parquet('{glob}', hive_partitioning=true)").fetchall()[0]
    assert n == ids == len(pages) and dates >= 1
    assert copies == len(pages) - len({p.story for p in pages.values()})
    table = pads.dataset(str(corpus / "documents"), format="parquet", partitioning="hive").to_table()
    assert table.num_rows == len(pages)
    assert {"id", "text", "cluster_id", "duplicate_of", "date"} <= set(table.column_names)
    assert sorted(table.column("id").to_pylist()) == sorted(r["id"] for r in Corpus(corpus).documents())


def test_reingest_stores_nothing_new(ingested, world_pages):
    corpus, _ = ingested
    pages_dir, pages = world_pages
    before = sorted(p.name for p in (corpus / "documents").rglob("*.parquet"))
    r = copydesk("ingest", "--corpus", corpus, pages_dir)
    assert r.returncode == 0, r.stderr
    assert len(list(Corpus(corpus).documents())) == len(pages)
    assert sorted(p.name for p in (corpus / "documents").rglob("*.parquet")) == before
    assert f"already_stored {len(pages)}" in r.stdout


def test_copies_found_after_restart(world_pages, tmp_path):
    """Originals in one process, copies in the next: the persisted index still groups them."""
    pages_dir, pages = world_pages
    first, second = tmp_path / "originals", tmp_path / "copies"
    first.mkdir()
    second.mkdir()
    for name, page in pages.items():
        shutil.copy(pages_dir / name, (first if page.role == "original" else second) / name)
    corpus = tmp_path / "corpus"
    assert copydesk("ingest", "--corpus", corpus, first).returncode == 0
    originals = {r["id"]: r for r in Corpus(corpus).documents()}
    r = copydesk("ingest", "--corpus", corpus, second)
    assert r.returncode == 0, r.stderr
    truth = {p.path: p for p in pages.values()}
    story_of = {rid: truth[urlsplit(rec["url"]).path].story for rid, rec in originals.items()}
    new = [r for r in Corpus(corpus).documents() if r["id"] not in originals]
    assert len(new) == sum(p.role == "copy" for p in pages.values())
    for rec in new:
        assert rec["cluster_id"] in originals, f"copy not grouped with its stored original: {rec['url']}"
        assert story_of[rec["cluster_id"]] == truth[urlsplit(rec["url"]).path].story


def test_ingest_warc_and_bad_paths(ingested, tmp_path):
    """The raw WARC files the corpus keeps are themselves ingestible (re-extraction into a new corpus)."""
    corpus, _ = ingested
    warcs = sorted((corpus / "raw").rglob("*.warc.gz"))
    assert warcs
    r = copydesk("ingest", "--corpus", tmp_path / "again", *warcs)
    assert r.returncode == 0, r.stderr
    assert len(list(Corpus(tmp_path / "again").documents())) == len(list(Corpus(corpus).documents()))
    # each record comes back with its fetched_at to the microsecond (the WARC-Date keeps the fraction)
    before = {d["id"]: d["fetched_at"] for d in Corpus(corpus).documents()}
    after = {d["id"]: d["fetched_at"] for d in Corpus(tmp_path / "again").documents()}
    assert after == before and any(t.microsecond for t in before.values())
    r = copydesk("ingest", "--corpus", tmp_path / "x", tmp_path / "does-not-exist")
    assert r.returncode == 2 and "does-not-exist" in r.stderr
