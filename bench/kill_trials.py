"""Crash safety by killing: `copydesk crawl`, `serve` and `ingest` are killed with SIGKILL at random
moments; then the next run must complete, and the corpus must hold every article exactly once with
every invariant of copydesk.verify (parts parse, no URL twice, manifest and state match the parts,
every stored document indexed and nothing else).

    python bench/kill_trials.py [--trials 20] [--kinds crawl,serve,ingest] [--pages 120] [--seed 1]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crawl import start_site  # noqa: E402
from copydesk.demo.synth import page  # noqa: E402
from copydesk.verify import verify  # noqa: E402
from copydesk.storage import Corpus  # noqa: E402


# When to kill: this many seconds (uniform) after the first part file became visible, i.e. while
# the run is writing (a 400-page run lasts several seconds past its first checkpoint).
KILL_WINDOW = (0.0, 2.0)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=20, help="trials per kind")
    ap.add_argument("--kinds", default="crawl,serve,ingest")
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    results = []
    for kind in args.kinds.split(","):
        for t in range(args.trials):
            work = Path(tempfile.mkdtemp(prefix=f"copydesk-kill-{kind}-"))
            server, base = (None, None) if kind == "ingest" else start_site(args.pages, delay=0.03)
            try:
                r = trial(kind, rng.uniform(*KILL_WINDOW), args.pages, work, base)
            finally:
                if server is not None:
                    server.terminate()
                shutil.rmtree(work, ignore_errors=True)
            results.append(r)
            print(json.dumps(r), flush=True)
    ok = sum(not r["problems"] for r in results)
    print(f"\n{ok}/{len(results)} trials without a problem")
    print("\n| kind | trials | killed mid-run | documents visible at the kill (min-max) | next run completed | problems |")
    print("|---|---|---|---|---|---|")
    for kind in args.kinds.split(","):
        rs = [r for r in results if r["kind"] == kind]
        vis = [r["visible_after_kill"] for r in rs]
        print(f"| {kind} | {len(rs)} | {sum(not r['finished_before_kill'] for r in rs)} | {min(vis)}-{max(vis)} | "
              f"{sum(r['next_run_exit'] == 0 for r in rs)} | {sum(len(r['problems']) for r in rs)} |")
    sys.exit(0 if ok == len(results) else 1)


if __name__ == "__main__":
    main()
