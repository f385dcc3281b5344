"""The command line as a user meets it (issue 13 items 10 and 12): real `copydesk` processes, one line and the
documented exit status instead of a traceback, --version, global options after the subcommand, --log-level
validation, one spelling per argument."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from copydesk.demo.synth import page

ROOT = Path(__file__).resolve().parent.parent


def copydesk(*args: str, cwd: Path | None = None, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run([sys.executable, "-m", "copydesk.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env=env, **kw)


def one_line_error(r: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    lines = [line for line in r.stderr.splitlines() if line.strip() and not line.startswith("usage:")
             and not line.startswith(" ")]
    assert len(lines) == 1, r.stderr
    return lines[0]


@pytest.fixture()
def pages_dir(tmp_path: Path) -> Path:
    d = tmp_path / "pages"
    d.mkdir()
    for i in range(3):
        (d / f"p{i}.html").write_text(page(i, site="cli", url=f"https://cli.example/{i}.html"))
    return d


def _config(tmp_path: Path, *, sources: bool = True) -> Path:
    """A config with one source on a port nothing listens on (or with no source at all)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "copydesk.toml"
    cfg.write_text('corpus = "corpus"\n[crawl]\nretries = 0\ntimeout = 5\n[schedule]\njitter = 0\n'
                   + (f'[[sources]]\nname = "a"\nfeeds = ["http://127.0.0.1:{port}/rss.xml"]\n' if sources else ""))
    return cfg


# -- item 12: --version, global options anywhere, --log-level, one spelling per argument ---------------------
def test_version():
    import tomllib

    r = copydesk("--version")
    want = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert r.returncode == 0 and r.stdout.strip() == f"copydesk {want}", (r.stdout, r.stderr)


def test_global_options_after_the_subcommand(tmp_path, pages_dir):
    corpus = tmp_path / "c"
    r = copydesk("ingest", "--corpus", str(corpus), "--log-format", "json", "--log-level", "info", str(pages_dir))
    assert r.returncode == 0, r.stderr
    r = copydesk("status", "--corpus", str(corpus), "--log-format", "json", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["corpus_stats"]["documents"] == 3
    # given on both sides, both are checked, and the one after the subcommand wins
    assert copydesk("--log-level", "LOUD", "status", "--corpus", str(corpus), "--log-level", "debug").returncode == 2
    r = copydesk("--log-format", "text", "serve", "-c", str(_config(tmp_path, sources=False)), "--log-format", "json")
    assert r.returncode == 2 and "unrecognized" not in r.stderr
    assert "sources" in one_line_error(r)


def test_serve_log_format_json_after_the_subcommand(tmp_path):
    """The issue's example, `copydesk serve --log-format json`, failed with 'unrecognized arguments'. The log
    lines of a real daemon (one run of an unreachable source) are JSON."""
    import signal
    import time

    cfg = _config(tmp_path)
    p = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg), "--log-format", "json"],
                         stderr=subprocess.PIPE, text=True, cwd=ROOT)
    lines: list[str] = []
    deadline = time.time() + 60
    while time.time() < deadline and not any("run of a " in line for line in lines):
        lines.append(p.stderr.readline())
    p.send_signal(signal.SIGTERM)
    lines += p.stderr.read().splitlines()
    assert p.wait(timeout=30) == 0
    records = [json.loads(line) for line in lines if line.strip()]
    assert any(r["msg"].startswith("run of a ") for r in records), lines


@pytest.mark.parametrize("level", ["LOUD", "verbose", "5"])
def test_log_level_is_validated(tmp_path, level):
    r = copydesk("--log-level", level, "status", "--corpus", str(tmp_path))
    assert r.returncode == 2
    assert "--log-level" in r.stderr and "DEBUG, INFO, WARNING, ERROR" in r.stderr


def test_log_level_any_case(tmp_path, pages_dir):
    r = copydesk("--log-level", "warning", "ingest", "--corpus", str(tmp_path / "c"), str(pages_dir))
    assert r.returncode == 0, r.stderr


def test_arguments_are_spelled_the_same_in_every_command():
    from copydesk.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    seen: dict[str, set[str]] = {}
    for name, sp in sub.choices.items():
        for action in sp._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and action.nargs != 0:
                    seen.setdefault(opt, set()).add(str(action.metavar))
    assert seen["--source"] == {"NAME"}
    assert seen["--corpus"] == {"DIR"} and seen["--config"] == {"FILE"}
    assert all(len(v) == 1 for v in seen.values()), seen
    # and the help says so
    for cmd in ("crawl", "ingest"):
        assert "--source NAME" in copydesk(cmd, "--help").stdout


