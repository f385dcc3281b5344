#!/usr/bin/env python3
"""Measure copydesk's cleaning against trafilatura's defaults on a folder of labelled pages.

    python bench/extraction.py CASES_DIR --pred OUT.jsonl [--worst 10] [--json] [--per-case FILE]

CASES_DIR holds cases.jsonl, one {"id", "url", "html_path", "expected_text"} per line, with
html_path relative to CASES_DIR (UTF-8 HTML). The script runs cleaning.extract() on every page,
writes {"id", "text"} predictions to OUT.jsonl, runs trafilatura.extract(html, url=url) with its
default options on the same pages in the same process (interleaved, for a fair time comparison),
and prints both rows of the table.

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
  ms/page       wall time of the extraction call alone, mean over pages.
"""
from __future__ import annotations

import argparse
import gzip
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


def bag_prf(out: str, exp: str) -> tuple[float, float, float]:
    o = Counter(WORD.findall(out.lower()))
    e = Counter(WORD.findall(exp.lower()))
    n_o, n_e = sum(o.values()), sum(e.values())
    if n_o == 0 and n_e == 0:
        return 1.0, 1.0, 1.0
    if n_o == 0 or n_e == 0:
        return 0.0, 0.0, 0.0
    tp = sum((o & e).values())
    p, r = tp / n_o, tp / n_e
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


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


_CODE = {
    "function(": r"\bfunction\s*\w*\s*\(",
    "document.<api>": r"\bdocument\.(?:getElement|querySelector|write|createElement|cookie|body\.|location)",
    "var/const x =": r"\b(?:var|const)\s+[A-Za-z_$][\w$]*\s*=[^=]",
    "});": r"\}\s*\)\s*;",
    "window.": r"\bwindow\.[A-Za-z_$]",
    "tracking call": r"googletag\.|\bgtag\(|\bdataLayer\b|_gaq\.push|adsbygoogle|\bfbq\(",
    "html tag": r"(?i)</?(?:script|div|span|iframe|style)\b[^>]*>|<!--|-->",
    "css rule": r"\{[^{}\n]*\b(?:display|margin|padding|font-size|font-family|width|height|color)\s*:[^{}\n]*\}",
}
_ANYWHERE = (
    "Leave a Reply", "Post a Comment", "Comments are closed", "Your email address will not be published",
    "Subscribe to our newsletter", "Sign up for our newsletter", "Sign up to our newsletter",
    "All rights reserved", "We use cookies", "Skip to content", "Skip to main content",
)
_LINE_START = (
    "Related posts", "Related articles", "Related stories", "Related content", "Related",
    "You may also like", "You might also like", "Recommended for you", "Recommended", "More from",
    "Most popular", "Most read", "Trending now", "Newsletter", "Subscribe now", "Subscribe",
    "Share this article", "Share this", "Share on Facebook", "Share on Twitter", "Follow us",
    "Advertisement", "Sponsored content", "Back to top", "Sign in", "Log in", "Privacy policy",
    "Terms of use", "Terms of service", "Cookie policy", "Click here to", "Leave a Comment",
    "Add a comment", "Read more", "Comments", "Copyright", "\u00a9",
)


def _flex(phrase: str) -> str:
    return r"\s+".join(re.escape(w) for w in phrase.split(" "))


LEAK_RULES: dict[str, tuple[str, re.Pattern]] = {}
for _name, _rx in _CODE.items():
    LEAK_RULES[_name] = ("js", re.compile(_rx))
for _ph in _ANYWHERE:
    LEAK_RULES[_ph] = ("bp", re.compile(r"(?i)(?<!\w)" + _flex(_ph) + r"(?!\w)"))
for _ph in _LINE_START:
    _rest = 12 - len(_ph.split())
    LEAK_RULES["^" + _ph] = ("bp", re.compile(
        r"(?im)^[ \t]*" + _flex(_ph) + r"(?!\w)(?:[^\S\n]*\S+){0,%d}[ \t]*$" % _rest))


def leaks(out: str, exp: str) -> list[str]:
    return [name for name, (_kind, rx) in LEAK_RULES.items() if len(rx.findall(out)) > len(rx.findall(exp))]


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


def copydesk_text(html: str, url: str | None) -> str:
    import cleaning

    article = cleaning.extract(html, url)
    return article.text if article else ""


