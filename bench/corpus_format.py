#!/usr/bin/env python3
"""Corpus format 1 (JSON lines) vs 2 (Parquet): size, DuckDB query time, compaction, pipeline throughput.

    .venv/bin/python bench/corpus_format.py build OUT [--docs 1000000] [--days 30] [--run-minutes 30] [--distinct N]
    .venv/bin/python bench/corpus_format.py measure OUT [--rounds 3]
    .venv/bin/python bench/corpus_format.py throughput [--pages 3000] [--rounds 4]

``build`` writes two corpora of the same documents into OUT/v1 and OUT/v2, laid out as `serve`
leaves them before any compaction: one part per source per 30-minute run (16 sources), in date
partitions over ``days`` days. The documents are bench/synth_corpus.py's world (its schedule of
stories, syndicated copies and outlets, its texts and copy edits), stored with the plan's clusters
(what a perfect deduper assigns) straight through storage.CorpusWriter (v2) and the format-1
writer (v1, tests/v1corpus.py): the pipeline's other steps are not what is measured here. v2 also
gets the raw WARC parts (shared by both formats: their size is reported once).

``measure`` reports: bytes on disk of documents/ (v1, v2, v2 after compaction) and raw/; DuckDB
`select site, count(*) ... group by site` and a full-text `ilike` scan on each; and the time of
`storage.compact.compact` over every closed day (OUT/v2 is compacted into OUT/v2c, a copy).

``throughput`` runs the pipeline's steps after extraction (Identify, Templates, Filter, Dedup,
Store, checkpoints: `Pipeline.finish`, one process) over the same prepared synth pages, alternating
rounds with the format-1 JSON-lines writer (A) and the format-2 Parquet writer (B); it prints
documents per second per round, the medians and B/A.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

import synth_corpus as sc  # noqa: E402  (bench/synth_corpus.py: the world)

DAY = 86400.0


def _docs(n: int, days: float, end: float, seed: int, distinct: int | None = None):
    """(stored time, outlet index, Record, raw WARC member) of the synth world's documents, in order.
    ``distinct``: generate the texts (and raw records) of only that many documents and reuse them
    round-robin for the rest, each with its own id, URL, outlet, times and cluster (generating a
    text costs ~1 ms; a million of them was more than this shared machine could give)."""
    from copydesk.storage import RawResponse, Record, warc_member
    from copydesk.storage.urls import doc_id

    rng = np.random.default_rng(seed)
    plan = sc._schedule(n, days, end, rng)
    texts = sc._Texts(seed)
    founder: dict[int, str] = {}
    made: list[tuple[str, str, bytes]] = []
    for k in range(len(plan["ts"])):
        ts = float(plan["ts"][k])
        sid, copy_no, o = int(plan["sid"][k]), int(plan["copy"][k]), int(plan["outlet"][k])
        src = sc.NAMES[o]
        when = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
        url = f"https://{sc._host(src)}/{when:%Y/%m/%d}/story-{sid}-{copy_no}.html"
        i = doc_id(url)
        f = founder.setdefault(sid, i)
        if distinct is not None and k >= distinct:
            title, text, warc = made[k % distinct]
            yield ts, o, Record(id=i, url=url, source=src, site=sc._host(src), title=title, text=text,
                                published=when - dt.timedelta(hours=2), fetched_at=when, language="en",
                                word_count=len(text.split()), cluster_id=f, duplicate_of=None if f == i else f,
                                similarity=None if f == i else 0.9, authors=[f"{src} staff"] if k % 3 else [],
                                canonical_url=url, description=None), warc
            continue
        title, paras = texts.story(sid)
        crng = np.random.default_rng((sid << 8) + copy_no)
        if copy_no:
            paras = sc._copy(paras, crng)
            title = f"{title.split(' ')[0]} {' '.join(reversed(title.split(' ')[1:]))}"
        if plan["archive"][k]:
            pub = dt.datetime(2014, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=float(crng.uniform(0, 7 * 365)))
        else:
            pub = dt.datetime.fromtimestamp(float(plan["first"][k]) - float(crng.uniform(0, 6 * 3600)), dt.timezone.utc)
        text = "\n".join(paras)
        rec = Record(id=i, url=url, source=src, site=sc._host(src), title=title, text=text,
                     published=pub.isoformat(timespec="seconds"), fetched_at=when, language="en",
                     word_count=len(text.split()), cluster_id=f, duplicate_of=None if f == i else f,
                     similarity=None if f == i else 0.9, authors=[f"{src} staff"] if k % 3 else [],
                     canonical_url=url, description=None)
        body = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>"
                f"{'</p><p>'.join(paras)}</p></article></body></html>").encode()
        warc = warc_member(RawResponse(url, body, 200, (("Content-Type", "text/html; charset=utf-8"),), when))
        if distinct is not None:
            made.append((title, text, warc))
        yield ts, o, rec, warc


def build(out: Path, docs: int, days: float, run_minutes: float, seed: int, end: float | None,
          distinct: int | None = None) -> dict:
    from copydesk.storage import CorpusWriter
    from v1corpus import V1Writer

    if out.exists():
        raise SystemExit(f"{out} exists")
    end = end or (dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0).timestamp() - 2 * 3600)
    real_fsync = os.fsync
    os.fsync = lambda fd: None  # same files; only power-cut safety differs while building
    t0 = time.perf_counter()
    w2 = [CorpusWriter(out / "v2", worker=f"src{o:02d}") for o in range(len(sc.NAMES))]
    w1 = [V1Writer(out / "v1", worker=f"src{o:02d}") for o in range(len(sc.NAMES))]
    run = run_minutes * 60
    current = None
    n = 0
    try:
        for ts, o, rec, warc in _docs(docs, days, end, seed, distinct):
            slot = int(ts // run)
            if current is not None and slot != current:
                for w in (*w2, *w1):
                    w.flush()
            current = slot
            at = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
            w2[o].add(rec, warc, stored_at=at)
            w1[o].add(rec, None, stored_at=at)
            n += 1
            if n % 100_000 == 0:
                print(f"{n} documents, {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        for w in (*w2, *w1):
            w.flush()
    finally:
        os.fsync = real_fsync
    info = {"documents": n, "distinct_texts": distinct or n, "days": days, "run_minutes": run_minutes, "seed": seed,
            "parts": len(list((out / "v2" / "documents").rglob("*.parquet"))), "seconds": round(time.perf_counter() - t0)}
    (out / "build.json").write_text(json.dumps(info, indent=1))
    return info


def _du(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def _time(sql: str, rounds: int) -> tuple[float, object]:
    import duckdb

    times, res = [], None
    for _ in range(rounds):
        con = duckdb.connect()
        t = time.perf_counter()
        res = con.sql(sql).fetchall()
        times.append(time.perf_counter() - t)
        con.close()
    return statistics.median(times), res


def measure(out: Path, rounds: int, word: str) -> dict:
    from copydesk.storage import StateStore
    from copydesk.storage import compact as storage_compact

    info = json.loads((out / "build.json").read_text())
    v1, v2, v2c = out / "v1", out / "v2", out / "v2c"
    if not v2c.exists():
        subprocess.run(["cp", "-a", str(v2), str(v2c)], check=True)
        state = StateStore(v2c / "_state" / "state.sqlite3")
        t = time.perf_counter()
        done = storage_compact.compact(v2c, state, min_parts=2)
        info["compaction_seconds"] = round(time.perf_counter() - t, 1)
        info["compaction"] = {"days": len(done), "parts_before": sum(d.parts_before for d in done),
                              "parts_after": sum(d.parts_after for d in done)}
        state.close()
        (out / "build.json").write_text(json.dumps(info, indent=1))
    sizes = {"v1_documents": _du(v1 / "documents"), "v2_documents": _du(v2 / "documents"),
             "v2_compacted_documents": _du(v2c / "documents"), "raw": _du(v2 / "raw"),
             "raw_compacted": _du(v2c / "raw")}
    src = {"v1 jsonl": f"read_json('{v1}/documents/**/*.jsonl', hive_partitioning=true)",
           "v2 parquet": f"read_parquet('{v2}/documents/**/*.parquet', hive_partitioning=true)",
           "v2 compacted": f"read_parquet('{v2c}/documents/**/*.parquet', hive_partitioning=true)"}
    queries = {}
    for name, rel in src.items():
        r = 1 if name.startswith("v1") else rounds
        t_site, res_site = _time(f"select site, count(*) from {rel} group by site order by site", r)
        t_like, res_like = _time(f"select count(*) from {rel} where text ilike '%{word}%'", r)
        queries[name] = {"site_count_s": round(t_site, 2), "ilike_s": round(t_like, 2), "rounds": r,
                         "rows": sum(c for _, c in res_site), "ilike_rows": res_like[0][0]}
    return {"build": info, "bytes": sizes, "duckdb": queries}


def throughput(pages: int, rounds: int, seed: int) -> dict:
    """Pipeline.finish over the same prepared pages; A: format-1 writer, B: format-2 writer."""
    import copydesk.pipeline as pl
    from copydesk.config import Config, CrawlSettings
    from copydesk.storage import CorpusWriter
    from v1corpus import V1Writer

    end = time.time()
    rng = np.random.default_rng(seed)
    plan = sc._schedule(pages, 2, end, rng)
    plan["bulk_until"] = np.array([-np.inf])
    sc._init(plan, seed)
    prepared = [sc._task(k) for k in range(len(plan["ts"]))]
    out: dict[str, list[float]] = {"A_v1_jsonl": [], "B_v2_parquet": []}
    for r in range(rounds):
        for name, writer in (("A_v1_jsonl", V1Writer), ("B_v2_parquet", CorpusWriter))[:: 1 if r % 2 == 0 else -1]:
            d = Path(tempfile.mkdtemp(prefix="corpus-format-"))
            try:
                pl.CorpusWriter = writer
                cfg = Config(corpus=d, crawl=CrawlSettings(checkpoint_interval=1e12))
                pipe = pl.Pipeline(cfg, corpus=d, kind="ingest", workers=0)
                pipe.stories.checkpoint = lambda *a, **k: False  # the stories table is not what is compared here
                t = time.perf_counter()
                for page, extracted in prepared:
                    pipe.finish(page, extracted)
                pipe.close()
                out[name].append(len(prepared) / (time.perf_counter() - t))
            finally:
                shutil.rmtree(d, ignore_errors=True)
    a, b = statistics.median(out["A_v1_jsonl"]), statistics.median(out["B_v2_parquet"])
    return {"pages": len(prepared), "rounds": {k: [round(x) for x in v] for k, v in out.items()},
            "median_docs_per_s": {"A_v1_jsonl": round(a), "B_v2_parquet": round(b)}, "B_over_A": round(b / a, 3),
            "flush_500_ms": _flush_cost(seed)}


def _flush_cost(seed: int, rounds: int = 15) -> dict:
    """The writer alone: one checkpoint's flush of 500 synth records (raw WARC part included), ms."""
    from copydesk.storage import CorpusWriter
    from v1corpus import V1Writer

    recs = [(r, w) for _, _, r, w in _docs(600, 1, time.time(), seed)][:500]
    times: dict[str, list[float]] = {"A_v1_jsonl": [], "B_v2_parquet": []}
    d = Path(tempfile.mkdtemp(prefix="corpus-flush-"))
    try:
        for r in range(rounds + 1):
            for name, writer in (("A_v1_jsonl", V1Writer), ("B_v2_parquet", CorpusWriter))[:: 1 if r % 2 == 0 else -1]:
                w = writer(d / name, worker="b")
                for rec, warc in recs:
                    w.add(rec, warc)
                t = time.perf_counter()
                w.flush()
                if r:  # the first round warms up (imports, codecs)
                    times[name].append((time.perf_counter() - t) * 1000)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return {k: round(statistics.median(v), 1) for k, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("out", type=Path)
    b.add_argument("--docs", type=int, default=1_000_000)
    b.add_argument("--days", type=float, default=30)
    b.add_argument("--run-minutes", type=float, default=30)
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--distinct", type=int, help="generate this many texts and reuse them (default: all distinct)")
    m = sub.add_parser("measure")
    m.add_argument("out", type=Path)
    m.add_argument("--rounds", type=int, default=3)
    m.add_argument("--word", default="harbour", help="the ilike pattern's word (default: one the texts never hold)")
    t = sub.add_parser("throughput")
    t.add_argument("--pages", type=int, default=3000)
    t.add_argument("--rounds", type=int, default=4)
    t.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    if a.cmd == "build":
        res = build(a.out, a.docs, a.days, a.run_minutes, a.seed, None, a.distinct)
    elif a.cmd == "measure":
        res = measure(a.out, a.rounds, a.word)
    else:
        res = throughput(a.pages, a.rounds, a.seed)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
