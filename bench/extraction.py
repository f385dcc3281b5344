#!/usr/bin/env python3
"""Measure copydesk's cleaning against trafilatura's defaults and readability-lxml on labelled pages.

    python bench/extraction.py                      # the three development sets, one table
    python bench/extraction.py --sets scrapinghub,fixtures
    python bench/extraction.py --select cascade           # or evidence; default: rules, as analyze
    python bench/extraction.py --select rules,cascade     # several modes, interleaved page by page
    python bench/extraction.py --min-words 1              # the extraction alone, without the 50-word policy
    python bench/extraction.py --record                   # also each mode's description + text (the record)
    python bench/extraction.py --sets fixtures --repeat 5  # time each page by the median of 5 rounds
    python bench/extraction.py CASES_DIR --pred OUT.jsonl [--worst 10] [--json] [--per-case FILE]

The three development sets (bench/dev_sets.py): ../shared/bench/extraction/scrapinghub (token F1),
../shared/bench/extraction/trafilatura-eval (must / must-not snippets, trafilatura's own scoring)
and copydesk's fixtures, tests/fixtures/cleaning (token F1).

CASES_DIR holds cases.jsonl, one {"id", "url", "html_path", "expected_text"} per line (or
{"id", "url", "html_path", "with", "without"} for a snippet set), with html_path relative to
CASES_DIR. The script runs cleaning.extract() on every page (given as bytes, as the crawler gives
them), writes {"id", "text"} predictions to OUT.jsonl, runs trafilatura.extract(html, url=url) with
its default options and readability-lxml (Document(html).summary(), text_content()) on the same
pages in the same process (interleaved, for a fair time comparison), and prints one row each.

Data: the public benchmark is scrapinghub/article-extraction-benchmark (MIT licence,
https://github.com/scrapinghub/article-extraction-benchmark). Convert it once with
--import-aeb: it reads html/<id>.html.gz and ground-truth.json from a clone and writes
cases.jsonl and html/<id>.html into CASES_DIR:

    git clone https://github.com/scrapinghub/article-extraction-benchmark /tmp/aeb
    python bench/extraction.py data/scrapinghub --import-aeb /tmp/aeb
    python bench/extraction.py data/scrapinghub --pred /tmp/pred.jsonl

copydesk's own fixture pages (tests/fixtures/cleaning) use the same layout.

Metrics (the definitions of the benchmark scorer, per page, then averaged over pages):
  F1, P, R      tokens = re.findall(r"\\w+", text.lower()); output and expected text compared as
                multisets: tp = |out & exp|, P = tp/|out|, R = tp/|exp|, F1 = 2PR/(P+R);
                empty output on a non-empty truth scores 0, both empty score 1.
  AEB F1        the article-extraction-benchmark metric: case-sensitive tokens, bags of 4-token
                shingles, per-page tp/fp/fn normalised to sum 1, F1 of mean P and mean R.
  leak %        pages whose output holds more matches than the expected text of a code pattern
                (function(, document.getElementById, var x =, "});", window.x, trackers, raw tags,
                CSS rules) or a boilerplate phrase ("Leave a Reply", "All rights reserved", "We use
                cookies", ... anywhere; "Related ...", "Comments", "Copyright", "Read more", ...
                opening a line of at most 12 words).
  empty         pages with empty output whose expected text is not empty.
  ms/page       wall time of the extraction call alone, mean over pages, in a process that has loaded
                and frozen what the daemon's extraction workers load before their first page
                (copydesk.cleaning.preload, copydesk.preloaded), after a warm-up on the first 5 pages
                (with --repeat N, each page's time is the median of its N rounds, the systems taking
                turns in each, copydesk's line memory emptied before each round). trafilatura's row runs
                with jusText's stoplist lookup as jusText ships it, although copydesk's import
                replaced it in this process (cleaning.stoplists); --baseline-justext remembered
                times it with copydesk's lookup too.
  snippet sets  F = 2TP / (2TP + FP + FN) over all snippets of the set (P, R likewise), "leak" =
                pages where a must-not snippet appears (../shared/bench/score_snippets.py's rule).
"""
from __future__ import annotations