def trafilatura_text(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def run(folder: Path, *, baseline: bool = True, limit: int | None = None) -> dict:
    cases = load_cases(folder)[:limit]
    pages = [(c, (folder / c["html_path"]).read_text(encoding="utf-8")) for c in cases]
    for case, html in pages[:5]:  # warm up imports, models and caches outside the timings
        copydesk_text(html, case.get("url"))
        if baseline:
            trafilatura_text(html, case.get("url"))
    systems = {"copydesk": copydesk_text}
    if baseline:
        systems["trafilatura default"] = trafilatura_text
    results: dict[str, dict] = {name: {"texts": {}, "scores": [], "seconds": []} for name in systems}
    for case, html in pages:
        for name, fn in systems.items():
            t0 = time.perf_counter()
            text = fn(html, case.get("url"))
            results[name]["seconds"].append(time.perf_counter() - t0)
            results[name]["texts"][case["id"]] = text
            results[name]["scores"].append({"id": case["id"], "url": case.get("url"),
                                            **score_case(text, case.get("expected_text") or "")})
    for res in results.values():
        res["summary"] = summarize(res["scores"], res["seconds"])
    return results


def table(results: dict) -> str:
    head = ("| extractor | pages | mean F1 | median F1 | P | R | AEB F1 | leak % | empty | ms/page |\n"
            "|---|---|---|---|---|---|---|---|---|---|")
    rows = [head]
    for name, res in results.items():
        s = res["summary"]
        rows.append(f"| {name} | {s['pages']} | {s['mean_f1']:.3f} | {s['median_f1']:.3f} | {s['precision']:.3f} | "
                    f"{s['recall']:.3f} | {s['aeb_f1']:.3f} | {s['leak_pct']:.1f} | {s['empty']} | {s['ms_per_page']:.1f} |")
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
    ap.add_argument("cases", type=Path, help="folder holding cases.jsonl and the pages")
    ap.add_argument("--pred", type=Path, help="write copydesk's {id, text} predictions here (JSONL)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the trafilatura-defaults row")
    ap.add_argument("--worst", type=int, default=0, help="list the N pages where copydesk scores lowest")
    ap.add_argument("--per-case", type=Path, help="write per-page scores of copydesk here (JSONL)")
    ap.add_argument("--limit", type=int, help="only the first N cases")
    ap.add_argument("--json", action="store_true", help="print the summaries as JSON")
    ap.add_argument("--import-aeb", type=Path, metavar="CLONE",
                    help="convert a clone of scrapinghub/article-extraction-benchmark into CASES and exit")
    args = ap.parse_args(argv)

    if args.import_aeb:
        n = import_aeb(args.import_aeb, args.cases)
        print(f"wrote {n} cases to {args.cases}")
        return 0 if n else 2
    if not (args.cases / "cases.jsonl").is_file():
        print(f"extraction.py: no cases.jsonl in {args.cases}", file=sys.stderr)
        return 2
    results = run(args.cases, baseline=not args.no_baseline, limit=args.limit)
    mine = results["copydesk"]
    if args.pred:
        with args.pred.open("w", encoding="utf-8") as fh:
            for cid, text in mine["texts"].items():
                fh.write(json.dumps({"id": cid, "text": text}, ensure_ascii=False) + "\n")
    if args.per_case:
        with args.per_case.open("w", encoding="utf-8") as fh:
            for s in mine["scores"]:
                fh.write(json.dumps({k: v for k, v in s.items() if k != "aeb"}, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps({name: res["summary"] for name, res in results.items()}, indent=2))
        return 0
    print(table(results))
    for name, res in results.items():
        rules = res["summary"]["leak_rules"]
        if rules:
            print(f"{name} leaks: " + ", ".join(f"{k} {v}" for k, v in list(rules.items())[:8]))
    if args.worst:
        print(f"\ncopydesk, lowest F1 ({args.worst}):")
        for s in sorted(mine["scores"], key=lambda s: (s["f1"], s["id"]))[: args.worst]:
            leak = f"  leak: {','.join(s['leaks'])}" if s["leaks"] else ""
            print(f"  {s['f1']:.3f}  P={s['precision']:.2f} R={s['recall']:.2f}  {s['id'][:12]}  {s.get('url') or ''}{leak}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