# -- item 10: one line and the documented exit status ------------------------------------------------------
def test_metrics_port_in_use(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = copydesk("serve", "-c", str(_config(tmp_path)), "--metrics-port", str(port), timeout=60)
    assert r.returncode == 2
    line = one_line_error(r)
    assert f"127.0.0.1:{port}" in line and "in use" in line


@pytest.mark.parametrize("port", ["70000", "0", "-1", "http"])
def test_metrics_port_out_of_range(tmp_path, port):
    r = copydesk("serve", "-c", str(_config(tmp_path)), f"--metrics-port={port}", timeout=60)
    assert r.returncode == 2
    assert "--metrics-port" in one_line_error(r)


def test_output_into_a_closed_pipe(tmp_path, pages_dir):
    """`copydesk status | head`: the reader goes away; no traceback, exit status 141 (as for SIGPIPE)."""
    copydesk("ingest", "--corpus", str(tmp_path / "c"), str(pages_dir))
    big = tmp_path / "big.txt"
    big.write_text("A line of an old scraper's plain text that goes on for a while.\n" * 20000)
    for args in (["status", "--corpus", str(tmp_path / "c")], ["clean", str(big)],
                 ["status", "--corpus", str(tmp_path / "c"), "--json"]):
        p = subprocess.Popen([sys.executable, "-m", "copydesk.cli", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT)
        p.stdout.close()  # like `head` having read its lines already
        err = p.stderr.read()
        assert p.wait(timeout=60) == 141, (args, err)
        assert err == "", (args, err)


def test_documents_existing_as_a_file(tmp_path, pages_dir):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "documents").write_text("not a directory")
    r = copydesk("ingest", "--corpus", str(corpus), str(pages_dir))
    assert r.returncode == 2
    assert "documents" in one_line_error(r)


def _as_nobody() -> list[str] | None:
    """A command prefix that runs as an unprivileged user (root ignores permission bits)."""
    if os.getuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return None
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_demo_into_a_read_only_corpus():
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot make a directory read-only for this process")
    parent = Path(tempfile.mkdtemp(prefix="copydesk-ro-"))
    try:
        parent.chmod(0o755)  # readable, not writable by anyone but root
        for target in (parent / "demo", parent):
            r = subprocess.run([*prefix, sys.executable, "-m", "copydesk.cli", "demo", "--corpus", str(target)],
                               capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, "HOME": "/tmp"})
            assert r.returncode == 2, r.stderr
            assert str(target) in one_line_error(r)
    finally:
        shutil.rmtree(parent)


def test_unreachable_robots_txt_is_one_line(tmp_path):
    """A host that refuses connections: Scrapy's robots.txt middleware logged an ERROR with a ~60-line
    traceback per host and run; now one WARNING line naming the robots.txt URL."""
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "copydesk.toml"
    cfg.write_text(f'corpus = "corpus"\n[crawl]\nretries = 0\ntimeout = 5\n'
                   f'[[sources]]\nname = "dead"\nfeeds = ["http://127.0.0.1:{port}/rss.xml"]\n')
    r = copydesk("crawl", "-c", str(cfg))
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    robots = [line for line in r.stderr.splitlines() if "robots" in line]
    assert len(robots) == 1, r.stderr
    assert f"http://127.0.0.1:{port}/robots.txt" in robots[0] and "refused" in robots[0]


def test_clean_of_a_binary_file_is_one_line_as_ingest_skips_it(tmp_path):
    """`clean` uses ingest's binary test (cleaning's looks_binary, reason `binary`): a gzip of an
    article is refused in one line with status 1, not printed as text; `ingest` skips the same bytes."""
    import gzip

    gz = tmp_path / "story.html"
    gz.write_bytes(gzip.compress(page(3, site="cli", url="https://cli.example/3.html").encode()))
    for as_json in ([], ["--json"]):
        r = copydesk("clean", str(gz), *as_json)
        assert r.returncode == 1 and r.stdout == ""
        assert one_line_error(r) == f"copydesk: {gz}: not an article (binary)"
    r = copydesk("ingest", "--corpus", str(tmp_path / "corpus"), str(gz))
    assert r.returncode == 0 and "skipped: binary 1" in r.stdout, r.stdout + r.stderr
    text = tmp_path / "old-scraper.txt"  # plain text is still post-cleaned and printed
    text.write_text("A line of plain text from an older scraper, kept as it is.\n")
    r = copydesk("clean", str(text))
    assert r.returncode == 0 and "older scraper" in r.stdout
