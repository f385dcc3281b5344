#!/usr/bin/env python3
"""The default cleaning's fixed thresholds, each moved alone, scored on the three development sets.

    python bench/rules_thresholds.py                       # every threshold, the values below
    python bench/rules_thresholds.py --only FULL_PASS_FACTOR --sets scrapinghub

`analyze(select="rules", min_words=1)` (the extraction without the 50-word policy) runs on every page
of scrapinghub (mean token F1), trafilatura-eval (snippet F, leaking and empty pages) and copydesk's
fixtures, once with the shipped values and once per alternative value of one threshold, the others
shipped. The table says what each threshold does on every set; docs/cleaning.md ("Thresholds")
keeps the figures. Quality only: bench/extraction.py measures time.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dev_sets import SETS, load_cases, page_score, snippet_counts
from copydesk.cleaning import analyze, candidates, postclean, rules, second_opinion

# (module, name, alternatives); the shipped value is read from the module
SWEEP: list[tuple[Any, str, list[float]]] = [
    (rules, "FULL_PASS_FACTOR", [1, 3]),
    (rules, "LAYOUT_ROW_WORDS", [40, 100]),
    (rules, "UNWRAP_KEEPS", [0.3, 0.7]),
    (rules, "SECOND_OPINION_COVERAGE", [0.3, 0.6]),
    (second_opinion, "READABILITY_GAIN", [1.2, 1.7, float("inf")]),
    (second_opinion, "READABILITY_CONTAINMENT", [0.6, 0.9]),
    (postclean, "THREAD_LOOKAHEAD", [4, 16]),
    (postclean, "THREAD_MARKS", [1, 3]),
    (candidates, "INLINE_BOX_WORDS", [60, 250]),
]


def score_set(cases: list[dict], pages: list[bytes]) -> str:
    outs = []
    for case, data in zip(cases, pages):
        result = analyze(data, case.get("url"), min_words=1, select="rules")
        outs.append(result.text if result else "")
    if "with" in cases[0]:
        tp = fn = fp = leaking = empty = 0
        for case, out in zip(cases, outs):
            t, n, f, _ = snippet_counts(case, out)
            tp, fn, fp = tp + t, fn + n, fp + f
            leaking += f > 0
            empty += not out.strip()
        return f"F {2 * tp / (2 * tp + fp + fn):.4f} ({leaking} leaking, {empty} empty)"
    mean = sum(page_score(c, o) for c, o in zip(cases, outs)) / len(cases)
    return f"F1 {mean:.4f} ({sum(1 for o in outs if not o.strip())} empty)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated development sets")
    ap.add_argument("--only", default="", help="comma-separated threshold names")
    args = ap.parse_args()
    names = [n for n in args.sets.split(",") if n]
    data = {}
    for name in names:
        cases = load_cases(SETS[name])
        data[name] = (cases, [(SETS[name] / c["html_path"]).read_bytes() for c in cases])
    only = {n for n in args.only.split(",") if n}
    runs: list[tuple[str, Any, str, float | None]] = [("shipped", None, "", None)]
    for module, attr, values in SWEEP:
        if not only or attr in only:
            runs += [(f"{attr} = {v} (shipped {getattr(module, attr)})", module, attr, v) for v in values]
    print("| setting | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, module, attr, value in runs:
        shipped = getattr(module, attr) if module else None
        if module:
            setattr(module, attr, value)
        try:
            cells = [score_set(*data[name]) for name in names]
        finally:
            if module:
                setattr(module, attr, shipped)
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
