"""Throughput of the ingestion pipeline (clean + dedup + store) over a directory of HTML pages, the
share of time each stage takes, and the overhead beyond trafilatura's own extraction time.

    python bench/pipeline.py DIR [--limit N] [--rounds 3]   # any directory of .html files
    python bench/pipeline.py --synthetic 2000         # generated pages (10% syndicated copies)

Three measurements in one run, all on the same pages:
1. trafilatura alone, one process: trafilatura.extract(html, url, include_comments=False, with_metadata=True);
2. the pipeline inline (one process, no pool), timed stage by stage; time spent inside trafilatura's
   own extraction calls is measured by wrapping them, so the overhead is exactly "everything else";
3. the pipeline as `copydesk ingest` runs it: extraction in a process pool (one worker per core).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
import trafilatura.core  # noqa: E402

from copydesk import config as config_mod  # noqa: E402
from copydesk.pipeline import Page, Pipeline  # noqa: E402


def load_pages(directory: Path | None, synthetic: int, limit: int | None) -> list[Page]:
    now = dt.datetime.now(dt.timezone.utc)
    if directory is None:
        from copydesk.demo.synth import page

        out = []
        for i in range(synthetic):
            url = f"https://bench{i % 7}.example/2026/11/{i}.html"
            html = page(i, site=f"bench{i % 7}", url=url, copy_of=(i - 1) if i % 10 == 9 else None)
            out.append(Page(url, html.encode(), "bench", now))
        return out
    files = sorted(directory.rglob("*.html"))[:limit]
    return [Page(f"https://{f.stem[:12]}.example/{f.name}", f.read_bytes(), "bench", now) for f in files]


FEATURES = "dedup features and template line keys (in the workers)"


def trafilatura_alone(pages: list[Page]) -> float:
    t = time.perf_counter()
    for p in pages:
        trafilatura.extract(p.body.decode("utf-8", "replace"), url=p.url, include_comments=False, with_metadata=True)
    return time.perf_counter() - t


class StageTimer:
    """Wraps each pipeline step's run() and trafilatura's extraction entry points."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, name: str, fn):  # noqa: ANN001, ANN201
        seconds = self.seconds

        def timed(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                seconds[name] += time.perf_counter() - t
        return timed

    def wrap_step(self, step) -> None:  # noqa: ANN001
        name = type(step).__name__.lower()
        inner = step.run
        seconds = self.seconds

        def run(docs):  # noqa: ANN001, ANN202 - time each document's pass through this step only
            it = inner(docs)
            while True:
                t = time.perf_counter()
                try:
                    d = next(it)
                except StopIteration:
                    seconds[name] += time.perf_counter() - t
                    return
                seconds[name] += time.perf_counter() - t
                yield d
        step.run = run


def pipeline_inline(pages: list[Page], corpus: Path) -> tuple[float, dict[str, float], dict]:
    cfg = dataclasses.replace(config_mod.Config(), corpus=corpus)
    timer = StageTimer()
    # time inside trafilatura's own extraction (bare_extraction is what extract() and cleaning call)
    originals = (trafilatura.bare_extraction, trafilatura.core.bare_extraction)
    trafilatura.bare_extraction = trafilatura.core.bare_extraction = timer.wrap("trafilatura", originals[0])
    from copydesk import cleaning
    import copydesk.extraction as cp

    analyze = cleaning.analyze  # what copydesk.extraction calls, looked up at call time
    cleaning.analyze = timer.wrap("cleaning (all of extraction)", analyze)
    warc = cp.warc_member
    cp.warc_member = timer.wrap("raw WARC record (compression, in the workers)", warc)
    from copydesk import dedup

    features, keys = dedup.Preparer.features, cleaning.line_keys
    dedup.Preparer.features = timer.wrap(FEATURES, features)
    cleaning.line_keys = timer.wrap(FEATURES, keys)
    try:
        pipe = Pipeline(cfg, workers=0)
        for step in pipe.steps:
            timer.wrap_step(step)
        pipe.checkpoint = timer.wrap("checkpoint (flush, fsync, state, index)", pipe.checkpoint)
        t = time.perf_counter()
        for _ in pipe.run(pages):
            pass
        pipe.close()
        total = time.perf_counter() - t
    finally:
        trafilatura.bare_extraction, trafilatura.core.bare_extraction = originals
        cleaning.analyze = analyze
        cp.warc_member = warc
        dedup.Preparer.features, cleaning.line_keys = features, keys
    return total, dict(timer.seconds), pipe.stats.total().as_dict()


def pipeline_pool(pages: list[Page], corpus: Path) -> tuple[float, dict]:
    cfg = dataclasses.replace(config_mod.Config(), corpus=corpus)
    pipe = Pipeline(cfg)
    pipe.extractor.call(len, "").result()  # start the workers outside the timing (a long run pays it once)
    t = time.perf_counter()
    for _ in pipe.run(pages):
        pass
    pipe.close()
    return time.perf_counter() - t, pipe.stats.total().as_dict()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("directory", nargs="?", type=Path)
    ap.add_argument("--synthetic", type=int, default=1000, help="generate N pages when no directory is given")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--rounds", type=int, default=3,
                    help="trafilatura-alone and inline-pipeline runs, alternated (a shared machine's speed drifts)")
    args = ap.parse_args()
    pages = load_pages(args.directory, args.synthetic, args.limit)
    n = len(pages)
    print(f"{n} pages from {args.directory or 'the synthetic generator'}; {os.cpu_count()} cores")
    trafilatura_alone(pages[: min(20, n)])  # warm-up (imports, caches, language model)
    work = Path(tempfile.mkdtemp(prefix="copydesk-bench-"))
    rounds: list[tuple[float, float, dict[str, float]]] = []
    try:
        pipeline_inline(pages[: min(20, n)], work / "warm-up")
        for r in range(args.rounds):
            t_traf = trafilatura_alone(pages)
            total, stages, counts = pipeline_inline(pages, work / f"inline-{r}")
            rounds.append((t_traf, total, stages))
            print(f"round {r + 1}: trafilatura alone {t_traf:.2f}s, pipeline inline {total:.2f}s "
                  f"({100 * (total - t_traf) / t_traf:+.1f}%)", flush=True)
        t_pool, counts_pool = pipeline_pool(pages, work / "pool")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # the median round (by the pipeline's overhead over trafilatura alone) gives every figure below
    t_traf, total, stages = sorted(rounds, key=lambda x: x[1] / x[0])[len(rounds) // 2]
    extraction = stages.get("cleaning (all of extraction)", 0.0)
    traf_inside = stages.get("trafilatura", 0.0)
    print("\n| measurement | seconds | docs/s |\n|---|---|---|")
    print(f"| trafilatura.extract alone (1 process) | {t_traf:.2f} | {n / t_traf:.1f} |")
    print(f"| copydesk pipeline inline (1 process) | {total:.2f} | {n / total:.1f} |")
    print(f"| copydesk pipeline, extraction pool of {os.cpu_count()} (as `copydesk ingest`) | {t_pool:.2f} | {n / t_pool:.1f} |")
    print("\n| stage (inline run) | seconds | share of total |\n|---|---|---|")
    rows = [("trafilatura's own extraction calls", traf_inside),
            ("cleaning beyond trafilatura (decode, second opinion, post-cleaning, metadata)", extraction - traf_inside)]
    # the steps are chained generators: a step's time includes the steps before it; subtract them
    previous = 0.0
    for name in ("identify", "templates", "filter", "dedup", "store"):
        rows.append((name, stages.get(name, 0.0) - previous))
        previous = stages.get(name, previous)
    rows.append(("checkpoint (flush, fsync, state, index)", stages.get("checkpoint (flush, fsync, state, index)", 0.0)))
    rows.append(("raw WARC record (compression, in the workers)",
                 stages.get("raw WARC record (compression, in the workers)", 0.0)))
    rows.append((FEATURES, stages.get(FEATURES, 0.0)))
    accounted = extraction + sum(v for _, v in rows[2:])
    rows.append(("other (reading pages, bookkeeping)", total - accounted))
    for k, v in rows:
        print(f"| {k} | {v:.3f} | {100 * v / total:.1f}% |")
    after = total - extraction
    print(f"\nall of the pipeline beyond trafilatura's own extraction calls: {100 * (total - traf_inside) / traf_inside:.1f}%"
          f" of their time (inline run)")
    print(f"  of which copydesk's cleaning beyond trafilatura (second opinion, filters): "
          f"{100 * (extraction - traf_inside) / traf_inside:.1f}%")
    print(f"  of which everything after extraction (identify, templates, filters, dedup, storage incl. WARC, "
          f"checkpoints, reading): {100 * after / traf_inside:.1f}%; against all of extraction: "
          f"{100 * after / extraction:.1f}%")
    print(f"pipeline inline (one process, everything) against trafilatura.extract alone (one process): "
          f"{100 * (total - t_traf) / t_traf:+.1f}% time (median of {len(rounds)} rounds: "
          f"{', '.join(f'{100 * (x[1] - x[0]) / x[0]:+.1f}%' for x in rounds)})")
    print(f"outcomes (inline): new {counts['stored_new']}, copies {counts['stored_copy']}, "
          f"skipped {counts['skipped']}, failed {counts['failed']}; pool run: new {counts_pool['stored_new']}, "
          f"copies {counts_pool['stored_copy']}")


if __name__ == "__main__":
    main()
