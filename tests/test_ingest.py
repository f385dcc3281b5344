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


def test_an_ingest_credited_to_a_source_is_not_its_crawl_run(tmp_path):
    """`ingest --source wire` (a backfill credited to configured source `wire`) fetched nothing from
    it: `status` labels it an ingest and the never-crawled source is still due at once, and `serve`
    crawls it at once (it waited a whole interval), after which the next run is an interval away."""
    import datetime as dt
    import signal
    import sys
    import time

    from copydesk.demo.synth import article_html
    from tests.sites import Route, Site, rss

    paths = [f"/news/{i}.html" for i in range(3)]
    with Site({p: Route(article_html(300 + i).encode()) for i, p in enumerate(paths)}) as site:
        site.routes["/rss.xml"] = Route(rss([(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT") for p in paths]),
                                        content_type="application/rss+xml")
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[schedule]\ninterval = "1h"\njitter = "0s"\n'
                       f'[[sources]]\nname = "wire"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        saved = tmp_path / "saved"
        saved.mkdir()
        for i in range(2):
            (saved / f"old{i}.html").write_text(article_html(900 + i))
        assert copydesk("ingest", "-c", cfg, "--source", "wire", saved).returncode == 0

        def status() -> dict:
            r = copydesk("status", "-c", cfg, "--json")
            assert r.returncode == 0, r.stderr
            return json.loads(r.stdout)["sources"][0]

        def at(ts: str) -> float:
            return dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp()

        s = status()
        assert s["last_run"]["kind"] == "ingest" and s["last_run"]["counts"]["stored_new"] == 2
        assert at(s["next_run"]) <= time.time() + 2, "a source that was only ingested into is due at once"
        assert "completed (ingest)" in copydesk("status", "-c", cfg).stdout

        started = time.time()
        p = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = started + 45
            while len(list(Corpus(tmp_path / "corpus").documents())) < 5:
                assert p.poll() is None and time.time() < deadline, "serve crawls the never-crawled source at once"
                time.sleep(0.3)
        finally:
            p.send_signal(signal.SIGTERM)
            assert p.wait(timeout=30) == 0, p.stderr.read()[-2000:]
        assert len(site.requested("/rss.xml")) == 1
        s = status()
        assert s["last_run"]["kind"] == "serve"
        assert at(s["next_run"]) >= started + 3600 - 5, "after its first crawl the source waits its interval"


# -- input files that cannot be read in full: counted with a reason, one line each, exit status 3 ------------
def _warc(path: Path, n: int, *, gz: bool = True) -> list[int]:
    """A WARC file of ``n`` HTML responses (distinct synthetic stories); the offset after each record."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from copydesk.demo.synth import page

    ends = []
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gz)
        for i in range(n):
            url = f"https://warc.example/2026/story-{i}.html"
            h = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(page(40 + i, site="warc", url=url)
                                                                                     .encode()), http_headers=h))
            ends.append(f.tell())
    return ends


def _problem_lines(r: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in r.stderr and "WARNING" not in r.stderr, r.stderr  # nor warcio's own warnings
    return [line for line in r.stderr.splitlines() if line.strip()]


def test_ingest_a_file_that_is_not_a_warc(tmp_path):
    """Counted as failed (`not_a_warc`) with one line naming it; the other inputs are ingested; exit 3."""
    from copydesk.demo.synth import page

    bad = tmp_path / "export.warc"
    bad.write_bytes(b"<html><body>a saved page, not a WARC file</body></html>\n" * 20)
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.html").write_text(page(7, site="cli", url="https://cli.example/7.html"))
    r = copydesk("ingest", "--corpus", tmp_path / "corpus", bad, tmp_path / "pages")
    assert r.returncode == 3, r.stderr
    assert _problem_lines(r) == [f"copydesk: {bad}: not a WARC file (it does not start with 'WARC/'): nothing read from it"]
    assert "failed:  not_a_warc 1" in r.stdout
    assert len(list(Corpus(tmp_path / "corpus").documents())) == 1


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_ingest_a_truncated_warc_keeps_the_records_before_the_cut(tmp_path, gz):
    name = "cut.warc.gz" if gz else "cut.warc"
    ends = _warc(tmp_path / "full", 6, gz=gz)
    data = (tmp_path / "full").read_bytes()
    for cut_at, complete in ((ends[3] + (ends[4] - ends[3]) // 2, 4), (ends[1] + 30, 2)):  # in a block, in a header
        (tmp_path / name).write_bytes(data[:cut_at])
        corpus = tmp_path / f"corpus{complete}"
        r = copydesk("ingest", "--corpus", corpus, tmp_path / name)
        assert r.returncode == 3, r.stderr
        assert _problem_lines(r) == [f"copydesk: {tmp_path / name}: truncated after {complete} complete record(s) "
                                     "(those are ingested; the rest of the file cannot be read)"]
        assert "failed:  truncated_warc 1" in r.stdout
        urls = sorted(d["url"] for d in Corpus(corpus).documents())
        assert urls == [f"https://warc.example/2026/story-{i}.html" for i in range(complete)]
    (tmp_path / name).write_bytes(data)  # the whole file: no problem
    r = copydesk("ingest", "--corpus", tmp_path / "whole", tmp_path / name)
    assert r.returncode == 0 and not _problem_lines(r), r.stderr
    assert len(list(Corpus(tmp_path / "whole").documents())) == 6


@pytest.mark.parametrize("name", ["", "my source", "../x", ".x", "a" * 65])
def test_ingest_source_follows_the_config_rule_for_source_names(tmp_path, name):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.html").write_text("<html><body><p>x</p></body></html>")
    r = copydesk("ingest", "--source", name, "--corpus", tmp_path / "corpus", tmp_path / "pages")
    assert r.returncode == 2
    assert _problem_lines(r) == [f"copydesk: --source: use letters, digits, '-', '_' or '.' (at most 64, starting "
                                 f"with a letter or digit), got {name!r}"]
    assert not (tmp_path / "corpus").exists()
