"""Pages per second of a full `copydesk crawl` of a local site, next to the same pages through the
pipeline alone (no network) and trafilatura's extraction alone, in one run.

    python bench/crawl.py [--pages 2000] [--per-host 16] [--rounds 3] [--page-kb 0]

The site (robots.txt, a sitemap index of sitemaps, N synthetic article pages in a few templates,
10% of them syndicated copies: tests/news_site.py) is served from its own process on 127.0.0.1;
the pages are rendered once in memory. The crawl is the real command line (`python -m copydesk.cli crawl`), so its time
includes start-up, robots.txt, sitemaps, politeness and the final checkpoint.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from copydesk import config as config_mod  # noqa: E402
from copydesk.gc_tuning import settle_gc  # noqa: E402
from copydesk.pipeline import Page, Pipeline  # noqa: E402
from tests.news_site import build_site, start_site  # noqa: E402


def memory_samples(proc: subprocess.Popen, every: float = 0.5) -> list[tuple[float, float, float]]:
    """(seconds since start, crawler RSS MB, crawler + extraction workers RSS MB) until ``proc`` ends."""
    import psutil

    ps, t0, out = psutil.Process(proc.pid), time.perf_counter(), []
    while proc.poll() is None:
        try:
            own = ps.memory_info().rss
            kids = sum(c.memory_info().rss for c in ps.children(recursive=True))
            out.append((time.perf_counter() - t0, own / 2**20, (own + kids) / 2**20))
        except psutil.Error:
            break
        time.sleep(every)
    return out


def pages_in_memory(n: int, base: str, page_kb: int = 0) -> list[Page]:
    now = dt.datetime.now(dt.timezone.utc)
    return [Page(base + p, body, "bench", now, content_type=ctype)
            for p, (body, ctype) in build_site(n, base, page_kb).items() if p.endswith(".html")]


def _traf(body: bytes) -> None:
    import trafilatura

    trafilatura.extract(body.decode(), include_comments=False, with_metadata=True)


def run_crawl(work: Path, base: str, per_host: int) -> tuple[dict, float, list]:
    """One `copydesk crawl` of the site into a new corpus; (counts of its run, whole-command seconds, memory)."""
    work.mkdir(parents=True)
    cfg = work / "copydesk.toml"
    cfg.write_text(f"""corpus = "corpus"
