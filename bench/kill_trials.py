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
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.kill_trial import trial  # noqa: E402
from tests.news_site import start_site  # noqa: E402


# When to kill: this many seconds (uniform) after the first part file became visible, i.e. while
# the run is writing (a 400-page run lasts several seconds past its first checkpoint).
KILL_WINDOW = (0.0, 2.0)


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
