#!/usr/bin/env python3
"""Start-up time of copydesk on corpora of growing size: ``Pipeline`` (state, dedup index, recovery)
and ``copydesk status``.

    .venv/bin/python bench/startup.py CORPUS [CORPUS ...] [--rounds 3] [--old-code DIR] [--in-place]
    .venv/bin/python bench/startup.py --build /tmp/startup --sizes 10000,100000 --days 365

Each round runs, in fresh processes: a ``Pipeline(config, workers=0)`` start (timed from after the
imports to the end of the constructor; its recovery counts and the resident memory are reported),
the dedup index open alone (``dedup.Deduper``), and ``copydesk status --json`` as a user runs it
(wall clock of the whole process, imports included). Wall clock and, for the starts, CPU time of
the process (the figure that does not depend on what else the machine runs). Page cache warm (a restart on the same
machine); the first round of each corpus is a warm-up and is not counted. Medians of the rounds.

A start writes a little (the dedup index records its coverage, interrupted runs are closed), so by
default every round runs on a shadow of the corpus: a copy of ``_state/`` and the top-level files,
with the other directories (``documents/``, ``raw/``, ...) symlinked, not copied. ``--in-place`` uses the corpus itself.
``--old-code DIR``: also time the same start with the copydesk in DIR (e.g. ``git archive`` of an
older commit), alternating A/B rounds. ``--build DIR``: first build corpora of ``--sizes`` documents
with bench/synth_corpus.py into DIR/<size> (kept when already there).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

START = r"""
import json, os, sys, time
import resource
root = sys.argv[1]
from copydesk.config import Config
from copydesk.pipeline import Pipeline
from copydesk import dedup
t, c = time.perf_counter(), time.process_time()
p = Pipeline(Config(corpus=root), workers=0)
took, cpu = time.perf_counter() - t, time.process_time() - c
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"pipeline_s": took, "pipeline_cpu_s": cpu, "repaired": p.repaired, "peak_rss_mb": rss,
                  "index_docs": len(p.deduper)}))
sys.stdout.flush()
os._exit(0)
"""

INDEX = r"""
import json, sys, time
from copydesk import dedup
t, c = time.perf_counter(), time.process_time()
d = dedup.Deduper(sys.argv[1] + "/_state/dedup")
print(json.dumps({"index_s": time.perf_counter() - t, "index_cpu_s": time.process_time() - c, "index_docs": len(d)}))
"""


def shadow(corpus: Path, where: Path) -> Path:
    """A corpus that shares the part files but has its own state (a start cannot alter the original)."""
    s = where / "corpus"
    if s.exists():
        shutil.rmtree(s)
    s.mkdir(parents=True)
    shutil.copytree(corpus / "_state", s / "_state", ignore=shutil.ignore_patterns("*.lock", "lock"))
    for f in corpus.iterdir():
        if f.name == "_state":
            continue
        if f.is_dir():
            (s / f.name).symlink_to(f.resolve())
        else:
            shutil.copy2(f, s / f.name)
    return s


def run(code: str, corpus: Path, pythonpath: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    r = subprocess.run([sys.executable, "-c", code, str(corpus)], capture_output=True, text=True, env=env,
                       cwd=pythonpath, timeout=3600)
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["log"] = r.stderr.count("repaired the corpus state")
    return out


def status(corpus: Path, pythonpath: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "status", "--corpus", str(corpus), "--json"],
                       capture_output=True, text=True, env=env, cwd=pythonpath, timeout=3600)
    took = time.perf_counter() - t
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    return took


def corpus_size(corpus: Path) -> tuple[int, int]:
    m = json.loads((corpus / "manifest.json").read_text())
    return int(m.get("documents", 0)), int(m.get("parts", 0))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=3, help="counted rounds per corpus (default 3)")
    ap.add_argument("--old-code", type=Path, help="a tree of another copydesk to compare with (A/B rounds)")
    ap.add_argument("--in-place", action="store_true", help="start on the corpus itself, not a shadow")
    ap.add_argument("--no-status", action="store_true", help="do not time `copydesk status`")
    ap.add_argument("--build", type=Path, help="build corpora with bench/synth_corpus.py under this directory")
    ap.add_argument("--sizes", default="10000,100000", help="with --build: document counts (default 10000,100000)")
    ap.add_argument("--days", type=float, default=365.0, help="with --build: days of storing (default 365)")
    args = ap.parse_args(argv)
    corpora = list(args.corpora)
    if args.build:
        sys.path.insert(0, str(REPO / "bench"))
        from synth_corpus import synth_corpus

        for n in (int(x) for x in args.sizes.split(",")):
            out = args.build / str(n)
            if not (out / "_state").exists():
                print(f"building {out} ...", file=sys.stderr, flush=True)
                synth_corpus(out, n, args.days)
            corpora.append(out)
    if not corpora:
        ap.error("no corpus given (or --build)")
    for c in corpora:
        if not (c / "_state").is_dir():
            print(f"startup: {c} is not a copydesk corpus", file=sys.stderr)
            return 2
    codes = [("this tree", REPO)] + ([("old code", args.old_code.resolve())] if args.old_code else [])
    print("| corpus | documents | parts | code | Pipeline start-up s (CPU s) | dedup index open s (CPU s) | "
          "documents in index | `copydesk status` s | peak RSS MB | recovery at start |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for corpus in corpora:
        docs, parts = corpus_size(corpus)
        results: dict[str, list[dict]] = {name: [] for name, _ in codes}
        with tempfile.TemporaryDirectory(prefix="startup-") as tmp:
            for rnd in range(args.rounds + 1):  # round 0 warms the page cache
                order = codes if rnd % 2 == 0 else list(reversed(codes))
                for name, tree in order:
                    target = corpus if args.in_place else shadow(corpus, Path(tmp))
                    r = run(START, target, tree)
                    r.update(run(INDEX, target, tree))
                    r["status_s"] = None if args.no_status else status(target, tree)
                    if rnd:
                        results[name].append(r)
                    print(f"  {corpus.name} {name} round {rnd}: {r['pipeline_s']:.2f} s, repaired {r['repaired']}",
                          file=sys.stderr, flush=True)
        for name, _ in codes:
            rs = results[name]
            med = {k: statistics.median(r[k] for r in rs)
                   for k in ("pipeline_s", "pipeline_cpu_s", "index_s", "index_cpu_s", "peak_rss_mb")}
            st = "-" if args.no_status else f"{statistics.median(r['status_s'] for r in rs):.2f}"
            rep = rs[-1]["repaired"]
            said = ", ".join(f"{k} {v}" for k, v in rep.items() if v) or "nothing"
            print(f"| {corpus.name} | {docs:,} | {parts:,} | {name} | {med['pipeline_s']:.2f} ({med['pipeline_cpu_s']:.2f}) | "
                  f"{med['index_s']:.2f} ({med['index_cpu_s']:.2f}) | "
                  f"{rs[-1]['index_docs']:,} | {st} | {med['peak_rss_mb']:.0f} | {said} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
