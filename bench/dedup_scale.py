#!/usr/bin/env python3
"""Throughput, resident memory and start-up time of the dedup index at 10k, 100k and 1M documents.

    .venv/bin/python bench/dedup_scale.py [--max 1000000] [--dir /tmp/dedup-scale] [--words 300]
    .venv/bin/python bench/dedup_scale.py --resume 20000 --dir /tmp/dedup-scale   # add to a built index

Synthetic news-like documents: words drawn from a Zipf distribution over a 60,000-word generated
vocabulary, 6 paragraphs, ~300 words; 5 % are trimmed reprints of an earlier document (so the
verification path runs). Timing covers the whole Deduper.add (normalise, shingle, MinHash, LSH
query, verification, insert); text generation and flushes are excluded from docs/s and reported
separately. docs/s is given per CPU-second of the process (time.process_time: one core, robust
to other load on the machine) and per wall-clock second. At each checkpoint: docs/s over the last segment, RSS, and the time a new
process-local Deduper takes to open the flushed index (start-up). Peak RSS is the process's
high-water mark (ru_maxrss) so far, start-ups included.
"""
from __future__ import annotations

import argparse
import gc
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copydesk.dedup import Deduper  # noqa: E402


def vocabulary(n: int, rng: np.random.Generator) -> np.ndarray:
    letters = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
    p = np.array([12.7, 9.1, 8.2, 7.5, 7.0, 6.3, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0,
                  1.9, 1.5, 1.0, 0.8, 0.2, 0.2, 0.1, 0.1])
    p /= p.sum()
    lengths = rng.integers(2, 11, n)
    return np.array(["".join(rng.choice(letters, k, p=p)) for k in lengths])


def documents(start: int, count: int, vocab: np.ndarray, words: int, rng: np.random.Generator,
              recent: list[str]) -> list[tuple[str, str]]:
    ranks = np.arange(1, vocab.size + 1)
    zipf = 1.0 / ranks
    zipf /= zipf.sum()
    out = []
    pool = vocab[rng.choice(vocab.size, words * count, p=zipf)]  # one draw per batch: fast
    for k in range(start, start + count):
        if recent and rng.random() < 0.05:
            src = recent[int(rng.integers(len(recent)))]
            cut = src.split(" ")
            text = "Reprinted headline\n" + " ".join(cut[: int(len(cut) * rng.uniform(0.6, 0.95))])
        else:
            w = pool[(k - start) * words : (k - start + 1) * words]
            paras = np.array_split(w, 6)
            text = "\n".join(" ".join(p) for p in paras)
            recent.append(text)
            if len(recent) > 2000:
                recent.pop(0)
        out.append((f"doc-{k:08d}", text))
    return out


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


HEADER = ("| documents in index | docs/CPU-s (segment) | docs/s wall (segment) | flush s (segment) | RSS MB | "
          "peak RSS so far MB | close s | start-up s | RSS after start-up MB | index on disk MB |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def checkpoint(holder: list[Deduper], path: Path, done: int, docs: int, cpu: float, wall: float,
               flush_time: float) -> Deduper:
    """Print a row; close the index (which saves the band-table snapshot), drop it, and time
    reopening it. `holder` holds the only reference, so the old index is freed before the new
    one loads."""
    rss = rss_mb()
    t0 = time.perf_counter()
    holder[0].close()
    closing = time.perf_counter() - t0
    holder.clear()
    gc.collect()
    t0 = time.perf_counter()
    d = Deduper(path, window_days=None)
    startup = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
    print(f"| {done:,} | {docs / cpu:,.0f} | {docs / wall:,.0f} | {flush_time:.1f} | {rss:,.0f} | {peak_mb():,.0f} | "
          f"{closing:.1f} | {startup:.2f} | {rss_mb():,.0f} | {disk:,.0f} |", flush=True)
    return d


def resume(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    d = Deduper(args.dir, window_days=None)
    print(f"opened {len(d):,} documents in {time.perf_counter() - t0:.2f} s, RSS {rss_mb():,.0f} MB")
    rng = np.random.default_rng(len(d))
    vocab = vocabulary(60_000, rng)
    recent: list[str] = []
    start = len(d)
    batch = documents(10**9 + start, args.resume, vocab, args.words, rng, recent)
    t0, c0 = time.perf_counter(), time.process_time()
    for doc_id, text in batch:
        d.add(doc_id, text)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    d.flush()
    flush_time = time.perf_counter() - t0
    print(HEADER)
    holder = [d]
    n = len(d)
    del d, batch
    checkpoint(holder, args.dir, n, args.resume, cpu, wall, flush_time)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/dedup-scale"))
    ap.add_argument("--words", type=int, default=300)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--resume", type=int, default=0, metavar="N",
                    help="open the index already in --dir and time adding N more documents")
    args = ap.parse_args()
    if args.resume:
        return resume(args)
    shutil.rmtree(args.dir, ignore_errors=True)
    rng = np.random.default_rng(1)
    vocab = vocabulary(60_000, rng)
    checkpoints = [c for c in (10_000, 100_000, 1_000_000) if c <= args.max] or [args.max]
    d = Deduper(args.dir, window_days=None)
    recent: list[str] = []
    done, seg_docs, seg_time, seg_cpu, flush_time, dups = 0, 0, 0.0, 0.0, 0.0, 0
    print(HEADER)
    for cp in checkpoints:
        while done < cp:
            n = min(args.batch, cp - done)
            batch = documents(done, n, vocab, args.words, rng, recent)
            t0, c0 = time.perf_counter(), time.process_time()
            for doc_id, text in batch:
                dups += d.add(doc_id, text).duplicate_of is not None
            seg_time += time.perf_counter() - t0
            seg_cpu += time.process_time() - c0
            t0 = time.perf_counter()
            d.flush()
            flush_time += time.perf_counter() - t0
            seg_docs += n
            done += n
        holder = [d]
        del d
        d = checkpoint(holder, args.dir, done, seg_docs, seg_cpu, seg_time, flush_time)
        seg_docs, seg_time, seg_cpu, flush_time = 0, 0.0, 0.0, 0.0
    print(f"\n{dups:,} of {done:,} documents were assigned to an existing cluster (5 % are generated as reprints)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
