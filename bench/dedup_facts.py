#!/usr/bin/env python3
"""How the facts check (docs/dedup.md, "Formulaic reports") separates copies from formulaic reports.

    .venv/bin/python bench/dedup_facts.py SET_DIR

For every candidate that passes similarity and coverage (the checks before the facts check) while
the labelled set runs through a Deduper with the check off, prints the share of the new document's
in-context fact shingles that the representative has (facts.agreement), per variant type of the new
document for the pairs of one gold story, and for the pairs of different stories; then the same for
the formulaic reports of tests/fixtures/dedup/formulaic.py (one outlet, different events).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dedup import read_jsonl, timestamp  # noqa: E402
from copydesk.dedup import Deduper  # noqa: E402
from copydesk.dedup.facts import agreement  # noqa: E402
from copydesk.dedup.verify import coverage, similarity  # noqa: E402


class Probe(Deduper):
    """A Deduper (check off) that records the facts agreement of every candidate passing the rest."""

    def __init__(self) -> None:
        super().__init__(None, window_days=None, fact_agree=0)
        self.seen: list[tuple[str, str, int, float]] = []

    def add(self, doc_id, text, *, timestamp=None, source=None, features=None):
        self._current = (doc_id, text, source or "")
        return super().add(doc_id, text, timestamp=timestamp, source=source)

    def _best_match(self, sketch, text="", source=""):
        doc_id, text, source = self._current
        s = self._s
        facts = None
        reps, _ = s.index.query(sketch.band_keys)
        for rep in sorted(set(reps.tolist())):
            if not s.rep_alive.a[rep]:
                continue
            theirs = self._rep_sample(rep)
            full, prefix = similarity(sketch.sample, theirs, self.prefix_slack)
            sim = full if prefix < self.threshold + self.prefix_margin else max(full, prefix)
            if sim < self.threshold or coverage(sketch.sample, theirs, self.segments, self.seg_min) < self.min_coverage:
                continue
            if facts is None:
                facts = self._facts(sketch, text, source)
                if facts is None:
                    break
            n, share = agreement(np.isin(sketch.sample, theirs), facts)
            self.seen.append((doc_id, s.ids[int(s.rep_slot.a[rep])], n, share))
        return super()._best_match(sketch, text, source)


def summary(label: str, shares: list[float], below: float = 0.5) -> str:
    v = np.array(shares)
    p = np.percentile(v, [0, 1, 5, 50]) if v.size else [np.nan] * 4
    return (f"| {label} | {v.size} | {p[0]:.2f} | {p[1]:.2f} | {p[2]:.2f} | {p[3]:.2f} | "
            f"{v.max() if v.size else np.nan:.2f} | {int((v < below).sum())} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set_dir", type=Path)
    ap.add_argument("--min-facts", type=int, default=6, help="count a pair when it has this many facts in context")
    args = ap.parse_args(argv)
    docs = read_jsonl(args.set_dir / "docs.jsonl")
    meta = {m["id"]: m for m in read_jsonl(args.set_dir / "meta.jsonl")}
    d = Probe()
    for doc in docs:
        d.add(str(doc["id"]), doc["text"], timestamp=timestamp(doc.get("date")), source=doc.get("source"))
    rows: dict[str, list[float]] = defaultdict(list)
    for a, b, n, share in d.seen:
        if n < args.min_facts:
            continue
        same = meta[a]["cluster_id"] == meta[b]["cluster_id"]
        rows[("copy: " + (meta[a].get("profile") or meta[a]["role"])) if same else "different stories"].append(share)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.fixtures.dedup import formulaic as F

    for kind, events in (("quake", F.QUAKES), ("quake_bulletin", F.QUAKES), ("market", F.MARKETS)):
        p = Probe()
        for k, e in enumerate(events):
            p.add(f"{kind}{k}", "\n\n".join(getattr(F, kind)(e)), source="Survey Wire")
        rows[f"formulaic: {kind}"] += [share for _, _, n, share in p.seen if n >= args.min_facts]
    print(f"facts agreement of candidates passing similarity and coverage (>= {args.min_facts} facts in context)\n")
    print("| pairs | n | min | p1 | p5 | median | max | below 0.5 |")
    print("|---|---|---|---|---|---|---|---|")
    for label in sorted(rows):
        print(summary(label, rows[label]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
