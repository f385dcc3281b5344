"""A format-1 corpus (JSON-lines parts, written by crawls with the format-1 writer: tests/v1corpus.py)
is upgraded to format 2 without loss, by `copydesk repair --upgrade` and at the start of a writer,
and `serve` continues on it."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from copydesk.demo import DemoWorld
from copydesk.verify import verify
from copydesk.storage import Corpus
from copydesk.storage.schema import normalize

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}


def copydesk(*args: object, v1: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "tests" / "v1corpus.py")] if v1 else [sys.executable, "-m", "copydesk.cli"]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=ENV)


def snapshot(corpus: Path) -> dict:
    """Everything the upgrade must keep: the records (as the schema types them), the clusters, and
    the state's decisions, documents and runs."""
    recs = []
    for p in sorted((corpus / "documents").rglob("part-*.*"), key=lambda p: (p.parent.name, p.name)):
        if p.suffix == ".jsonl":
            recs += [normalize(json.loads(line)) for line in p.read_text(encoding="utf-8").splitlines()]
        else:
            recs += [r for r in Corpus(corpus).documents()]
            break
    db = sqlite3.connect(corpus / "_state" / "state.sqlite3")
    state = {
        "urls": sorted(db.execute("SELECT key, url, status, reason, doc_id FROM urls")),
        "docs": sorted(db.execute("SELECT id, url, source, site, cluster_id, duplicate_of FROM docs")),
        "runs": sorted(db.execute("SELECT id, source, kind, status FROM runs")),
        "validators": sorted(db.execute("SELECT url, etag, last_modified FROM validators")),
        "part_stems": sorted(Path(n).stem for (n,) in db.execute("SELECT name FROM parts")),
    }
    db.close()
    clusters: dict[str, list[str]] = {}
    for r in recs:
        clusters.setdefault(r["cluster_id"], []).append(r["id"])
    return {"records": recs, "clusters": clusters, "state": state}


@pytest.fixture(scope="module")
def v1_world(tmp_path_factory):
    """A format-1 corpus made by two crawls (the second after the world published more)."""
    d = tmp_path_factory.mktemp("v1")
    world = DemoWorld()
    world.start()
    cfg = d / "copydesk.toml"
    cfg.write_text(world.config_toml(str(d / "corpus")))
    for i in range(2):
        if i:
            world.publish_more()
        r = copydesk("crawl", "-c", cfg, v1=True)
        assert r.returncode == 0, r.stderr[-3000:]
    corpus = d / "corpus"
    assert list((corpus / "documents").rglob("*.jsonl")) and not list((corpus / "documents").rglob("*.parquet"))
    assert json.loads((corpus / "manifest.json").read_text())["format_version"] == 1
    yield world, cfg, corpus
    world.stop()


def copy_of(corpus: Path, tmp_path: Path) -> tuple[Path, Path]:
    dst = tmp_path / "corpus"
    shutil.copytree(corpus, dst)
    cfg = tmp_path / "copydesk.toml"
    cfg.write_text((corpus.parent / "copydesk.toml").read_text().replace(str(corpus), str(dst)))
    return dst, cfg


def test_repair_upgrade_keeps_every_record_cluster_and_the_state(v1_world, tmp_path):
    _, _, v1 = v1_world
    corpus, cfg = copy_of(v1, tmp_path)
    before = snapshot(corpus)
    assert len(before["records"]) > 20 and any(len(m) > 1 for m in before["clusters"].values())
    r = copydesk("repair", "--upgrade", "-c", cfg)
    assert r.returncode == 0, r.stderr
    assert f"{len(before['records'])} document(s)" in " ".join(r.stdout.split())
    assert not list((corpus / "documents").rglob("*.jsonl"))
    assert json.loads((corpus / "manifest.json").read_text())["format_version"] == 2
    after = snapshot(corpus)
    assert after["records"] == before["records"], "every record, every field"
    assert after["clusters"] == before["clusters"]
    assert after["state"]["urls"] == before["state"]["urls"] and after["state"]["docs"] == before["state"]["docs"]
    assert after["state"]["validators"] == before["state"]["validators"]
    assert after["state"]["part_stems"] == before["state"]["part_stems"]
    assert [x[:2] for x in after["state"]["runs"]][: len(before["state"]["runs"])] == [x[:2] for x in before["state"]["runs"]]
    assert verify(corpus) == []
    r = copydesk("repair", "--upgrade", "-c", cfg)
    assert r.returncode == 0 and "already in corpus format 2" in " ".join(r.stdout.split())


