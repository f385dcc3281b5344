#!/usr/bin/env python3
"""Measure copydesk's dedup stage on a labelled syndication set, next to plain datasketch.

    .venv/bin/python bench/dedup.py SET_DIR [--pred OUT.jsonl] [--threshold T] [--option k=v ...]

SET_DIR holds docs.jsonl ({"id", "text", "source", "date"}) and clusters.jsonl ({"cluster_id",
"ids"}); meta.jsonl (per-document role/profile) and pairs_hard_negatives.jsonl are optional and
enable the per-variant recall and hard-negative rows. Documents are processed in file order. Rows:
plain datasketch (lower-cased \\w+ word 5-grams, MinHash(num_perm=128, seed=1), MinHashLSH(0.8),
estimated Jaccard >= 0.8, connected components), copydesk's dedup on the texts as they are, and
copydesk's dedup after cleaning.clean_text (skipped when cleaning is not importable).
Metrics follow score_dedup.py's definitions (pairwise P/R/F1 over document pairs, ARI, recall of
each variant against its cluster's original, merged hard-negative pairs).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(gold: dict[str, str], pred: dict[str, str], meta: list[dict] | None, negs: list[dict] | None) -> dict:
    ids = list(gold)
    pred = {i: pred.get(i, "\0single:" + i) for i in ids}
    joint = Counter((gold[i], pred[i]) for i in ids)
    tp = sum(_pairs(v) for v in joint.values())
    g_pos = sum(_pairs(v) for v in Counter(gold.values()).values())
    p_pos = sum(_pairs(v) for v in Counter(pred.values()).values())
    p = tp / p_pos if p_pos else 1.0
    r = tp / g_pos if g_pos else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    allp = _pairs(len(ids))
    exp = g_pos * p_pos / allp if allp else 0.0
    mean = (g_pos + p_pos) / 2
    out = {"P": p, "R": r, "F1": f1, "ARI": (tp - exp) / (mean - exp) if mean != exp else 1.0,
           "pred_clusters": len(set(pred.values())), "variants": {}, "negatives": {}}
    if meta:
        orig = {m["cluster_id"]: str(m["id"]) for m in meta if m.get("role") == "original"}
        hit, tot = Counter(), Counter()
        for m in meta:
            if m.get("role") not in ("variant", "natural_duplicate"):
                continue
            o = orig.get(m["cluster_id"])
            if o is None or str(m["id"]) not in pred:
                continue
            k = m.get("profile") or m["role"]
            tot[k] += 1
            hit[k] += pred[str(m["id"])] == pred[o]
        out["variants"] = {k: (hit[k] / tot[k], tot[k]) for k in sorted(tot)}
    if negs:
        merged, tot = Counter(), Counter()
        for h in negs:
            a, b = str(h["a"]), str(h["b"])
            if a in pred and b in pred:
                tot[h.get("kind", "unlabelled")] += 1
                merged[h.get("kind", "unlabelled")] += pred[a] == pred[b]
        out["negatives"] = {k: (merged[k], tot[k]) for k in sorted(tot)}
    return out


def timestamp(date: str | None) -> float | None:
    if not date:
        return None
    return dt.datetime.fromisoformat(date).replace(tzinfo=dt.timezone.utc).timestamp()


def run_copydesk(docs: list[dict], texts: list[str], threshold: float, options: dict,
                 use_source: bool = True, window: float | None = None, clock: str = "date",
                 per_day: float = 100.0) -> tuple[dict[str, str], float]:
    """clock: "date" passes each document's publication date as its timestamp (what copydesk did
    before issue 13); "stored" passes the time it is stored, documents arriving in file order at
    ``per_day`` a day (what copydesk does now). The window only matters when ``window`` is set."""
    from copydesk.dedup import Deduper

    d = Deduper(None, threshold=threshold, window_days=window, **options)
    t0 = time.perf_counter()
    pred = {}
    for k, (doc, text) in enumerate(zip(docs, texts)):
        ts = timestamp(doc.get("date")) if clock == "date" else 1.6e9 + k * 86400.0 / per_day
        a = d.add(str(doc["id"]), text, timestamp=ts, source=doc.get("source") if use_source else None)
        pred[a.doc_id] = a.cluster_id
    return pred, len(docs) / (time.perf_counter() - t0)


def run_through_stream(docs: list[dict], threshold: float, options: dict, use_source: bool,
                       url: str | None) -> tuple[dict[str, str], dict[str, float]]:
    """--redis: every document published to the cluster's doc stream (copydesk/cluster/docstream.py)
    as a worker publishes an extracted page, consumed by one writer running the Deduper as
    run_copydesk does (same order, same timestamps). Returns the assignments and the stream's
    cost per document (publish, read + decode + acknowledge; the Deduper's own time excluded)."""
    import contextlib
    import tempfile

    from copydesk import cleaning
    from copydesk.cluster.connection import Connection, keys_prefix
    from copydesk.cluster.docstream import Consumer, Publisher
    from copydesk.dedup import Deduper
    from copydesk.documents import Page
    from copydesk.extraction import Extracted

    with contextlib.ExitStack() as stack:
        if not url:
            from tests.redis_server import RedisServer

            srv = stack.enter_context(RedisServer(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
            url = srv.url
        conn = Connection(url)
        stack.callback(conn.close)
        prefix = keys_prefix(f"bench-dedup-{time.time_ns()}")
        when = dt.datetime.now(dt.timezone.utc)
        t0 = time.perf_counter()
        pub = Publisher(conn, prefix)
        for doc in docs:
            art = cleaning.Article(text=doc["text"], url=f"bench:{doc['id']}")
            pub.publish(Page(f"bench:{doc['id']}", b"", doc.get("source") or "", when,
                             hints={"id": str(doc["id"]), "ts": timestamp(doc.get("date"))}), Extracted(art))
        publish_s = time.perf_counter() - t0
        d = Deduper(None, threshold=threshold, window_days=None, **options)  # as run_copydesk without --window
        pred, dedup_s = {}, [0.0]

        def handle(items) -> None:
            for page, ex in items:
                t = time.perf_counter()
                a = d.add(page.hints["id"], ex.result.text, timestamp=page.hints["ts"],
                          source=page.source or None if use_source else None)
                dedup_s[0] += time.perf_counter() - t
                pred[a.doc_id] = a.cluster_id

        generation = iter(range(10**12))
        consumer = Consumer(conn, prefix, "bench-writer", handle=handle, durable=lambda: next(generation),
                            batch=500, block_ms=100)
        t0 = time.perf_counter()
        while consumer.step() or len(pred) < len(docs):
            pass
        consume_s = time.perf_counter() - t0 - dedup_s[0]
        conn.client.delete(prefix + "docs")
    n = max(1, len(docs))
    return pred, {"publish_ms": 1000 * publish_s / n, "consume_ms": 1000 * consume_s / n, "dedup_ms": 1000 * dedup_s[0] / n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set_dir", type=Path)
    ap.add_argument("--pred", type=Path, help="write copydesk's raw-text predictions here (JSONL id, cluster_id)")
    ap.add_argument("--threshold", type=float, default=None, help="Deduper threshold (default: the Deduper's)")
    ap.add_argument("--option", action="append", default=[], help="Deduper option k=v (repeatable)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-clean", action="store_true")
    ap.add_argument("--no-source", action="store_true", help="do not pass the outlet name to the Deduper")
    ap.add_argument("--window", type=float, default=None,
                    help="also run with a window of this many days (raw text): once on publication dates (the rule "
                         "before issue 13), once on storing time with documents arriving in file order (--per-day)")
    ap.add_argument("--per-day", type=float, default=100.0, help="with --window: documents stored per day (default 100)")
    ap.add_argument("--redis", nargs="?", const="", default=None, metavar="URL",
                    help="also push the documents through the cluster's doc stream to one writer (on URL, or on a "
                         "redis-server started for the run) and compare its clusters with the embedded run's")
    args = ap.parse_args(argv)

    docs = read_jsonl(args.set_dir / "docs.jsonl")
    gold = {str(d["id"]): "\0g:" + str(d["id"]) for d in docs}
    for c in read_jsonl(args.set_dir / "clusters.jsonl"):
        for i in c["ids"]:
            if str(i) in gold:  # the universe is docs.jsonl, as in score_dedup.py
                gold[str(i)] = str(c["cluster_id"])
    meta = read_jsonl(args.set_dir / "meta.jsonl") if (args.set_dir / "meta.jsonl").is_file() else None
    negs = read_jsonl(args.set_dir / "pairs_hard_negatives.jsonl") if (args.set_dir / "pairs_hard_negatives.jsonl").is_file() else None
    options = {}
    for kv in args.option:
        k, v = kv.split("=", 1)
        options[k] = json.loads(v) if v not in ("char", "word") else v
    from copydesk.dedup import Deduper

    threshold = args.threshold if args.threshold is not None else Deduper.__init__.__kwdefaults__["threshold"]

    rows: list[tuple[str, dict, float]] = []
    if not args.no_baseline:
        pred, speed = _baseline(docs)
        rows.append(("datasketch word5, t=0.8, components", score(gold, pred, meta, negs), speed))
    pred, speed = run_copydesk(docs, [d["text"] for d in docs], threshold, options, not args.no_source)
    rows.append((f"copydesk dedup, raw text (t={threshold})", score(gold, pred, meta, negs), speed))
    if args.redis is not None:
        streamed, cost = run_through_stream(docs, threshold, options, not args.no_source, args.redis)
        same = sum(streamed.get(i) == c for i, c in pred.items())
        print(f"--redis: {same} of {len(pred)} documents in the same cluster as embedded"
              f"{'' if same == len(pred) else ' (DIFFERENT)'}; doc stream per document: publish "
              f"{cost['publish_ms']:.3f} ms, read+decode+ack {cost['consume_ms']:.3f} ms (dedup itself "
              f"{cost['dedup_ms']:.3f} ms)", file=sys.stderr)
        rows.append((f"copydesk dedup, raw text, through the doc stream (t={threshold})",
                     score(gold, streamed, meta, negs), 1000 / max(1e-9, sum(cost.values()))))
    if args.window is not None:
        for clock, label in (("date", "publication dates (old rule)"), ("stored", f"storing time, {args.per_day:g} docs/day")):
            p2, sp2 = run_copydesk(docs, [d["text"] for d in docs], threshold, options, not args.no_source,
                                   window=args.window, clock=clock, per_day=args.per_day)
            rows.append((f"copydesk dedup, raw text, window {args.window:g} d on {label}", score(gold, p2, meta, negs), sp2))
    if args.pred:
        with open(args.pred, "w", encoding="utf-8") as fh:
            for d in docs:
                fh.write(json.dumps({"id": d["id"], "cluster_id": pred[str(d["id"])]}) + "\n")
    if not args.no_clean:
        try:
            from copydesk.cleaning import clean_text
        except Exception as exc:  # cleaning is developed separately; its absence only drops a row
            print(f"(no 'after clean_text' row: cleaning.clean_text not importable: {exc!r})", file=sys.stderr)
        else:
            t0 = time.perf_counter()
            cleaned = [clean_text(d["text"]) for d in docs]
            clean_s = time.perf_counter() - t0
            pred, speed = run_copydesk(docs, cleaned, threshold, options, not args.no_source)
            rows.append((f"copydesk dedup, after clean_text (t={threshold})", score(gold, pred, meta, negs), speed))
            print(f"(clean_text took {clean_s:.1f} s for {len(docs)} documents, not counted in docs/s)", file=sys.stderr)
    print_table(rows, len(docs))
    return 0


def _baseline(docs: list[dict]) -> tuple[dict[str, str], float]:
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    ids = [str(d["id"]) for d in docs]
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    mh: dict[str, MinHash] = {}
    for i, d in zip(ids, docs):
        toks = re.findall(r"\w+", d["text"].lower())
        sh = {" ".join(toks[k : k + 5]) for k in range(max(len(toks) - 4, 1))}
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([s.encode("utf-8") for s in sh])
        mh[i] = m
        lsh.insert(i, m)
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in ids:
        for j in lsh.query(mh[i]):
            if j != i and mh[i].jaccard(mh[j]) >= 0.8:
                parent[find(j)] = find(i)
    return {i: find(i) for i in ids}, len(docs) / (time.perf_counter() - t0)


def print_table(rows: list[tuple[str, dict, float]], ndocs: int) -> None:
    vkeys = sorted({k for _, s, _ in rows for k in s["variants"]})
    nkeys = sorted({k for _, s, _ in rows for k in s["negatives"]})
    head = ["setting", "P", "R", "F1", "ARI", "clusters"]
    head += [f"{k} ({rows[0][1]['variants'][k][1]})" for k in vkeys]
    head += [f"{k} neg merged" for k in nkeys] + ["docs/s"]
    print(f"{ndocs} documents\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, s, speed in rows:
        cells = [name, f"{s['P']:.3f}", f"{s['R']:.3f}", f"{s['F1']:.3f}", f"{s['ARI']:.3f}", str(s["pred_clusters"])]
        cells += [f"{s['variants'][k][0]:.2f}" for k in vkeys]
        cells += [f"{s['negatives'][k][0]} / {s['negatives'][k][1]}" for k in nkeys]
        cells.append(f"{speed:.0f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