import argparse
import gzip
import os
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORD = re.compile(r"\w+")

# ----------------------------------------------------------------------------- metrics


from tests.text_scores import leaks  # noqa: E402 - one definition for the tests and the benches
from tests.text_scores import token_prf as bag_prf  # noqa: E402


def _shingles(text: str, n: int = 4) -> Counter:
    toks = WORD.findall(text)
    if len(toks) < n:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def aeb_counts(out: str, exp: str) -> tuple[float, float, float]:
    o, e = _shingles(out), _shingles(exp)
    tp, fp, fn = sum((o & e).values()), sum((o - e).values()), sum((e - o).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def aeb_f1(rows: list[tuple[float, float, float]]) -> float:
    ps, rs = [], []
    for tp, fp, fn in rows:
        perfect = fp == 0 and fn == 0
        if tp + fp > 0:
            ps.append(1.0 if perfect else tp / (tp + fp))
        if tp + fn > 0:
            rs.append(1.0 if perfect else tp / (tp + fn))
    p = statistics.mean(ps) if ps else 0.0
    r = statistics.mean(rs) if rs else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def score_case(out: str, exp: str) -> dict:
    p, r, f = bag_prf(out, exp)
    return {"precision": p, "recall": r, "f1": f, "aeb": aeb_counts(out, exp), "leaks": leaks(out, exp),
            "empty": not out.strip() and bool(exp.strip())}


def summarize(scores: list[dict], seconds: list[float]) -> dict:
    n = len(scores)
    f1s = [s["f1"] for s in scores]
    return {
        "pages": n,
        "mean_f1": statistics.mean(f1s) if n else 0.0,
        "median_f1": statistics.median(f1s) if n else 0.0,
        "precision": statistics.mean(s["precision"] for s in scores) if n else 0.0,
        "recall": statistics.mean(s["recall"] for s in scores) if n else 0.0,
        "aeb_f1": aeb_f1([s["aeb"] for s in scores]),
        "leak_pct": 100.0 * sum(1 for s in scores if s["leaks"]) / n if n else 0.0,
        "empty": sum(1 for s in scores if s["empty"]),
        "ms_per_page": 1000.0 * statistics.mean(seconds) if seconds else 0.0,
        "leak_rules": dict(Counter(k for s in scores for k in s["leaks"]).most_common()),
    }


# ----------------------------------------------------------------------------- running


def load_cases(folder: Path) -> list[dict]:
    cases = []
    with (folder / "cases.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                cases.append(json.loads(line))
    return cases


SELECT = ("rules",)  # cleaning.analyze's select= (--select), one system each
MIN_WORDS = 50  # cleaning.analyze's min_words= (--min-words): the length policy on the result
BASELINE_JUSTEXT = "shipped"  # --baseline-justext: trafilatura's row with jusText "shipped" or "remembered"
REPEAT = 1  # --repeat: each page extracted this many times by each system in turn; its time is their median
RECORD = False  # --record: a row more per mode, the record's description column and text together
_DESCRIPTION: dict[str, str] = {}  # mode -> the description of the Article copydesk_text saw last


def copydesk_text(data: bytes, url: str | None, select: str = "rules") -> str:
    from copydesk import cleaning

    article = cleaning.extract(data, url, select=select, min_words=MIN_WORDS)
    _DESCRIPTION[select] = (article.description or "") if article else ""
    return article.text if article else ""


def record_name(mode: str) -> str:
    return f"{system_name(mode)}: description + text"


def copydesk_systems() -> dict:
    """One system per --select mode: "copydesk" for one mode, "copydesk (MODE)" for several; the
    first is the one --pred, --per-case and --worst show."""
    return {system_name(mode): (lambda data, url, mode=mode: copydesk_text(data, url, mode)) for mode in SELECT}


def system_name(mode: str) -> str:
    return "copydesk" if len(SELECT) == 1 else f"copydesk ({mode})"


def trafilatura_text(data: bytes | str, url: str | None) -> str:
    """trafilatura's defaults, with jusText's stoplist handling as jusText ships it (copydesk's
    process remembers it by identity, cleaning.stoplists) unless --baseline-justext remembered."""
    import justext.core
    import trafilatura

    from copydesk.cleaning import stoplists

    if BASELINE_JUSTEXT == "remembered":
        return trafilatura.extract(data, url=url) or ""
    justext.core.define_stoplist = stoplists.shipped_define_stoplist
    try:
        return trafilatura.extract(data, url=url) or ""
    finally:
        justext.core.define_stoplist = stoplists.define_stoplist


def readability_text(data: bytes, url: str | None) -> str:
    import lxml.html
    from readability import Document
    from trafilatura.utils import decode_file

    try:
        return lxml.html.fromstring(Document(decode_file(data)).summary()).text_content()
    except Exception:  # an empty or unparseable page: readability raises
        return ""


def score_snippet_case(case: dict, out: str) -> dict:
    from bench.dev_sets import snippet_counts

    tp, fn, fp, tn = snippet_counts(case, out)
    return {"tp": tp, "fn": fn, "fp": fp, "tn": tn, "leaks": ["must-not snippet"] if fp else [],
            "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0, "empty": not out.strip()}


def summarize_snippets(scores: list[dict], seconds: list[float]) -> dict:
    tp, fn, fp = (sum(s[k] for s in scores) for k in ("tp", "fn", "fp"))
    return {"pages": len(scores), "F": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
            "precision": tp / (tp + fp) if tp + fp else 0.0, "recall": tp / (tp + fn) if tp + fn else 0.0,
            "pages_leaking": sum(1 for s in scores if s["fp"]), "empty": sum(1 for s in scores if s["empty"]),
            "ms_per_page": 1000.0 * statistics.mean(seconds) if seconds else 0.0}


def run(folder: Path, *, baseline: bool = True, limit: int | None = None) -> dict:
    """copydesk, and unless `baseline` is off trafilatura's defaults and readability, on every page of `folder`."""
    cases = load_cases(folder)[:limit]
    snippets = bool(cases) and "with" in cases[0]
    pages = [(c, (folder / c["html_path"]).read_bytes()) for c in cases]
    systems = copydesk_systems()
    if baseline:
        # as the sets' READMEs run it: bytes for the snippet set (its pages are not all UTF-8), else str
        systems["trafilatura default"] = (trafilatura_text if snippets else
                                          lambda data, url: trafilatura_text(data.decode("utf-8", "replace"), url))
        systems["readability"] = readability_text
    import copydesk.cleaning.preload  # noqa: F401 - what the daemon's forkserver loads once (models, dateparser)
    import copydesk.preloaded  # noqa: F401 - and freezes, as the forkserver does before forking the workers
    from copydesk.cleaning import postclean

    for case, data in pages[:5]:  # warm up imports, models and caches outside the timings
        for fn in systems.values():
            fn(data, case.get("url"))
    names = list(systems)
    if RECORD:  # after each mode's row: the same extraction, read as description + text
        names = [n for mode in SELECT for n in (system_name(mode), record_name(mode))] + names[len(SELECT):]
    results: dict[str, dict] = {name: {"texts": {}, "scores": [], "seconds": []} for name in names}

    def keep(name: str, case: dict, text: str, seconds: float) -> None:
        results[name]["seconds"].append(seconds)
        results[name]["texts"][case["id"]] = text
        score = (score_snippet_case(case, text) if snippets else score_case(text, case.get("expected_text") or ""))
        results[name]["scores"].append({"id": case["id"], "url": case.get("url"), **score})

    for case, data in pages:
        timed: dict[str, list[float]] = {name: [] for name in systems}
        texts: dict[str, str] = {}
        for _ in range(REPEAT):  # the systems in turn on the page, REPEAT rounds: one page's noise hits them alike
            for name, fn in systems.items():
                if REPEAT > 1:
                    postclean.forget_lines()  # a round must not find the page's lines remembered from the last
                t0 = time.perf_counter()
                texts[name] = fn(data, case.get("url"))
                timed[name].append(time.perf_counter() - t0)
        for name in systems:
            text, seconds = texts[name], statistics.median(timed[name])
            keep(name, case, text, seconds)
            mode = next((m for m in SELECT if system_name(m) == name), None)
            if RECORD and mode is not None:
                keep(record_name(mode), case, "\n".join(t for t in (_DESCRIPTION.get(mode, ""), text) if t), seconds)
    for res in results.values():
        res["summary"] = (summarize_snippets if snippets else summarize)(res["scores"], res["seconds"])
    return results


def table(by_set: dict[str, dict]) -> str:
    """One table, every set: score is mean token F1 (reference-text sets) or snippet F (snippet sets)."""
    rows = ["| set | extractor | pages | score | P | R | leak | empty | ms/page | time vs trafilatura |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for set_name, results in by_set.items():
        base = results.get("trafilatura default", {}).get("summary", {}).get("ms_per_page")
        for name, res in results.items():
            s = res["summary"]
            ratio = f"{s['ms_per_page'] / base:.2f}x" if base else "-"
            if "F" in s:
                score, leak = f"F {s['F']:.3f}", f"{s['pages_leaking']} pages"
            else:
                score, leak = f"F1 {s['mean_f1']:.3f}", f"{s['leak_pct']:.1f} %"
            rows.append(f"| {set_name} | {name} | {s['pages']} | {score} | {s['precision']:.3f} | {s['recall']:.3f} | "
                        f"{leak} | {s['empty']} | {s['ms_per_page']:.1f} | {ratio} |")
    return "\n".join(rows)


def import_aeb(repo: Path, folder: Path) -> int:
    """Convert a clone of scrapinghub/article-extraction-benchmark into the cases.jsonl layout."""
    truth = json.loads((repo / "ground-truth.json").read_text(encoding="utf-8"))
    (folder / "html").mkdir(parents=True, exist_ok=True)
    n = 0
    with (folder / "cases.jsonl").open("w", encoding="utf-8") as out:
        for cid, item in sorted(truth.items()):
            src = repo / "html" / f"{cid}.html.gz"
            if not src.is_file():
                continue
            (folder / "html" / f"{cid}.html").write_bytes(gzip.decompress(src.read_bytes()))
            out.write(json.dumps({"id": cid, "url": item.get("url"), "html_path": f"html/{cid}.html",
                                  "expected_text": item.get("articleBody") or ""}, ensure_ascii=False) + "\n")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", type=Path, nargs="?", help="folder holding cases.jsonl and the pages (default: the three development sets)")
    ap.add_argument("--sets", default="scrapinghub,trafilatura-eval,fixtures",
                    help="without CASES: which development sets (bench/dev_sets.py), comma-separated")
    ap.add_argument("--pred", type=Path, help="write copydesk's {id, text} predictions here (JSONL)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the trafilatura-defaults and readability rows")
    ap.add_argument("--worst", type=int, default=0, help="list the N pages where copydesk scores lowest")
    ap.add_argument("--per-case", type=Path, help="write per-page scores of copydesk here (JSONL)")
    ap.add_argument("--limit", type=int, help="only the first N cases")
    ap.add_argument("--json", action="store_true", help="print the summaries as JSON")
    ap.add_argument("--select", default="rules",
                    help="cleaning.analyze's select=: rules, cascade or evidence, or several comma-separated "
                         "(interleaved page by page; default: rules, analyze's default)")
    ap.add_argument("--baseline-justext", choices=("shipped", "remembered"), default="shipped",
                    help="trafilatura's row with jusText's stoplist lookup as shipped (default) or as copydesk remembers it")
    ap.add_argument("--record", action="store_true",
                    help="a row more per mode: the Article's description and text together, as a corpus reader "
                         "sees the record (docs/cleaning.md, \"The standfirst and the headline\")")
    ap.add_argument("--min-words", type=int, default=50,
                    help="cleaning.analyze's min_words= (default 50, the pipeline's; 1: every text the extraction finds)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="extract each page N times with each system in turn and time it by the median (default 1)")
    ap.add_argument("--import-aeb", type=Path, metavar="CLONE",
                    help="convert a clone of scrapinghub/article-extraction-benchmark into CASES and exit")
    args = ap.parse_args(argv)
    global SELECT, MIN_WORDS, BASELINE_JUSTEXT, RECORD, REPEAT
    if args.repeat < 1:
        ap.error("--repeat takes a count of 1 or more")
    REPEAT = args.repeat
    BASELINE_JUSTEXT = args.baseline_justext
    RECORD = args.record
    SELECT = tuple(m for m in args.select.split(",") if m)
    if not SELECT or any(m not in ("rules", "cascade", "evidence") for m in SELECT):
        ap.error("--select takes rules, cascade, evidence (comma-separated)")
    MIN_WORDS = args.min_words

    if args.import_aeb:
        if args.cases is None:
            ap.error("--import-aeb needs CASES")
        n = import_aeb(args.import_aeb, args.cases)
        print(f"wrote {n} cases to {args.cases}")
        return 0 if n else 2
    if args.cases is not None:
        folders = {args.cases.name or str(args.cases): args.cases}
    else:
        from bench.dev_sets import SETS

        folders = {}
        for name in (s for s in args.sets.split(",") if s):
            if name not in SETS:
                print(f"extraction.py: unknown set {name!r} (known: {', '.join(SETS)})", file=sys.stderr)
                return 2
            folders[name] = SETS[name]
    for name, folder in folders.items():
        if not (folder / "cases.jsonl").is_file():
            print(f"extraction.py: no cases.jsonl in {folder}", file=sys.stderr)
            return 2
    by_set = {name: run(folder, baseline=not args.no_baseline, limit=args.limit) for name, folder in folders.items()}
    if args.pred or args.per_case:
        with (args.pred.open("w", encoding="utf-8") if args.pred else open(os.devnull, "w")) as fh, \
                (args.per_case.open("w", encoding="utf-8") if args.per_case else open(os.devnull, "w")) as pc:
            for results in by_set.values():
                mine = results[system_name(SELECT[0])]
                for cid, text in mine["texts"].items():
                    fh.write(json.dumps({"id": cid, "text": text}, ensure_ascii=False) + "\n")
                for s in mine["scores"]:
                    pc.write(json.dumps({k: v for k, v in s.items() if k != "aeb"}, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps({set_name: {name: res["summary"] for name, res in results.items()}
                          for set_name, results in by_set.items()}, indent=2))
        return 0
    print(table(by_set))
    for set_name, results in by_set.items():
        for name, res in results.items():
            rules = res["summary"].get("leak_rules")
            if rules:
                print(f"{set_name}, {name} leaks: " + ", ".join(f"{k} {v}" for k, v in list(rules.items())[:8]))
    if args.worst:
        for set_name, results in by_set.items():
            print(f"\n{set_name}, copydesk, lowest scores ({args.worst}):")
            for s in sorted(results[system_name(SELECT[0])]["scores"], key=lambda s: (s["f1"], s["id"]))[: args.worst]:
                leak = f"  leak: {','.join(s['leaks'])}" if s["leaks"] else ""
                print(f"  {s['f1']:.3f}  {s['id'][:24]}  {s.get('url') or ''}{leak}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