[crawl]
user_agent = "copydesk-bench"
concurrency = {per_host * 2}
per_host_concurrency = {per_host}
[[sources]]
name = "bench"
sitemaps = ["{base}/sitemap.xml"]
""")
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    mem = memory_samples(proc)
    err = proc.stderr.read()
    wall = time.perf_counter() - t
    if proc.wait() != 0:
        sys.exit(f"crawl failed ({proc.returncode}):\n{err[-3000:]}")
    st = json.loads(subprocess.run([sys.executable, "-m", "copydesk.cli", "status", "-c", str(cfg), "--json"],
                                   capture_output=True, text=True, cwd=ROOT).stdout)
    return st["sources"][0]["last_run"]["counts"], wall, mem


def run_pipeline(work: Path, pages: list[Page], cores: int) -> tuple[int, float]:
    """The same pages through the pipeline alone (pool of `cores`); (documents stored, seconds)."""
    pipe = Pipeline(dataclasses.replace(config_mod.Config(), corpus=work))
    list(pipe.extractor.run(pages[:cores]))  # start the workers outside the timing, as a crawl does
    settle_gc()  # as `copydesk ingest` and `copydesk crawl` do before their runs
    t = time.perf_counter()
    for _ in pipe.run(pages):
        pass
    pipe.close()
    total = pipe.stats.total()
    return total.stored_new + total.stored_copy, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--per-host", type=int, default=16, help="crawl.per_host_concurrency (a local mirror allows many)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="crawl and pipeline-only runs, alternated ABBA (a shared machine's speed drifts); "
                         "medians reported")
    ap.add_argument("--page-kb", type=int, default=0,
                    help="grow each article page to about this many KB with a news site's usual markup "
                         "(menus, inline CSS/JS, related stories, comments); 0: the generator's ~3 KB pages")
    ap.add_argument("--crawl-only", action="store_true", help="only the crawl and its memory (a load run)")
    args = ap.parse_args()
    n, cores = args.pages, os.cpu_count() or 1

    server, base = start_site(n, page_kb=args.page_kb)
    work = Path(tempfile.mkdtemp(prefix="copydesk-crawl-bench-"))
    rounds: list[tuple[float, float, float]] = []  # (crawl run pages/s, whole command pages/s, pipeline pages/s)
    try:
        if args.crawl_only:
            counts, crawl_wall, mem = run_crawl(work / "crawl", base, args.per_host)
            stored, crawl_run = counts["stored_new"] + counts["stored_copy"], counts["elapsed_s"]
            print(f"{n} pages: crawl {stored} stored in {crawl_run:.1f}s ({stored / crawl_run:.1f} pages/s; whole command "
                  f"{crawl_wall:.1f}s); requests {counts['requests']}, new {counts['stored_new']}, copies "
                  f"{counts['stored_copy']}, skipped {counts['skipped']}, failed {counts['failed']}")
            print("| time (s) | crawler RSS (MB) | with extraction workers (MB) |\n|---|---|---|")
            for m in mem[:: max(1, len(mem) // 8)] + [mem[-1]]:
                print(f"| {m[0]:.0f} | {m[1]:.0f} | {m[2]:.0f} |")
            return
        mem_pages = pages_in_memory(n, base, args.page_kb)
        for r in range(args.rounds):
            # crawl, pipeline; pipeline, crawl; ...: a drift of the machine's speed within a round
            # (this VM's drifts by +-30 % within minutes) favours neither side over two rounds
            if r % 2:
                pipe_stored, pipe_time = run_pipeline(work / f"pipeline-{r}", mem_pages, cores)
            counts, crawl_wall, mem = run_crawl(work / f"crawl-{r}", base, args.per_host)
            stored = counts["stored_new"] + counts["stored_copy"]
            if not r % 2:
                pipe_stored, pipe_time = run_pipeline(work / f"pipeline-{r}", mem_pages, cores)
            rounds.append((stored / counts["elapsed_s"], stored / crawl_wall, pipe_stored / pipe_time))
            print(f"round {r + 1}: crawl {stored} pages in {counts['elapsed_s']:.1f}s (whole command {crawl_wall:.1f}s), "
                  f"pipeline only {pipe_stored} in {pipe_time:.1f}s: {100 * rounds[-1][0] / rounds[-1][2]:.0f}%", flush=True)

        bodies = [p.body for p in mem_pages]
        t = time.perf_counter()
        for b in bodies:
            _traf(b)
        traf1 = time.perf_counter() - t
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            t = time.perf_counter()
            pool.map(_traf, bodies, chunksize=8)
            trafn = time.perf_counter() - t
    finally:
        server.terminate()
        shutil.rmtree(work, ignore_errors=True)

    med = [statistics.median(x[i] for x in rounds) for i in range(3)]
    ratios = sorted(100 * x[0] / x[2] for x in rounds)
    size = sum(len(p.body) for p in mem_pages) / len(mem_pages) / 1024
    print(f"\n{n} article pages of {size:.1f} KB on average, {cores} cores, per_host_concurrency {args.per_host}, "
          f"{len(rounds)} rounds (medians)\n")
    print("| measurement | pages/s |\n|---|---|")
    print(f"| `copydesk crawl` (whole command, incl. start-up) | {med[1]:.1f} |")
    print(f"| `copydesk crawl` (the run itself, from its counts) | {med[0]:.1f} |")
    print(f"| pipeline only, no network (pool of {cores}) | {med[2]:.1f} |")
    print(f"| trafilatura.extract alone, 1 process | {n / traf1:.1f} |")
    print(f"| trafilatura.extract alone, pool of {cores} | {n / trafn:.1f} |")
    print(f"\ncrawl rate / pipeline-only rate, per round: {', '.join(f'{x:.0f}%' for x in ratios)}; "
          f"median {statistics.median(ratios):.0f}% (run), "
          f"{statistics.median(100 * x[1] / x[2] for x in rounds):.0f}% (whole command); "
          f"median crawl rate / median pipeline-only rate: {100 * med[0] / med[2]:.0f}%")
    if mem:
        mid = mem[len(mem) // 2]
        print(f"crawler memory, last round (RSS MB, crawler / with extraction workers and forkserver): "
              f"at {mid[0]:.0f} s {mid[1]:.0f} / {mid[2]:.0f}, at the end {mem[-1][1]:.0f} / {mem[-1][2]:.0f}, "
              f"peak {max(m[1] for m in mem):.0f} / {max(m[2] for m in mem):.0f} ({len(mem)} samples)")
    print(f"crawl counts, last round: requests {counts['requests']}, new {counts['stored_new']}, "
          f"copies {counts['stored_copy']}, skipped {counts['skipped']}, failed {counts['failed']}")


if __name__ == "__main__":
    main()
