"""Soak test of the daemon: `copydesk serve` through many scheduled runs against the local demo sites.

    python bench/soak.py [--runs 150] [--interval 1s]

Starts the demo world (new articles are published twice during the soak), runs `copydesk serve`
as a subprocess with a short interval, samples its resident memory (with its extraction workers
counted separately), and stops it with SIGTERM once the state store has recorded --runs finished
runs. Prints memory at the start (after the first round of runs) and the end, and the per-run
overhead (the duration of runs that found nothing new: robots.txt, conditional feed and sitemap
requests answered 304, scheduling, bookkeeping).
"""
from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from copydesk.demo import DemoWorld  # noqa: E402


def finished_runs(db: Path) -> list[tuple[str, float, float, str, str]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            return c.execute("SELECT source, started_at, finished_at, status, counts FROM runs "
                             "WHERE finished_at IS NOT NULL ORDER BY id").fetchall()
    except sqlite3.OperationalError:  # the daemon has created the file but not its tables yet
        return []


def rss_mb(p: psutil.Process) -> tuple[float, float]:
    """(daemon, daemon + its children) resident memory in MB."""
    own = p.memory_info().rss
    kids = sum(c.memory_info().rss for c in p.children(recursive=True) if c.is_running())
    return own / 2**20, (own + kids) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=150)
    ap.add_argument("--interval", default="1s")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="copydesk-soak-"))
    db = work / "corpus" / "_state" / "state.sqlite3"
    with DemoWorld() as world:
        cfg = work / "copydesk.toml"
        cfg.write_text(world.config_toml(str(work / "corpus"), interval=args.interval).replace(
            "[schedule]", "[schedule]\njitter = 0"))
        t0 = time.time()
        proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg)],
                                stderr=subprocess.DEVNULL)
        try:
            ps = psutil.Process(proc.pid)
            sources = len(world.urls)
            while len(finished_runs(db)) < sources:
                time.sleep(0.2)
            start_mem = rss_mb(ps)
            samples = [start_mem]
            published = 0
            while (n := len(finished_runs(db))) < args.runs:
                if published < 2 and n >= (published + 1) * args.runs // 3:
                    world.publish_more()
                    published += 1
                time.sleep(1)
                samples.append(rss_mb(ps))
            end_mem = rss_mb(ps)
            t = time.time()
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                sys.exit("the daemon did not stop within 60 s of SIGTERM")
        finally:  # an error of the bench itself must not leave the daemon running
            if proc.poll() is None:
                proc.kill()
        stop_s = time.time() - t
    runs = finished_runs(db)
    idle = [f - s for src, s, f, st, counts in runs
            if st == "completed" and json.loads(counts).get("stored_new", 0) + json.loads(counts).get("stored_copy", 0) == 0]
    stored = sum(json.loads(c).get("stored_new", 0) + json.loads(c).get("stored_copy", 0) for *_, c in runs)
    print(f"{len(runs)} finished runs of {sources} sources in {time.time() - t0:.0f}s (interval {args.interval}); "
          f"{stored} articles stored; SIGTERM -> exit {rc} in {stop_s:.1f}s\n")
    print("| | daemon RSS (MB) | daemon + extraction workers (MB) |\n|---|---|---|")
    print(f"| start (after the first round of runs) | {start_mem[0]:.1f} | {start_mem[1]:.1f} |")
    print(f"| end | {end_mem[0]:.1f} | {end_mem[1]:.1f} |")
    print(f"| peak | {max(s[0] for s in samples):.1f} | {max(s[1] for s in samples):.1f} |")
    print(f"| growth | {end_mem[0] - start_mem[0]:+.1f} | {end_mem[1] - start_mem[1]:+.1f} |")
    if idle:
        print(f"\nper-run overhead (runs with nothing new, n={len(idle)}): median {1000 * statistics.median(idle):.0f} ms, "
              f"p90 {1000 * sorted(idle)[int(0.9 * len(idle))]:.0f} ms")


if __name__ == "__main__":
    main()
