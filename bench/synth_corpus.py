#!/usr/bin/env python3
"""A realistic synthetic corpus for benchmarks: stories, their syndicated copies, state and dedup index.

    .venv/bin/python bench/synth_corpus.py OUT --docs 1000000 --days 365 [--seed 1] [--end 2026-12-01]

    sys.path.insert(0, "bench"); from synth_corpus import synth_corpus
    info = synth_corpus(Path("/tmp/c"), docs=10_000, days=30)

Every document goes through copydesk's steps after extraction: ``Pipeline.finish`` with a
ready-made ``cleaning.Article`` (Identify, site Templates, Filter, Dedup, Store), checkpoints and
one run per outlet, with the pipeline's clock injected, so the corpus (date partitions, part files,
raw WARC parts), the state store and the dedup index are what a daemon that ran for ``days`` days
would leave. Extraction is skipped (the HTML bodies are small stand-ins, prepared in ``--jobs``
worker processes as extraction workers would). To build 1M documents in well under an hour on a
shared machine, documents stored before the last dedup window (+2 days) skip the two costliest
steps (``--no-bulk`` keeps them): the site-template step (their masthead is left out instead) and
the MinHash dedup (their clusters are the plan's, as a perfect deduper would assign them); the
index would have evicted them by the end anyway, so the index, the templates and the last month
are as a real run leaves them.

The world: 16 outlets (wires, papers, blogs, content farms), each with its own host and template
lines (masthead, footer). Stories are ~150-400 words of Zipf-distributed generated words in 4-8
paragraphs. About 40 % of stories are syndicated: 1-2 copies (25 %), 3-6 (10 %) or 8-15 (5 %),
by other outlets, with a new headline and dateline, trimmed ends, light word edits; most copies
follow within hours, 3 % of them 1-400 days later (re-syndicated older stories). 5 % of stories are
archive pages whose publication date lies in 2014-2020. Stored times are spread over ``days`` days
ending at ``end`` (default: now). Deterministic for a given seed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OUTLETS = [  # (name, kind)
    ("Meridian Wire", "wire"), ("Atlas Press Agency", "wire"), ("Northline News Service", "wire"),
    ("Kestrel Gazette", "paper"), ("Valley Times", "paper"), ("Harbour Herald", "paper"),
    ("Lakeside Courier", "paper"), ("Capital Ledger", "paper"), ("Eastern Standard", "paper"),
    ("Quiet Corner Blog", "blog"), ("Field Notes Daily", "blog"), ("The Margin", "blog"),
    ("Local Voices", "blog"), ("Newsfeed Hub", "farm"), ("Trending Now 24", "farm"), ("Clickwire Digest", "farm"),
]
DAY = 86400.0


def _host(name: str) -> str:
    return "www." + "".join(c for c in name.lower() if c.isalnum()) + ".example"


def _vocabulary(n: int, rng: np.random.Generator) -> np.ndarray:
    """Words with English letter frequencies, as bench/dedup_scale.py's vocabulary() but drawn in one
    call (that one draws per word: 18 s for 40,000 words on a busy machine, per worker process)."""
    letters = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
    p = np.array([12.7, 9.1, 8.2, 7.5, 7.0, 6.3, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0,
                  1.9, 1.5, 1.0, 0.8, 0.2, 0.2, 0.1, 0.1])
    p /= p.sum()
    lengths = rng.integers(2, 11, n)
    flat = rng.choice(letters, int(lengths.sum()), p=p)
    ends = np.cumsum(lengths)
    return np.array(["".join(flat[e - k : e]) for e, k in zip(ends, lengths)])


class _Texts:
    """A story's paragraphs from its seed alone (nothing kept per story)."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.vocab = _vocabulary(40_000, rng)
        w = 1.0 / np.arange(1, self.vocab.size + 1) ** 1.05
        self.cdf = np.cumsum(w / w.sum())

    def story(self, sid: int) -> tuple[str, list[str]]:
        rng = np.random.default_rng(1_000_003 * sid + 17)
        n = int(rng.integers(150, 400))
        words = self.vocab[np.searchsorted(self.cdf, rng.random(n + 8))]
        title = " ".join(words[:8]).capitalize()
        words = words[8:]
        cuts = np.sort(rng.choice(np.arange(20, n - 10), int(rng.integers(3, 7)), replace=False))
        paras = [" ".join(p).capitalize() + "." for p in np.split(words, cuts)]
        return title, paras


