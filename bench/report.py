#!/usr/bin/env python3
"""Stories and report at scale: time and peak memory of rebuilding the stories table, of
`copydesk report` and of `copydesk stories`, on a corpus (e.g. 1M documents from bench/synth_corpus.py).

    .venv/bin/python bench/report.py /tmp/bench-corpus-1m [--rounds 3] [--work /tmp/report-bench]
    .venv/bin/python bench/report.py /tmp/report-1m --make 1000000 --days 30     # write such a corpus first

The corpus is only read: the commands run on an overlay directory (``--work``) whose documents/,
_state/ and manifest.json are symlinks to the corpus and whose stories/ is its own, so a shared
cached corpus is never written. Each measurement is a fresh process (import time included, as a
user sees it); peak memory is that process's maximum resident set size (wait4 rusage).
Targets (issue 18): report under 30 s and under 2 GB at 1M documents.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one run of ``cmd``. The peak is sampled every
    10 ms from /proc (ru_maxrss would carry over this process' own peak through fork and exec)."""
    import threading

    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        p = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                peak[0] = max(peak[0], p.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read().decode() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, peak[0] / 2**20


def overlay(corpus: Path, work: Path) -> Path:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for name in ("documents", "_state", "manifest.json"):
        if (corpus / name).exists():
            (work / name).symlink_to((corpus / name).resolve())
    return work


OUTLETS = [("meridian-wire", "wire"), ("atlas-press", "wire"), ("northline", "wire"), ("kestrel-gazette", "paper"),
           ("valley-times", "paper"), ("harbour-herald", "paper"), ("lakeside-courier", "paper"),
           ("capital-ledger", "paper"), ("eastern-standard", "paper"), ("quiet-corner", "blog"),
           ("field-notes", "blog"), ("the-margin", "blog"), ("local-voices", "blog"), ("newsfeed-hub", "farm"),
           ("trending-now", "farm"), ("clickwire", "farm")]


def make(root: Path, docs: int, days: int, runs_per_day: int, seed: int = 1) -> None:
    """A corpus with the metadata shape of a daemon's (16 outlets, 40 % of stories syndicated with
    1-15 copies, lags of hours and 3 % of weeks, 5 % archive dates, one part per source per run),
    written straight as format-2 Parquet parts, plus a state store with the runs and failures. The
    text is a short stand-in: neither the stories table nor the report reads it."""
    import datetime as dt

    import numpy as np
    import pyarrow as pa

    sys.path.insert(0, str(ROOT))
    from copydesk.storage import StateStore, schema
    from copydesk.storage.atomic import atomic_file
    from copydesk.storage.corpus import write_manifest, write_parquet

    rng = np.random.default_rng(seed)
    end = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    start = end - days * 86400
    n_out = len(OUTLETS)
    wires = np.array([i for i, (_, k) in enumerate(OUTLETS) if k == "wire"])
    kind = rng.random(int(docs / 2.3) + 10)
    copies = np.where(kind < 0.60, 0, np.where(kind < 0.85, rng.integers(1, 3, kind.size),
                      np.where(kind < 0.95, rng.integers(3, 7, kind.size), rng.integers(8, 16, kind.size))))
    sizes = copies + 1
    n_stories = int(np.searchsorted(np.cumsum(sizes), docs)) + 1
    sizes = sizes[:n_stories]
    sizes[-1] -= sizes.sum() - docs
    story = np.repeat(np.arange(n_stories), sizes)
    first_row = np.cumsum(sizes) - sizes
    is_orig = np.zeros(docs, bool)
    is_orig[first_row] = True
    origin = np.where(rng.random(n_stories) < 0.6, rng.choice(wires, n_stories), rng.integers(0, n_out, n_stories))
    outlet = np.where(is_orig, origin[story], (origin[story] + rng.integers(1, n_out, docs)) % n_out)
    t0 = start + rng.random(n_stories) * (days * 86400)
    archive = rng.random(n_stories) < 0.05
    t0 = np.where(archive, start - rng.random(n_stories) * 6 * 365 * 86400, t0)
    lag = np.where(rng.random(docs) < 0.03, 86400 + rng.random(docs) * 30 * 86400, rng.exponential(4 * 3600, docs))
    published = t0[story] + np.where(is_orig, 0, lag)
    fetched = np.maximum(published, start + rng.random(docs) * 3600) + rng.random(docs) * 1800
    fetched = np.minimum(fetched, end - 1)
    published = np.where(rng.random(docs) < 0.04, np.nan, published)  # pages without a date
    ids = np.array([f"{x:016x}" for x in rng.integers(0, 2**63, docs)], dtype=object)
    # dedup's view: the first member *fetched* heads the cluster
    order = np.lexsort((fetched, story))
    head = np.empty(n_stories, dtype=np.int64)
    head[story[order][::-1]] = order[::-1]
    cluster = ids[head[story]]
    dup = np.where(np.arange(docs) == head[story], None, cluster)
    names = np.array([o for o, _ in OUTLETS], dtype=object)
    src = names[outlet]
    site = np.array([f"www.{o}.example" for o, _ in OUTLETS], dtype=object)[outlet]
    ts = pa.array((fetched * 1e6).astype(np.int64)).cast(pa.timestamp("us", tz="UTC"))
    pub = pa.array((np.nan_to_num(published) * 1e6).astype(np.int64), mask=np.isnan(published)).cast(
        pa.timestamp("us", tz="UTC"))
    table = pa.table({
        "id": pa.array(ids, pa.string()), "url": pa.array([f"https://{h}/{i}.html" for h, i in zip(site, ids)]),
        "source": pa.array(src, pa.string()), "site": pa.array(site, pa.string()),
        "title": pa.array([f"Story {k} as told by {o}" for k, o in zip(story, src)]),
        "text": pa.array(["Stand-in text of a news article. " * 8] * docs), "published": pub, "fetched_at": ts,
        "language": pa.array(["en"] * docs), "word_count": pa.array(np.full(docs, 48)),
        "cluster_id": pa.array(cluster, pa.string()), "duplicate_of": pa.array(dup, pa.string()),
        "similarity": pa.array(np.where(dup == None, np.nan, 0.8), mask=(dup == None).astype(bool)),  # noqa: E711
        "authors": pa.array([[]] * docs, pa.list_(pa.string())), "canonical_url": pa.array([None] * docs, pa.string()),
        "description": pa.array([None] * docs, pa.string()),
    })
    table = schema.conform(table)
    slot = (fetched // (86400 / runs_per_day)).astype(np.int64)
    order = np.lexsort((outlet, slot))
    table = table.take(pa.array(order))
    slot, outlet_s = slot[order], outlet[order]
    cut = np.flatnonzero((np.diff(slot) != 0) | (np.diff(outlet_s) != 0)) + 1
    bounds = np.concatenate([[0], cut, [docs]])
    for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        when = dt.datetime.fromtimestamp(slot[a] * 86400 / runs_per_day, dt.timezone.utc)
        rel = f"documents/date={when.date().isoformat()}/part-{when.strftime('%Y%m%dT%H%M%S')}000000Z-bench-{k:07d}.parquet"
        with atomic_file(root / rel) as f:
            write_parquet(f, table.slice(a, b - a))
    state = StateStore(root / "_state" / "state.sqlite3")
    runs, errors = [], []
    reasons = ["http_404", "timeout", "http_500", "connection_refused"]
    for i, (name, _) in enumerate(OUTLETS):
        for r in range(days * 48):  # a run every 30 minutes, whatever the part layout
            at = start + r * 1800
            status = "completed" if rng.random() < 0.97 else ("failed" if rng.random() < 0.7 else "interrupted")
            req = int(rng.integers(3, 40))
            counts = {"requests": req, "not_modified": int(rng.integers(0, req)), "elapsed_s": float(rng.exponential(20))}
            runs.append((name, "serve", at, at + counts["elapsed_s"], status, json.dumps(counts)))
            if rng.random() < 0.1:
                errors.append((name, at, f"https://www.{name}.example/x", reasons[int(rng.integers(0, 4))]))
    with state._tx():
        state.db.executemany("INSERT INTO runs(source, kind, started_at, finished_at, status, counts) VALUES (?,?,?,?,?,?)",
                             runs)
        state.db.executemany("INSERT INTO errors(run_id, at, source, url, outcome, reason) VALUES (NULL,?,?,?,'failed',?)",
                             [(a, s, u, r) for s, a, u, r in errors])
    state.close()
    write_manifest(root, counts={"documents": docs, "unique_documents": n_stories, "copies": docs - n_stories,
                                 "clusters": n_stories, "parts": len(bounds) - 1},
                   dedup={"threshold": 0.5, "window_days": 30.0})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/copydesk-report-bench"))
    ap.add_argument("--make", type=int, metavar="DOCS",
                    help="first write a corpus of DOCS documents at CORPUS (which must not exist; see make())")
    ap.add_argument("--days", type=int, default=30, help="with --make: days of crawling (default 30)")
    ap.add_argument("--runs-per-day", type=int, default=48,
                    help="with --make: parts per source per day (default 48: one per 30-minute run, as the "
                         "daemon writes them; 1: as after compaction)")
    args = ap.parse_args()
    corpus = args.corpus.resolve()
    if args.make:
        if corpus.exists():
            raise SystemExit(f"{corpus} exists; --make writes a new corpus")
        t = time.perf_counter()
        make(corpus, args.make, args.days, args.runs_per_day)
        print(f"made {corpus}: {args.make} documents in {time.perf_counter() - t:.0f} s")
    manifest = json.loads((corpus / "manifest.json").read_text())
    work = overlay(corpus, args.work)
    py = sys.executable
    steps = {
        "stories table rebuild": [py, "-c", f"from copydesk.storage import stories; stories.rebuild({str(work)!r})"],
        "copydesk report": [py, "-m", "copydesk.cli", "report", "--corpus", str(work), "-o", str(work / "report.html")],
        "copydesk stories": [py, "-m", "copydesk.cli", "stories", "--corpus", str(work), "--limit", "20"],
    }
    results: dict[str, list[tuple[float, float, float]]] = {k: [] for k in steps}
    measure(steps["stories table rebuild"])  # the report and stories commands read the table it writes
    for _ in range(args.rounds):
        for name, cmd in steps.items():
            results[name].append(measure(cmd))
    parts = sum(1 for _ in (corpus / "documents").rglob("part-*"))
    print(f"corpus {corpus}: {manifest.get('documents')} documents, {manifest.get('clusters')} stories, "
          f"{parts} part files; {args.rounds} rounds, median (min-max); load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    print("| step | wall s | CPU s | peak RSS MB |")
    print("|---|---|---|---|")

    def cell(xs: list[float], fmt: str) -> str:
        return f"{statistics.median(xs):{fmt}} ({min(xs):{fmt}}-{max(xs):{fmt}})"

    for name, runs in results.items():
        print(f"| {name} | {cell([r[0] for r in runs], '.1f')} | {cell([r[1] for r in runs], '.1f')} | "
              f"{cell([r[2] for r in runs], '.0f')} |")
    size = (work / "report.html").stat().st_size
    print(f"report.html: {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
