"""One crash-safety trial: `copydesk crawl`, `serve` or `ingest` killed with SIGKILL while it
writes, then the next run, then the corpus checked with copydesk.verify. Run once per kind by
tests/test_kill.py and many times, at random moments, by bench/kill_trials.py."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from copydesk.demo.synth import page
from copydesk.storage import Corpus
from copydesk.verify import verify


def config(work: Path, base: str) -> Path:
    cfg = work / "copydesk.toml"
    cfg.write_text(f"""corpus = "corpus"
[crawl]
per_host_concurrency = 4
checkpoint_interval = "0.3s"
[schedule]
interval = "1s"
jitter = 0
[[sources]]
name = "site"
sitemaps = ["{base}/sitemap.xml"]
""")
    return cfg


def cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "copydesk.cli", *map(str, args)]


def trial(kind: str, kill_after: float, pages: int, work: Path, base: str | None = None) -> dict:
    """One trial: start the command, wait for its first visible part file, wait ``kill_after``
    seconds more, SIGKILL it, run the next run, check. ``base``: the URL of a running site."""
    cfg = config(work, base or "http://127.0.0.1:9")
    corpus = work / "corpus"
    if kind == "ingest":
        src = work / "pages"
        src.mkdir(exist_ok=True)
        for i in range(pages):
            (src / f"p{i:04d}.html").write_text(page(i, site="kill", url=f"https://kill.example/{i}.html",
                                                     copy_of=i - 1 if i % 10 == 9 else None))
        cmd = cli("ingest", "-c", cfg, src)
    else:
        cmd = cli(kind, "-c", cfg)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not (
            corpus.exists() and any(Corpus(corpus).part_files())):
        time.sleep(0.05)
    time.sleep(kill_after)
    finished_first = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    visible_after_kill = sum(1 for _ in Corpus(corpus).documents()) if corpus.exists() else 0
    # the next run
    if kind == "serve":
        nxt = subprocess.Popen(cli("serve", "-c", cfg), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while time.time() < deadline and sum(1 for _ in Corpus(corpus).documents()) < pages:
            time.sleep(0.5)
        nxt.send_signal(signal.SIGTERM)
        rc = nxt.wait(60)
    else:
        rc = subprocess.run(cmd, capture_output=True, text=True, timeout=300).returncode
    problems = verify(corpus)
    docs = list(Corpus(corpus).documents())
    if len(docs) != pages:
        problems.append(f"{len(docs)} documents stored, {pages} expected")
    return {"kind": kind, "kill_after_s": round(kill_after, 2), "finished_before_kill": finished_first,
            "visible_after_kill": visible_after_kill, "next_run_exit": rc, "stored": len(docs), "problems": problems}