def test_serve_upgrades_at_start_and_continues(v1_world, tmp_path):
    world, _, v1 = v1_world
    corpus, cfg = copy_of(v1, tmp_path)
    cfg.write_text(cfg.read_text().replace('interval = "30s"', 'interval = "2s"'))
    before = snapshot(corpus)
    stored = {urlsplit(r["url"]).path for r in before["records"]}
    world.clear_requests()
    new = world.publish_more()
    proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg)], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        want = {p.path for p in new if not p.disallowed}
        end = time.time() + 90
        while time.time() < end:
            if (corpus / "documents").exists() and want <= {urlsplit(d["url"]).path for d in Corpus(corpus).documents()}:
                break
            time.sleep(0.5)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    assert "upgraded the corpus to format 2" in err
    docs = list(Corpus(corpus).documents())
    assert want <= {urlsplit(d["url"]).path for d in docs}, "serve stored the new articles"
    assert not list((corpus / "documents").rglob("*.jsonl"))
    old = {r["id"]: r for r in before["records"]}
    assert [d for d in docs if d["id"] in old] == before["records"], "the upgraded records, unchanged"
    refetched = {q.path for q in world.requests if q.path in stored}
    assert not refetched, "articles stored before the upgrade are not fetched again (the state was kept)"
    assert verify(corpus) == []


def test_an_upgrade_stopped_half_way_is_finished_by_the_next_start(v1_world, tmp_path):
    _, _, v1 = v1_world
    corpus, cfg = copy_of(v1, tmp_path)
    before = snapshot(corpus)
    from copydesk.storage.atomic import atomic_file
    from copydesk.storage.corpus import write_parquet
    from copydesk.storage.schema import table

    # stopped after writing the first part's Parquet file, before removing its JSON lines
    first = sorted((corpus / "documents").rglob("*.jsonl"))[0]
    with atomic_file(first.with_suffix(".parquet")) as f:
        write_parquet(f, table(json.loads(line) for line in first.read_text().splitlines()))
    assert [r["id"] for r in Corpus(corpus).documents()] == [r["id"] for r in before["records"]], "readable meanwhile"
    r = copydesk("repair", "--upgrade", "-c", cfg)
    assert r.returncode == 0, r.stderr
    assert snapshot(corpus)["records"] == before["records"]
    assert verify(corpus) == []


def test_a_published_value_that_is_no_date_is_counted_not_hidden(tmp_path):
    from copydesk.storage import Record
    from copydesk.storage.upgrade import upgrade

    part = tmp_path / "documents" / "date=2026-11-20" / "part-20261120T000000000000Z-w-00001.jsonl"
    part.parent.mkdir(parents=True)
    recs = [Record(id=f"{i:016d}", url=f"https://ex.org/{i}", source="s", site="ex.org", title=None, text="t",
                   published=p, fetched_at="2026-11-20T10:00:00Z", language=None, word_count=1,
                   cluster_id=f"{i:016d}", duplicate_of=None, similarity=None)
            for i, p in enumerate(["2026-11-19", "the day before yesterday", "2026-11-19T23:00:00-05:00"])]
    part.write_text("".join(r.to_json() + "\n" for r in recs))
    up = upgrade(tmp_path)
    assert up.counts() == {"parts_converted": 1, "documents": 3, "unparseable_published": 1}
    got = [r["published"] for r in Corpus(tmp_path).documents()]
    assert [g and g.isoformat() for g in got] == ["2026-11-19T00:00:00+00:00", None, "2026-11-20T04:00:00+00:00"]
