"""`copydesk status` only reads, works for a user who may only read the corpus, names the daemon; `repair` keeps a
healthy state (issue 13 item 9). Real `copydesk` processes on a corpus crawled from a loopback site."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from copydesk.demo.synth import page
from sites import Route, Site, rss

ROOT = Path(__file__).resolve().parent.parent
LONG = "a-source-with-a-long-name-for-the-columns"


def copydesk(*args: str, prefix: list[str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["HOME"] = "/tmp"
    return subprocess.run([*(prefix or []), sys.executable, "-m", "copydesk.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, env=env)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A corpus with a completed run, stored and skipped URLs and a feed's validators."""
    tmp = tmp_path_factory.mktemp("status")
    paths = [f"/a/{i}.html" for i in range(4)]
    routes = {p: Route(page(i, site="status").encode()) for i, p in enumerate(paths)}
    routes["/a/short.html"] = Route(b"<html><body><p>Too short.</p></body></html>")
    routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    with Site(routes) as site:
        items = [(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT") for p in [*paths, "/a/short.html"]]
        site.routes["/rss.xml"] = Route(rss(items), content_type="application/rss+xml", conditional=True)
        cfg = tmp / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[[sources]]\nname = "{LONG}"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        r = copydesk("crawl", "-c", str(cfg))
        assert r.returncode == 0, r.stderr
    corpus = tmp / "corpus"
    assert table_count(corpus, "validators") >= 1 and table_count(corpus, "runs") == 1
    return corpus


def table_count(corpus: Path, table: str) -> int:
    path = corpus / "_state" / "state.sqlite3"
    # no writer left: immutable=1 reads the file without creating -wal/-shm files (mode=ro alone would)
    assert not path.with_name("state.sqlite3-wal").exists()
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def copy_of(corpus: Path, where: Path) -> Path:
    dest = where / "corpus"
    shutil.copytree(corpus, dest)
    return dest


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_status_writes_nothing(crawled, tmp_path):
    corpus = copy_of(crawled, tmp_path)
    before = snapshot(corpus)
    for args in ([], ["--json"]):
        r = copydesk("status", "--corpus", str(corpus), *args)
        assert r.returncode == 0, r.stderr
    assert snapshot(corpus) == before, "status changed or created files in the corpus"
    assert not list(corpus.glob("_state/state.sqlite3-*"))
    assert json.loads(copydesk("status", "--corpus", str(corpus), "--json").stdout)["corpus_stats"]["documents"] == 4


def _as_nobody() -> list[str] | None:
    if os.getuid() != 0:
        return []
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if shutil.which("setpriv") else None


def _read_only_tree(root: Path) -> None:
    for p in sorted(root.rglob("*"), reverse=True):
        p.chmod(0o555 if p.is_dir() else 0o444)
    root.chmod(0o555)


def test_status_for_a_user_who_may_only_read(crawled):
    """The corpus is read-only for the user (directories 555, files 444; run as `nobody` because root ignores
    permission bits). The old `status` set WAL mode and ran the schema, and failed with "state database is corrupt
    ... run `copydesk repair`". Both states are covered: cleanly closed (no -wal file) and a writer holding it open."""
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("root without setpriv: cannot run as a user who may only read")
    where = Path(tempfile.mkdtemp(prefix="copydesk-status-"))
    try:
        where.chmod(0o755)
        corpus = copy_of(crawled, where)
        state = corpus / "_state" / "state.sqlite3"
        # a writer (the daemon) holding the state open in WAL mode, with a change only in its -wal file
        writer = sqlite3.connect(state, isolation_level=None)
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("INSERT INTO runs(source, kind, started_at, finished_at, status, counts) "
                       "VALUES ('later', 'serve', ?, ?, 'completed', '{}')", (time.time(), time.time()))
        assert state.with_name("state.sqlite3-wal").exists()
        _read_only_tree(corpus)
        r = copydesk("status", "--corpus", str(corpus), "--json", prefix=prefix)
        assert r.returncode == 0, r.stderr
        info = json.loads(r.stdout)
        assert info["corpus_stats"]["documents"] == 4
        assert {s["name"] for s in info["sources"]} >= {LONG, "later"}, "the change in the -wal file is read"
        writer.close()  # checkpoints into the file and removes -wal and -shm (root may still write)
        assert not state.with_name("state.sqlite3-wal").exists()
        before = snapshot(corpus)
        r = copydesk("status", "--corpus", str(corpus), prefix=prefix)
        assert r.returncode == 0, r.stderr
        assert LONG in r.stdout and "completed" in r.stdout
        assert snapshot(corpus) == before
    finally:
        for p in [where, *where.rglob("*")]:
            p.chmod(0o755)
        shutil.rmtree(where)


def test_status_of_a_missing_corpus_exits_2(tmp_path):
    for corpus in (tmp_path / "typo", tmp_path):
        r = copydesk("status", "--corpus", str(corpus))
        assert r.returncode == 2, (corpus, r.stdout, r.stderr)
        assert str(corpus) in r.stderr and "Traceback" not in r.stderr
    cfg = tmp_path / "copydesk.toml"
    cfg.write_text('corpus = "nowhere"\n')
    r = copydesk("status", "-c", str(cfg))
    assert r.returncode == 2 and "nowhere" in r.stderr


def test_status_columns_are_not_cut_off_a_terminal(crawled):
    r = copydesk("status", "--corpus", str(crawled))
    assert r.returncode == 0, r.stderr
    assert "…" not in r.stdout
    row = next(line for line in r.stdout.splitlines() if LONG in line)
    assert "completed" in row


def test_status_names_the_process_holding_the_corpus(crawled, tmp_path):
    corpus = copy_of(crawled, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom storage import CorpusLock\n"
         "with CorpusLock(sys.argv[1], command='copydesk serve -c test.toml'):\n"
         "    print('held', flush=True)\n    time.sleep(120)\n", str(corpus)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        info = json.loads(copydesk("status", "--corpus", str(corpus), "--json").stdout)["daemon"]
        assert info["running"] is True and info["pid"] == holder.pid and info["command"] == "copydesk serve -c test.toml"
        text = copydesk("status", "--corpus", str(corpus)).stdout
        assert f"daemon: running, pid {holder.pid}" in text and f"since {info['since']}" in text
    finally:
        holder.kill()
        holder.wait()
    # killed without releasing the lock: the file still names it, status says it died
    info = json.loads(copydesk("status", "--corpus", str(corpus), "--json").stdout)["daemon"]
    assert info["running"] is False and info["pid"] == holder.pid
    assert "died" in copydesk("status", "--corpus", str(corpus)).stdout
    # a clean release
    from copydesk.storage import CorpusLock

    with CorpusLock(corpus):
        pass
    assert json.loads(copydesk("status", "--corpus", str(corpus), "--json").stdout)["daemon"] == {"running": False}


# -- repair -----------------------------------------------------------------------------------------------
def test_repair_keeps_a_healthy_state(crawled, tmp_path):
    corpus = copy_of(crawled, tmp_path)
    counts = {t: table_count(corpus, t) for t in ("runs", "urls", "validators", "docs")}
    r = copydesk("repair", "--corpus", str(corpus))
    assert r.returncode == 0, r.stderr
    assert "healthy" in r.stdout
    assert {t: table_count(corpus, t) for t in counts} == counts
    assert not list((corpus / "_state").glob("broken-*"))


def test_repair_force_rebuilds_from_the_part_files(crawled, tmp_path):
    corpus = copy_of(crawled, tmp_path)
    r = copydesk("repair", "--corpus", str(corpus), "--force")
    assert r.returncode == 0, r.stderr
    assert table_count(corpus, "docs") == 4
    assert table_count(corpus, "runs") == 0 and table_count(corpus, "validators") == 0  # what --force gives up
    assert len(list((corpus / "_state").glob("broken-*/state.sqlite3"))) == 1


def test_repair_rebuilds_a_damaged_dedup_index_and_keeps_the_state(crawled, tmp_path):
    corpus = copy_of(crawled, tmp_path)
    counts = {t: table_count(corpus, t) for t in ("runs", "urls", "validators", "docs")}
    files = [p for p in (corpus / "_state" / "dedup").rglob("*") if p.is_file()]
    assert files
    for p in files:
        p.write_bytes(b"\x9d\xff not an index " * 10)
    r = copydesk("repair", "--corpus", str(corpus))
    assert r.returncode == 0, r.stderr
    assert "dedup index" in r.stdout and "rebuilt" in r.stdout
    assert {t: table_count(corpus, t) for t in counts} == counts
    assert list((corpus / "_state").glob("broken-*/dedup"))
    assert copydesk("status", "--corpus", str(corpus)).returncode == 0


def test_repair_rebuilds_a_corrupt_state_without_force(crawled, tmp_path):
    corpus = copy_of(crawled, tmp_path)
    state = corpus / "_state" / "state.sqlite3"
    data = bytearray(state.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page
    state.write_bytes(bytes(data))
    r = copydesk("status", "--corpus", str(corpus))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    r = copydesk("repair", "--corpus", str(corpus))
    assert r.returncode == 0, r.stderr
    assert table_count(corpus, "docs") == 4
    assert len(list((corpus / "_state").glob("broken-*/state.sqlite3"))) == 1


def test_status_shows_the_daemons_last_error(crawled, tmp_path):
    """The daemon's error handler writes its last ERROR into the lock file (the same record `/healthz` gives);
    a separate `status` process shows it with the daemon's pid."""
    import logging

    from copydesk.config import load
    from copydesk.daemon import Daemon, _LastError
    from copydesk.storage import CorpusLock

    corpus = copy_of(crawled, tmp_path)
    cfg_path = tmp_path / "copydesk.toml"
    cfg_path.write_text('corpus = "corpus"\n[[sources]]\nname = "a"\nfeeds = ["http://127.0.0.1:9/rss.xml"]\n')
    daemon = Daemon(load(cfg_path))
    handler = _LastError(daemon)
    logging.getLogger().addHandler(handler)
    try:
        with CorpusLock(corpus, command="copydesk serve") as lock:
            daemon.lock = lock
            logging.getLogger("copydesk.serve").error("run of a failed: %s", "connection refused\nsecond line")
            info = json.loads(copydesk("status", "--corpus", str(corpus), "--json").stdout)["daemon"]
            assert info["running"] is True and info["pid"] == os.getpid()
            assert info["last_error"]["msg"] == "run of a failed: connection refused"
            assert info["last_error"]["logger"] == "copydesk.serve"
            assert daemon.status()["last_error"]["msg"] == info["last_error"]["msg"]
            text = copydesk("status", "--corpus", str(corpus)).stdout
            assert "daemon's last error:" in text and "run of a failed: connection refused" in text
    finally:
        logging.getLogger().removeHandler(handler)