def _copy(paras: list[str], rng: np.random.Generator) -> list[str]:
    """A syndicated copy: trimmed end (sometimes), a few words changed, dateline added."""
    out = list(paras)
    if rng.random() < 0.3 and len(out) > 3:
        out = out[: max(2, int(len(out) * rng.uniform(0.6, 0.95)))]
    if rng.random() < 0.5:
        k = int(rng.integers(len(out)))
        w = out[k].split(" ")
        for _ in range(max(1, len(w) // 30)):
            w[int(rng.integers(len(w)))] = "edited"
        out[k] = " ".join(w)
    out[0] = f"CITY, {['Monday', 'Tuesday', 'Friday'][int(rng.integers(3))]} - " + out[0]
    return out


def _schedule(docs: int, days: float, end: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(stored time, story, copy number, outlet) of every document, in stored-time order."""
    stories = int(docs / 2.3) + 1
    kind = rng.random(stories)
    ncopies = np.where(kind < 0.60, 0, np.where(kind < 0.85, rng.integers(1, 3, stories),
                       np.where(kind < 0.95, rng.integers(3, 7, stories), rng.integers(8, 16, stories))))
    first = end - days * DAY + rng.random(stories) * days * DAY
    sid = np.repeat(np.arange(stories), ncopies + 1)
    copy_no = np.arange(sid.size) - np.repeat(np.cumsum(ncopies + 1) - (ncopies + 1), ncopies + 1)
    delay = rng.exponential(6 * 3600.0, sid.size)
    late = rng.random(sid.size) < 0.03
    delay[late] = rng.uniform(1, 400, int(late.sum())) * DAY
    ts = first[sid] + np.where(copy_no == 0, 0.0, delay)
    keep = ts <= end
    sid, copy_no, ts = sid[keep], copy_no[keep], ts[keep]
    order = np.argsort(ts, kind="stable")
    if order.size > docs:  # a uniform sample keeps the whole span of days
        order = order[np.sort(rng.choice(order.size, docs, replace=False))]
    sid, copy_no, ts = sid[order], copy_no[order], ts[order]
    home = rng.integers(0, len(OUTLETS), stories)
    outlet = (home[sid] + copy_no * 5) % len(OUTLETS)
    archive = rng.random(stories) < 0.05
    return {"ts": ts, "sid": sid, "copy": copy_no, "outlet": outlet, "archive": archive[sid],
            "first": first[sid]}


_plan: dict[str, np.ndarray] = {}
_texts: _Texts | None = None
_preparer: Any = None
NAMES = [n for n, _ in OUTLETS]
MASTHEAD = {n: [f"{n} - independent news since {1900 + 7 * i}",
                f"Subscribe to {n} for unlimited access to every story, newsletters and our archive"]
            for i, n in enumerate(NAMES)}


def _init(plan: dict[str, np.ndarray], seed: int) -> None:
    global _plan, _texts
    _plan, _texts = plan, _Texts(seed)


def _page(k: int, bulk: bool = False) -> tuple[Any, Any]:
    """Document k of the plan as the pipeline receives it from extraction: the page and a worker's
    Extracted (article, raw WARC record, template line keys, dedup features). The features are of
    the text without the outlet's masthead lines, which the site-template step strips once it has
    seen a few pages of the outlet: the same work an extraction worker does for a real page."""
    global _preparer
    from copydesk import cleaning
    from copydesk import dedup
    from copydesk.pipeline import Extracted, Page
    from copydesk.storage import RawResponse, warc_member

    assert _texts is not None
    if _preparer is None:
        _preparer = dedup.Preparer()
    p = _plan
    ts = float(p["ts"][k])
    sid, copy_no, o = int(p["sid"][k]), int(p["copy"][k]), int(p["outlet"][k])
    title, paras = _texts.story(sid)
    crng = np.random.default_rng((sid << 8) + copy_no)
    if copy_no:
        paras = _copy(paras, crng)
        title = f"{title.split(' ')[0]} {' '.join(reversed(title.split(' ')[1:]))}"
    src = NAMES[o]
    text = "\n".join(paras if bulk else [MASTHEAD[src][0], *paras, MASTHEAD[src][1]])
    if p["archive"][k]:
        pub = dt.datetime(2014, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=float(crng.uniform(0, 7 * 365)))
    else:
        pub = dt.datetime.fromtimestamp(float(p["first"][k]) - float(crng.uniform(0, 6 * 3600)), dt.timezone.utc)
    when = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    url = f"https://{_host(src)}/{when:%Y/%m/%d}/story-{sid}-{copy_no}.html"
    body = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>"
            f"{'</p><p>'.join(paras)}</p></article></body></html>").encode()
    headers = (("Content-Type", "text/html; charset=utf-8"),)
    article = cleaning.Article(text=text, title=title, published=pub.isoformat(timespec="seconds"),
                               language="en", canonical_url=url, site_name=src, url=url)
    page = Page(url, body, src, when, status=200, headers=headers, content_type="text/html")
    warc = warc_member(RawResponse(url, body, 200, headers, when))
    if bulk:
        return page, Extracted(article, warc)
    return page, Extracted(article, warc, cleaning.line_keys(text), _preparer.features("\n".join(paras)))


def _task(k: int) -> tuple[Any, Any]:
    return _page(k, bool(_plan["ts"][k] < _plan["bulk_until"][0]))


class _Passthrough:
    """Bulk mode's site-template step: the worker already left the masthead out."""

    def run(self, docs: Any) -> Any:
        return docs


class _Planned:
    """Bulk mode's dedup step: the plan's own clusters (a story's first stored document is its
    cluster id and what its copies are a duplicate of), as a perfect deduper would assign them."""

    def __init__(self, sid_of: Callable[[], int]) -> None:
        self.sid_of = sid_of
        self.founder: dict[int, str] = {}

    def run(self, docs: Any) -> Any:
        from copydesk import dedup

        for d in docs:
            sid = self.sid_of()
            f = self.founder.setdefault(sid, d.id)
            d.assignment = dedup.Assignment(d.id, f, None, None) if f == d.id else dedup.Assignment(d.id, f, f, 0.9)
            yield d


def synth_corpus(out: Path, docs: int, days: float, *, seed: int = 1, end: float | None = None,
                 checkpoint_docs: int = 5000, jobs: int = 2, fsync: bool = False, bulk: bool = True,
                 progress: Callable[[int, float], None] | None = None) -> dict[str, Any]:
    """Build a corpus of about ``docs`` documents stored over ``days`` days ending at ``end``
    (POSIX seconds; default now) in ``out`` (which must not hold a corpus yet). ``jobs``: processes
    preparing pages (as extraction workers do); ``fsync``: keep the durability syncs (off by
    default: the files written are the same, only a power cut while building could tell).
    ``bulk``: documents stored more than the dedup window (+2 days) before the end skip the two
    costliest steps: site templates (the masthead is left out instead) and the MinHash dedup (the
    plan's clusters are assigned instead, as a perfect deduper would); the index would have evicted
    them by the end anyway. The last window goes through every real step. Returns a summary."""
    import multiprocessing as mp
    import os

    from copydesk.config import Config, CrawlSettings
    from copydesk.pipeline import Pipeline

    out = Path(out)
    if (out / "_state").exists():
        raise FileExistsError(f"{out} already holds a corpus")
    end = time.time() if end is None else end
    rng = np.random.default_rng(seed)
    plan = _schedule(docs, days, end, rng)
    n = len(plan["ts"])
    from copydesk.config import DedupSettings

    bulk_until = end - DedupSettings().window - 2 * DAY if bulk else -np.inf
    plan["bulk_until"] = np.array([bulk_until])
    now = [float(plan["ts"][0]) if n else end]
    k_now = [0]
    real_fsync = os.fsync
    if not fsync:
        os.fsync = lambda fd: None  # type: ignore[assignment]
    t0 = time.perf_counter()
    try:
        cfg = Config(corpus=out, crawl=CrawlSettings(checkpoint_interval=1e12))
        pipe = Pipeline(cfg, corpus=out, kind="ingest", workers=0, clock=lambda: now[0])
        if not fsync:
            pipe.state.db.execute("PRAGMA synchronous=OFF")
        pipe.checkpoint_docs = checkpoint_docs
        from copydesk.steps import Dedup, Templates

        real_steps = list(pipe.steps)
        planned = _Planned(lambda: int(plan["sid"][k_now[0]]))
        bulk_steps = [_Passthrough() if isinstance(st, Templates) else planned if isinstance(st, Dedup) else st
                      for st in real_steps]
        if jobs > 0:
            pool = mp.get_context("fork").Pool(jobs, initializer=_init, initargs=(plan, seed))
            results = pool.imap(_task, range(n), chunksize=64)
        else:
            _init(plan, seed)
            pool, results = None, map(_task, range(n))
        try:
            for k, (page, extracted) in enumerate(results):
                now[0] = float(plan["ts"][k])
                k_now[0] = k
                pipe.steps = bulk_steps if now[0] < bulk_until else real_steps
                pipe.finish(page, extracted)
                if progress and (k + 1) % 10_000 == 0:
                    progress(k + 1, time.perf_counter() - t0)
        finally:
            if pool is not None:
                pool.terminate()
        pipe.close()
    finally:
        os.fsync = real_fsync
    first, last = (dt.datetime.fromtimestamp(float(plan["ts"][i]), dt.timezone.utc).isoformat(timespec="seconds")
                   for i in (0, n - 1))
    return {"corpus": str(out), "documents": n, "bulk_documents": int((plan["ts"] < bulk_until).sum()), "copies": int((plan["copy"] > 0).sum()), "days": days, "seed": seed,
            "first_stored": first, "last_stored": last, "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="corpus directory to create")
    ap.add_argument("--docs", type=int, default=10_000, help="documents (default 10,000)")
    ap.add_argument("--days", type=float, default=30.0, help="simulated days of storing (default 30)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--end", help="last stored day, YYYY-MM-DD (default: now)")
    ap.add_argument("--checkpoint-docs", type=int, default=5000, help="documents per checkpoint (default 5000)")
    ap.add_argument("--jobs", type=int, default=2, help="processes preparing pages (default 2; 0: inline)")
    ap.add_argument("--fsync", action="store_true", help="keep the durability syncs (slower)")
    ap.add_argument("--no-bulk", action="store_true",
                    help="every document through every real step (slow: ~2 ms of one core per document)")
    args = ap.parse_args(argv)
    if args.docs < 1 or args.days <= 0:
        print("synth_corpus: --docs must be >= 1 and --days > 0", file=sys.stderr)
        return 2
    end = None
    if args.end:
        try:
            end = dt.datetime.fromisoformat(args.end).replace(tzinfo=dt.timezone.utc).timestamp() + DAY - 1
        except ValueError:
            print(f"synth_corpus: --end {args.end!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
            return 2
    try:
        info = synth_corpus(args.out, args.docs, args.days, seed=args.seed, end=end, checkpoint_docs=args.checkpoint_docs, jobs=args.jobs,
                            fsync=args.fsync, bulk=not args.no_bulk,
                            progress=lambda n, s: print(f"{n:,} documents, {s:.0f} s, {n / s:.0f} docs/s",
                                                        file=sys.stderr, flush=True))
    except FileExistsError as e:
        print(f"synth_corpus: {e}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
