"""End to end without network: the demo world's pages as saved HTML -> `copydesk ingest` -> a corpus
that is checked record by record against the world's ground truth and read back with DuckDB,
pyarrow and the project's reader."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import cleaning
from copydesk.demo import DemoPage, DemoWorld
from storage import Corpus


def copydesk(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "copydesk.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", cleaning.clean_text(s)).strip()


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


def by_path(records: list[dict], pages: dict[str, DemoPage]) -> dict[str, tuple[dict, DemoPage]]:
    truth = {p.path: p for p in pages.values()}
    out = {}
    for rec in records:
        path = urlsplit(rec["url"]).path
        assert path in truth, f"record for an unknown page: {rec['url']}"
        assert path not in out, f"page stored twice: {rec['url']}"
        out[path] = (rec, truth[path])
    return out


def test_every_record_is_clean_and_correctly_grouped(ingested, world_pages):
    corpus, result = ingested
    _, pages = world_pages
    records = list(Corpus(corpus).documents())
    matched = by_path(records, pages)
    assert len(matched) == len(pages), "every article page is stored exactly once"
    for rec, page in matched.values():
        lines = [_norm(x) for x in rec["text"].split("\n")]
        for b in page.boilerplate:
            assert _norm(b) not in lines, f"{page.outlet} {page.path}: boilerplate line kept: {b!r}"
        assert lines[0] != _norm(page.title), f"{page.path}: headline repeated as the first line of text"
        missing = [p for p in page.paragraphs if _norm(p) not in lines]
        assert not missing, f"{page.outlet} {page.path}: article paragraphs lost or merged: {missing[:2]}"
        assert rec["word_count"] == len(rec["text"].split())
        assert rec["title"] and rec["site"] == urlsplit(rec["url"]).hostname and rec["source"] == "ingest"
        for key in ("id", "url", "source", "site", "title", "text", "published", "fetched_at", "language",
                    "word_count", "cluster_id", "duplicate_of", "similarity", "authors", "canonical_url",
                    "description"):
            assert key in rec

    # clusters are exactly the stories; cluster_id is the first stored member; duplicate_of points back
    order = {rec["id"]: i for i, rec in enumerate(records)}
    clusters: dict[str, set[str]] = defaultdict(set)
    stories: dict[str, set[str]] = defaultdict(set)
    for rec, page in matched.values():
        clusters[rec["cluster_id"]].add(page.story)
        stories[page.story].add(rec["cluster_id"])
        if rec["duplicate_of"] is None:
            assert rec["cluster_id"] == rec["id"] and rec["similarity"] is None
        else:
            assert order[rec["duplicate_of"]] < order[rec["id"]]
            assert 0 < rec["similarity"] <= 1
    assert all(len(s) == 1 for s in clusters.values()), f"distinct stories merged: {[s for s in clusters.values() if len(s) > 1]}"
    assert all(len(c) == 1 for c in stories.values()), f"a story split: {[k for k, c in stories.items() if len(c) > 1]}"
    for cid in clusters:
        assert min((order[r["id"]] for r in records if r["cluster_id"] == cid)) == order[cid]

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

    glob = str(corpus / "documents" / "**" / "*.jsonl")
    n, ids, dates, copies = duckdb.sql(
        f"select count(*), count(distinct id), count(distinct date), count(*) filter (where duplicate_of is not null)"
        f" from read_json('{glob}', hive_partitioning=true)").fetchall()[0]
    assert n == ids == len(pages) and dates >= 1
    assert copies == len(pages) - len({p.story for p in pages.values()})
    table = pads.dataset(str(corpus / "documents"), format="json", partitioning="hive").to_table()
    assert table.num_rows == len(pages)
    assert {"id", "text", "cluster_id", "duplicate_of", "date"} <= set(table.column_names)
    assert sorted(table.column("id").to_pylist()) == sorted(r["id"] for r in Corpus(corpus).documents())


def test_reingest_stores_nothing_new(ingested, world_pages):
    corpus, _ = ingested
    pages_dir, pages = world_pages
    before = sorted(p.name for p in (corpus / "documents").rglob("*.jsonl"))
    r = copydesk("ingest", "--corpus", corpus, pages_dir)
    assert r.returncode == 0, r.stderr
    assert len(list(Corpus(corpus).documents())) == len(pages)
    assert sorted(p.name for p in (corpus / "documents").rglob("*.jsonl")) == before
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
        assert rec["duplicate_of"] in originals, f"copy not matched to its stored original: {rec['url']}"
        assert story_of[rec["cluster_id"]] == truth[urlsplit(rec["url"]).path].story


def test_ingest_warc_and_bad_paths(ingested, tmp_path):
    """The raw WARC files the corpus keeps are themselves ingestible (re-extraction into a new corpus)."""
    corpus, _ = ingested
    warcs = sorted((corpus / "raw").rglob("*.warc.gz"))
    assert warcs
    r = copydesk("ingest", "--corpus", tmp_path / "again", *warcs)
    assert r.returncode == 0, r.stderr
    assert len(list(Corpus(tmp_path / "again").documents())) == len(list(Corpus(corpus).documents()))
    r = copydesk("ingest", "--corpus", tmp_path / "x", tmp_path / "does-not-exist")
    assert r.returncode == 2 and "does-not-exist" in r.stderr
