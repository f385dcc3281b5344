"""Bad state: a corrupt state database or a lost index is detected, and repaired from the corpus."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.demo import DemoWorld
from storage import Corpus


def copydesk(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "copydesk.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture()
def corpus_and_pages(tmp_path) -> tuple[Path, Path, dict]:
    pages = DemoWorld().write_static(tmp_path / "pages")
    originals, copies = tmp_path / "originals", tmp_path / "copies"
    originals.mkdir()
    copies.mkdir()
    for name, page in pages.items():
        shutil.copy(tmp_path / "pages" / name, (originals if page.role == "original" else copies) / name)
    corpus = tmp_path / "corpus"
    assert copydesk("ingest", "--corpus", corpus, originals).returncode == 0
    return corpus, copies, pages


def test_corrupt_state_detected_and_repaired(corpus_and_pages):
    corpus, copies, pages = corpus_and_pages
    n = len(list(Corpus(corpus).documents()))
    (corpus / "_state" / "state.sqlite3").write_bytes(b"garbage" * 1000)
    for extra in ("state.sqlite3-wal", "state.sqlite3-shm"):
        (corpus / "_state" / extra).unlink(missing_ok=True)
    r = copydesk("ingest", "--corpus", corpus, copies)
    assert r.returncode == 1 and "corrupt" in r.stderr and "copydesk repair" in r.stderr
    r = copydesk("repair", "--corpus", corpus)
    assert r.returncode == 0, r.stderr
    assert f"{n} document(s) re-indexed" in r.stdout
    st = json.loads(copydesk("status", "--corpus", corpus, "--json").stdout)
    assert st["corpus_stats"]["documents"] == n
    r = copydesk("ingest", "--corpus", corpus, copies)
    assert r.returncode == 0, r.stderr
    docs = list(Corpus(corpus).documents())
    originals = {d["id"] for d in docs[:n]}
    assert all(d["cluster_id"] in originals for d in docs[n:]), "the rebuilt index groups copies with originals"


def test_lost_index_is_rebuilt_at_start_and_said(corpus_and_pages):
    corpus, copies, _ = corpus_and_pages
    n = len(list(Corpus(corpus).documents()))
    shutil.rmtree(corpus / "_state" / "dedup")
    r = copydesk("ingest", "--corpus", corpus, copies)
    assert r.returncode == 0, r.stderr
    assert "repaired" in r.stderr and f"'documents_reindexed': {n}" in r.stderr
    docs = list(Corpus(corpus).documents())
    originals = {d["id"] for d in docs[:n]}
    assert all(d["cluster_id"] in originals for d in docs[n:])


def test_repair_without_corpus_is_a_usage_error(tmp_path):
    r = copydesk("repair", "--corpus", tmp_path / "nothing")
    assert r.returncode == 2 and "nothing to repair" in r.stderr
