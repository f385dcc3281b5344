"""Takedowns: `copydesk delete --url | --id` on a crawled corpus (real crawls of the demo world on
loopback): only the part holding the document is rewritten, its raw response goes too, the manifest
and the stories table follow, and the crawler never fetches the URL again."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from copydesk.demo import DemoWorld
from copydesk.verify import verify
from copydesk.storage import Corpus
from tests.run_cli import copydesk


def fingerprint(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for sub in ("documents", "raw") for p in (root / sub).rglob("part-*")}


def warc_urls(path: Path) -> list[str]:
    with open(path, "rb") as f:
        return [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(f) if r.rec_type == "response"]


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory):
    """The demo world (kept serving) and a corpus of one crawl of it, crawled once for the module."""
    d = tmp_path_factory.mktemp("delete")
    with DemoWorld() as world:
        cfg = d / "copydesk.toml"
        cfg.write_text(world.config_toml(str(d / "corpus")))
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr[-3000:]
        yield world, d / "corpus"


@pytest.fixture()
def crawled(crawled_once, tmp_path):
    """A copy of that corpus of this test's own, with its config: a takedown changes it."""
    world, pristine = crawled_once
    shutil.copytree(pristine, tmp_path / "corpus")
    cfg = tmp_path / "copydesk.toml"
    cfg.write_text(world.config_toml(str(tmp_path / "corpus")))
    world.clear_requests()
    return world, cfg, tmp_path / "corpus"


def test_delete_by_url_and_id(crawled):
    world, cfg, corpus = crawled
    docs = list(Corpus(corpus).documents())
    by_id = {d["id"]: d for d in docs}
    clusters = Corpus(corpus).clusters()
    copy_id = next(ids[1] for ids in clusters.values() if len(ids) > 2)
    head_id = next(ids[0] for ids in clusters.values() if len(ids) > 2 and ids[1] != copy_id)
    state_part = {d["id"]: None for d in docs}
    import sqlite3

    db = sqlite3.connect(corpus / "_state" / "state.sqlite3")
    state_part = dict(db.execute("SELECT id, part FROM docs"))
    db.close()
    before = fingerprint(corpus)
    manifest = json.loads((corpus / "manifest.json").read_text())
    stories_before = Corpus(corpus).stories(members=True)
    assert copy_id in stories_before.column("id").to_pylist()

    r = copydesk("delete", "-c", cfg, "--url", by_id[copy_id]["url"], "--reason", "publisher request")
    assert r.returncode == 0, r.stderr
    r = copydesk("delete", "-c", cfg, "--id", head_id)
    assert r.returncode == 0, r.stderr
    r = copydesk("delete", "-c", cfg, "--id", head_id)
    assert r.returncode == 2 and r.stderr.strip() == f"copydesk: {head_id} was already deleted"

    after = fingerprint(corpus)
    touched = {state_part[copy_id], state_part[head_id]}
    raw_touched = {f"raw/{Path(p).parent.name}/{Path(p).stem}.warc.gz" for p in touched}
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == (touched | raw_touched) & set(before), "only the parts that held them were rewritten"
    left = list(Corpus(corpus).documents())
    assert {d["id"] for d in left} == set(by_id) - {copy_id, head_id}
    assert [d for d in left] == [d for d in docs if d["id"] not in (copy_id, head_id)], "the others unchanged"
    for p in touched:
        raw = corpus / "raw" / Path(p).parent.name / f"{Path(p).stem}.warc.gz"
        urls = warc_urls(raw)
        assert by_id[copy_id]["url"] not in urls and by_id[head_id]["url"] not in urls
        assert urls == [d["url"] for d in left if state_part[d["id"]] == p]
    m = json.loads((corpus / "manifest.json").read_text())
    assert m["documents"] == manifest["documents"] - 2
    members = Corpus(corpus).stories(members=True).column("id").to_pylist()
    assert copy_id not in members and head_id not in members, "the stories table follows"
    assert verify(corpus) == []

    # the crawler never fetches them again, and nothing stores them again
    world.clear_requests()
    r = copydesk("crawl", "-c", cfg)
    assert r.returncode == 0, r.stderr
    fetched = {q.path for q in world.requests}
    assert urlsplit(by_id[copy_id]["url"]).path not in fetched and urlsplit(by_id[head_id]["url"]).path not in fetched
    assert {d["id"] for d in Corpus(corpus).documents()} == set(by_id) - {copy_id, head_id}

    # a page of a deleted document reached another way (ingested from a saved copy) is not stored either
    saved = corpus.parent / "saved.html"
    saved.write_bytes(world.render(world.page_for_url(by_id[head_id]["url"])))
    r = copydesk("ingest", "-c", cfg, saved)
    assert r.returncode == 0, r.stderr
    assert head_id not in {d["id"] for d in Corpus(corpus).documents()}


def test_delete_unknown_is_one_line_and_status_2(crawled):
    _, cfg, _ = crawled
    r = copydesk("delete", "-c", cfg, "--url", "https://nowhere.example/x")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "no stored document" in r.stderr
    r = copydesk("delete", "-c", cfg)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_a_takedown_stopped_after_its_tombstone_is_finished_by_the_next_start(tmp_path, monkeypatch):
    import copydesk.storage.delete as delete_mod
    from copydesk.storage import StateStore

    pages = tmp_path / "pages"
    files = DemoWorld().write_static(pages)
    r = copydesk("ingest", "--corpus", tmp_path / "corpus", *[pages / n for n in list(files)[:6]])
    assert r.returncode == 0, r.stderr
    corpus = tmp_path / "corpus"
    victim = next(Corpus(corpus).documents())
    state = StateStore(corpus / "_state" / "state.sqlite3")

    def killed(*a, **k):
        raise KeyboardInterrupt("killed after the tombstone")

    monkeypatch.setattr(delete_mod, "_rewrite_documents", killed)
    with pytest.raises(KeyboardInterrupt):
        delete_mod.delete(corpus, state, doc_id=victim["id"])
    assert delete_mod.pending(state) == [victim["id"]]
    state.close()
    monkeypatch.undo()
    r = copydesk("repair", "--upgrade", "--corpus", corpus)  # any writer's start
    assert r.returncode == 0, r.stderr
    assert victim["id"] not in {d["id"] for d in Corpus(corpus).documents()}
    assert verify(corpus) == []
