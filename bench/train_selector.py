#!/usr/bin/env python3
"""Rebuild cleaning/selector.json, the model that chooses between candidate extractions.

    python bench/train_selector.py cache  [--sets scrapinghub,trafilatura-eval,fixtures]
    python bench/train_selector.py evidence                # only the page evidence, after changing it
    python bench/train_selector.py train  [--out cleaning/selector.json]
    python bench/train_selector.py report                 # cross-validated and leave-one-set-out tables
    python bench/train_selector.py rules                  # the rule-based text of every page (cascade stage 1)
    python bench/train_selector.py gate   [--out-gate cleaning/gate.json]   # the cascade's gate
    python bench/train_selector.py rules --min-words 1 && python bench/train_selector.py gate --min-words 1 --out-gate /tmp/gate.json
                                                          # the gate's figures without the 50-word policy

`cache` runs every candidate extractor (cleaning.candidates.ALL_CANDIDATES) and the two baselines
(trafilatura's defaults, readability-lxml) once per page of the three development sets
(bench/dev_sets.py) and keeps their texts, the page's evidence and the timings in
/tmp/clean-cache/<set>/<id>.json, so experiments on the selector never re-run the extractors.

`train` fits the selector's logistic regression (numpy, no other dependency) on every page of
the three sets and writes the model file. Each page contributes one row per candidate: the
evidence features of cleaning/evidence.py, labelled 1 when that candidate's page score (token F1,
or snippet F on trafilatura-eval) is within `--margin` of the page's best candidate. Sets are
weighted equally (each set's rows sum to the same weight), so the large set does not decide alone.

`report` prints, for the shipped selection rule:
  * cross-validation by site (5 folds, no site in both training and test fold), per set;
  * leave-one-set-out: trained on two sets, scored on the third;
  * every single candidate and the oracle (best candidate per page) for comparison.

`rules` keeps, per page, the text of the cascade's first stage (cleaning.analyze(select="rules"):
the Article's text, "" when rejected) and its time in /tmp/clean-cache/rules-<set>.json. `gate`
fits the cascade's gate (cleaning/cascade.py) on those texts: a logistic regression over the
cheap text's evidence features, labelled 1 when the selector's choice among the four candidates
scores more than 0.01 better on the page; the threshold is the one with the best mean of the three
sets' cross-validated (by site) scores among those escalating at most MAX_ESCALATION of all pages
(the time budget: an escalation costs about 3x trafilatura's time). It prints the per-threshold
table, cross-validated and leave-one-set-out figures, and writes cleaning/gate.json.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.dev_sets import SETS, is_snippet_set, load_cases, page_score, site_of
from copydesk.cleaning.candidates import DEFAULT_CANDIDATES

CACHE = Path("/tmp/clean-cache")


# ----------------------------------------------------------------------------- cache


def cache_page(case: dict, folder: Path) -> dict:
    import lxml.html
    import trafilatura
    from readability import Document

    from copydesk.cleaning import candidates as cand
    from copydesk.cleaning.encoding import decode_html
    from copydesk.cleaning.extract import flatten_deep_tables
    from copydesk.cleaning.parse import parse_html, sanitize

    data = (folder / case["html_path"]).read_bytes()
    url = case.get("url")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    markup = flatten_deep_tables(sanitize(decode_html(data)))
    tree = parse_html(markup)
    timings["parse"] = time.perf_counter() - t0
    texts: dict[str, str] = {}
    evidence = {}
    if tree is not None:
        t0 = time.perf_counter()
        evidence = cand.page_evidence(tree).as_dict()
        timings["evidence"] = time.perf_counter() - t0
        texts, doc = cand.extract_candidates(tree, markup, url, cand.ALL_CANDIDATES, timings=timings)
        evidence["meta_title"] = getattr(doc, "title", None) or ""
        evidence["lang"] = cand.declared_language(markup)
    # baselines, as the sets' READMEs run them
    t0 = time.perf_counter()
    try:
        base = trafilatura.extract(data if is_bytes_set(folder) else data.decode("utf-8", "replace"), url=url) or ""
    except Exception:
        base = ""
    timings["trafilatura_default"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        from trafilatura.utils import decode_file

        summary = Document(decode_file(data)).summary()
        rdb = lxml.html.fromstring(summary).text_content()
    except Exception:
        rdb = ""
    timings["readability_default"] = time.perf_counter() - t0
    return {"id": case["id"], "site": site_of(case), "texts": texts, "evidence": evidence,
            "baselines": {"trafilatura_default": base, "readability_default": rdb}, "timings": timings}


def is_bytes_set(folder: Path) -> bool:
    return folder.name == "trafilatura-eval"


def cmd_cache(sets: list[str], force: bool) -> int:
    for name in sets:
        folder = SETS[name]
        out = CACHE / name
        out.mkdir(parents=True, exist_ok=True)
        cases = load_cases(folder)
        done = 0
        for case in cases:
            path = out / f"{case['id']}.json"
            if path.exists() and not force:
                continue
            row = cache_page(case, folder)
            path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
            done += 1
        print(f"{name}: {done} pages cached ({len(cases)} in the set)", flush=True)
    return 0


def cmd_evidence(sets: list[str]) -> int:
    """Recompute only the page evidence of cached pages (after a change to cleaning.candidates.page_evidence)."""
    from copydesk.cleaning import candidates as cand
    from copydesk.cleaning.encoding import decode_html
    from copydesk.cleaning.extract import flatten_deep_tables
    from copydesk.cleaning.parse import parse_html, sanitize

    for name in sets:
        folder = SETS[name]
        for case in load_cases(folder):
            path = CACHE / name / f"{case['id']}.json"
            row = json.loads(path.read_text(encoding="utf-8"))
            markup = flatten_deep_tables(sanitize(decode_html((folder / case["html_path"]).read_bytes())))
            tree = parse_html(markup)
            if tree is None:
                continue
            ev = cand.page_evidence(tree).as_dict()
            row["evidence"] = {**row["evidence"], **ev, "lang": cand.declared_language(markup)}
            path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
        print(f"{name}: evidence recomputed", flush=True)
    return 0


def load_cache(name: str) -> tuple[list[dict], list[dict]]:
    cases = load_cases(SETS[name])
    rows = []
    for case in cases:
        path = CACHE / name / f"{case['id']}.json"
        rows.append(json.loads(path.read_text(encoding="utf-8")))
    return cases, rows


# ----------------------------------------------------------------------------- training

MIN_WORDS = 50  # analyze's min_words (--min-words; cleaning.DEFAULT_MIN_WORDS): a shorter final text is a Rejected page, scored as empty
ARTICLE_WORDS = 50  # cleaning.extract.ARTICLE_WORDS: the cascade escalates a shorter rules' text whatever min_words says


def rules_path(name: str) -> Path:
    """The rules' texts of a set (`rules`), one file per min_words policy."""
    return CACHE / (f"rules-{name}.json" if MIN_WORDS == 50 else f"rules-{name}-min{MIN_WORDS}.json")


def page_lang(row: dict, folder: Path, case: dict) -> str | None:
    if "lang" in row["evidence"]:
        return row["evidence"]["lang"]
    from copydesk.cleaning.candidates import declared_language

    head = (folder / case["html_path"]).read_bytes()[:5000].decode("latin-1")
    return declared_language(head)


@dataclass
class Page:
    set: str
    case: dict
    site: str
    names: list[str]
    X: np.ndarray  # [i, j]: features of "candidate i beats candidate j"
    scores: np.ndarray  # page score of each candidate's final text
    finals: dict[str, str]  # each candidate's final text (headline dropped, "" when too short)
    baselines: dict[str, str]
    timings: dict[str, float]


def final_text(text: str, title: str) -> str:
    from copydesk.cleaning.extract import _drop_headline
    from copydesk.cleaning.model import count_words

    text = _drop_headline(text, title or None)
    return text if count_words(text) >= MIN_WORDS else ""


def build_pages(sets: list[str], names: tuple[str, ...]) -> list[Page]:
    from copydesk.cleaning.candidates import Evidence
    from copydesk.cleaning.evidence import FEATURES, PageEvidence

    pages = []
    for set_name in sets:
        cases, rows = load_cache(set_name)
        for case, row in zip(cases, rows):
            texts = {n: row["texts"].get(n, "") for n in names}
            ev = Evidence.from_dict(row["evidence"]) if row["evidence"] else Evidence()
            pe = PageEvidence(texts, ev, page_lang(row, SETS[set_name], case))
            X = np.zeros((len(names), len(names), len(FEATURES)))
            for i, a in enumerate(names):
                for j, b in enumerate(names):
                    if i != j:
                        X[i, j] = pe.pair(a, b)
            finals = {n: final_text(texts[n], row["evidence"].get("meta_title", "")) for n in names}
            pages.append(Page(set_name, case, row["site"], list(names), X,
                              np.array([page_score(case, finals[n]) for n in names]), finals,
                              row["baselines"], row["timings"]))
    return pages


def fit(pages: list[Page], margin: float, l2: float) -> dict:
    """Logistic regression (Newton's method, L2) on the candidate rows of `pages`; sets weigh equally."""
    X, y, w = [], [], []
    rows_per_set: dict[str, int] = {}
    items = []
    for p in pages:
        k = len(p.names)
        pairs = [(i, j) for i in range(k) for j in range(k) if i != j and abs(p.scores[i] - p.scores[j]) > margin]
        if pairs:
            items.append((p, pairs))
            rows_per_set[p.set] = rows_per_set.get(p.set, 0) + 1
    for p, pairs in items:
        for i, j in pairs:
            X.append(p.X[i, j])
            y.append(1.0 if p.scores[i] > p.scores[j] else 0.0)
            w.append(1.0 / rows_per_set[p.set] / len(pairs))
    X, y, w = np.array(X), np.array(y), np.array(w)
    mean, scale, beta = _lr(X, y, w / w.mean(), l2)
    from copydesk.cleaning.evidence import FEATURES

    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
            "weights": beta[:-1].tolist(), "bias": float(beta[-1]), "candidates": list(pages[0].names)}


def choose_index(model: dict, p: Page) -> int:
    """The round robin of cleaning.selector.rank: highest mean probability of beating the others."""
    Z = (p.X - np.array(model["mean"])) / np.array(model["scale"])
    prob = 1.0 / (1.0 + np.exp(-np.clip(Z @ np.array(model["weights"]) + model["bias"], -50, 50)))
    k = len(p.names)
    mean = [(prob[i].sum() - prob[i, i]) / (k - 1) for i in range(k)]
    return int(np.argmax(np.round(mean, 9)))  # ties: the first candidate


def evaluate(pages: list[Page], texts: list[str]) -> dict:
    """Set-level figures of one text per page: mean F1 + leak % (reference sets), snippet F + leaking pages."""
    from tests.text_scores import leaks

    out: dict[str, dict] = {}
    by_set: dict[str, list[tuple[Page, str]]] = {}
    for p, t in zip(pages, texts):
        by_set.setdefault(p.set, []).append((p, t))
    for name, items in by_set.items():
        if is_snippet_set([items[0][0].case]):
            from bench.dev_sets import snippet_counts

            tp = fn = fp = 0
            leaking = empty = 0
            for p, t in items:
                a, b, c, _ = snippet_counts(p.case, t)
                tp, fn, fp = tp + a, fn + b, fp + c
                leaking += c > 0
                empty += not t.strip()
            out[name] = {"F": 2 * tp / (2 * tp + fp + fn), "P": tp / max(1, tp + fp), "R": tp / max(1, tp + fn),
                         "leaking": leaking, "empty": empty, "pages": len(items)}
        else:
            from tests.text_scores import token_prf

            f1s, leak, empty = [], 0, 0
            for p, t in items:
                exp = p.case.get("expected_text") or ""
                f1s.append(token_prf(t, exp)[2])
                leak += bool(leaks(t, exp))
                empty += (not t.strip()) and bool(exp.strip())
            out[name] = {"F1": float(np.mean(f1s)), "leak_pct": 100.0 * leak / len(items), "empty": empty,
                         "pages": len(items)}
    return out


def fmt(res: dict) -> str:
    parts = []
    for name in SETS:
        if name not in res:
            continue
        r = res[name]
        if "F" in r:
            parts.append(f"{name}: F {r['F']:.4f} (P {r['P']:.3f} R {r['R']:.3f}) leaking {r['leaking']} empty {r['empty']}")
        else:
            parts.append(f"{name}: F1 {r['F1']:.4f} leak {r['leak_pct']:.1f}% empty {r['empty']}")
    return " | ".join(parts)


def site_folds(pages: list[Page], k: int = 5, seed: int = 0) -> list[int]:
    sites = sorted({(p.set, p.site) for p in pages})
    random.Random(seed).shuffle(sites)
    fold_of = {s: i % k for i, s in enumerate(sites)}
    return [fold_of[(p.set, p.site)] for p in pages]


def cross_val(pages: list[Page], margin: float, l2: float, k: int = 5) -> list[str]:
    folds = site_folds(pages, k)
    chosen = [""] * len(pages)
    for f in range(k):
        train = [p for p, g in zip(pages, folds) if g != f]
        model = fit(train, margin, l2)
        for i, (p, g) in enumerate(zip(pages, folds)):
            if g == f:
                chosen[i] = p.finals[p.names[choose_index(model, p)]]
    return chosen


GRID = [(m, l2) for m in (0.01, 0.02, 0.05) for l2 in (0.1, 1.0, 10.0)]


def set_score(res: dict) -> float:
    """Mean over sets of each set's headline score (mean F1 or snippet F)."""
    return float(np.mean([r.get("F", r.get("F1", 0.0)) for r in res.values()]))


def leave_one_set_out(pages: list[Page], grid: list[tuple[float, float]] = GRID) -> tuple[dict, dict]:
    """For each set: (margin, l2) chosen by cross-validation by site on the two other sets, the
    model fitted on those two sets with it, scored on the held-out set."""
    out, chosen = {}, {}
    for held in sorted({p.set for p in pages}):
        train = [p for p in pages if p.set != held]
        best = max(grid, key=lambda g: set_score(evaluate(train, cross_val(train, *g))))
        model = fit(train, *best)
        test = [p for p in pages if p.set == held]
        out.update(evaluate(test, [p.finals[p.names[choose_index(model, p)]] for p in test]))
        chosen[held] = best
    return out, chosen


# ----------------------------------------------------------------------------- cascade gate

GATE_GRID = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
MAX_ESCALATION = 0.10  # of all pages: 1.15x + 10 % x ~3x stays under 1.5x trafilatura's time
GAIN_MARGIN = 0.01


def cmd_rules(sets: list[str]) -> int:
    """The rule-based text (cascade stage 1) of every page, and its time."""
    from copydesk.cleaning import analyze

    for name in sets:
        folder = SETS[name]
        out = {}
        for case in load_cases(folder):
            data = (folder / case["html_path"]).read_bytes()
            t0 = time.perf_counter()
            res = analyze(data, case.get("url"), select="rules", min_words=MIN_WORDS)
            out[case["id"]] = {"text": res.text if res else "", "sec": time.perf_counter() - t0}
        rules_path(name).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        print(f"{name}: rules texts of {len(out)} pages", flush=True)
    return 0


def _lr(X: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    beta = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(50):
        p_hat = 1.0 / (1.0 + np.exp(-np.clip(Z @ beta, -50, 50)))
        grad = Z.T @ (w * (p_hat - y)) + reg * beta
        hess = (Z * (w * p_hat * (1 - p_hat))[:, None]).T @ Z + np.diag(reg) + 1e-9 * np.eye(Z.shape[1])
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, beta


def _lr_prob(m: tuple, X: np.ndarray) -> np.ndarray:
    mean, scale, beta = m
    Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    return 1.0 / (1.0 + np.exp(-np.clip(Z @ beta, -50, 50)))


def _set_weights(pages: list[Page]) -> np.ndarray:
    count: dict[str, int] = {}
    for p in pages:
        count[p.set] = count.get(p.set, 0) + 1
    w = np.array([1.0 / count[p.set] for p in pages])
    return w / w.mean()


def _cv_prob(pages: list[Page], X: np.ndarray, y: np.ndarray, k: int = 5) -> np.ndarray:
    folds = np.array(site_folds(pages, k))
    out = np.zeros(len(pages))
    for f in range(k):
        tr = folds != f
        m = _lr(X[tr], y[tr], _set_weights([p for p, t in zip(pages, tr) if t]))
        out[~tr] = _lr_prob(m, X[~tr])
    return out


def cmd_gate(pages: list[Page], out: Path) -> int:
    from copydesk.cleaning.candidates import Evidence
    from copydesk.cleaning.cascade import GATE_FEATURES, gate_row
    from copydesk.cleaning.model import count_words

    model = json.loads((Path(__file__).resolve().parent.parent / "cleaning" / "selector.json").read_text())
    rules = {s: json.loads(rules_path(s).read_text(encoding="utf-8")) for s in {p.set for p in pages}}
    X, gain, short, cheap, full = [], [], [], [], []
    for p in pages:
        row = json.loads((CACHE / p.set / f"{p.case['id']}.json").read_text(encoding="utf-8"))
        ev = Evidence.from_dict(row["evidence"]) if row["evidence"] else Evidence()
        text = rules[p.set][p.case["id"]]["text"]
        X.append(gate_row(text, ev, row["evidence"].get("lang")))
        # the escalated text: the selector's choice, or the rules' text when every candidate is short
        best = p.finals[p.names[choose_index(model, p)]]
        if max(count_words(t) for t in row["texts"].values() if t is not None) < ARTICLE_WORDS:
            best = text
        cheap.append(text)
        full.append(best)
        gain.append(page_score(p.case, best) - page_score(p.case, text))
        short.append(count_words(text) < ARTICLE_WORDS)
    X, y, short_a = np.array(X), (np.array(gain) > GAIN_MARGIN).astype(float), np.array(short)

    def texts_for(esc: np.ndarray, idx: list[int]) -> list[str]:
        return [full[i] if esc[k] else cheap[i] for k, i in enumerate(idx)]

    def pick(idx: list[int], prob: np.ndarray) -> tuple[float, list[str]]:
        lines, best = [], None
        sub = [pages[i] for i in idx]
        for th in GATE_GRID:
            esc = (prob >= th) | short_a[idx]
            res = evaluate(sub, texts_for(esc, idx))
            rate = float(esc.mean())
            lines.append(f"    threshold {th:.2f}: escalated {rate:.1%} " + fmt(res))
            if rate <= MAX_ESCALATION and (best is None or set_score(res) > best[0] + 1e-9):
                best = (set_score(res), th)
        return (best[1] if best else GATE_GRID[-1]), lines

    every = list(range(len(pages)))
    print(f"gate: {len(pages)} pages, {int(y.sum())} where the full choice is better by > {GAIN_MARGIN}")
    print("  rules only    " + fmt(evaluate(pages, cheap)))
    print("  full always   " + fmt(evaluate(pages, full)))
    cv = _cv_prob(pages, X, y)
    threshold, lines = pick(every, cv)
    print("  cross-validated by site, per threshold:")
    print("\n".join(lines))
    print(f"  chosen threshold {threshold}")
    loso_esc = np.zeros(len(pages), dtype=bool)
    for held in sorted({p.set for p in pages}):
        train = [i for i, p in enumerate(pages) if p.set != held]
        test = [i for i, p in enumerate(pages) if p.set == held]
        th, _ = pick(train, _cv_prob([pages[i] for i in train], X[train], y[train]))
        m = _lr(X[train], y[train], _set_weights([pages[i] for i in train]))
        loso_esc[test] = (_lr_prob(m, X[test]) >= th) | short_a[test]
        print(f"  leave-one-set-out {held}: threshold {th} chosen on the other two, escalated {loso_esc[test].mean():.1%}")
    print("  leave-one-set-out " + fmt(evaluate(pages, texts_for(loso_esc, every))))
    m = _lr(X, y, _set_weights(pages))
    esc = (_lr_prob(m, X) >= threshold) | short_a
    print(f"  in-sample     escalated {esc.mean():.1%} " + fmt(evaluate(pages, texts_for(esc, every))))
    gate = {"features": list(GATE_FEATURES), "mean": m[0].tolist(), "scale": m[1].tolist(),
            "weights": m[2][:-1].tolist(), "bias": float(m[2][-1]), "threshold": threshold}
    out.write_text(json.dumps(gate, indent=1) + "\n", encoding="utf-8")
    print(f"  wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["cache", "evidence", "train", "report", "rules", "gate"])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--force", action="store_true", help="cache: recompute pages already cached")
    ap.add_argument("--candidates", default=",".join(DEFAULT_CANDIDATES))
    ap.add_argument("--margin", type=float, default=0.02, help="train: label 1 within this of the page's best score")
    ap.add_argument("--l2", type=float, default=1.0, help="train: L2 penalty")
    ap.add_argument("--min-words", type=int, default=50,
                    help="analyze's min_words: the length policy on the final text (rules, gate, report; default 50)")
    ap.add_argument("--save", action="store_true", help="report: also write the model trained on every page to --out")
    ap.add_argument("--out-gate", type=Path, default=Path(__file__).resolve().parent.parent / "cleaning" / "gate.json")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "cleaning" / "selector.json")
    args = ap.parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    global MIN_WORDS
    MIN_WORDS = args.min_words
    if args.command == "cache":
        return cmd_cache(sets, args.force)
    if args.command == "evidence":
        return cmd_evidence(sets)
    if args.command == "rules":
        return cmd_rules(sets)
    names = tuple(n for n in args.candidates.split(",") if n)
    pages = build_pages(sets, names)
    if args.command == "gate":
        return cmd_gate(pages, args.out_gate)
    if args.command == "train":
        model = fit(pages, args.margin, args.l2)
        args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out} ({len(pages)} pages, candidates {','.join(names)})")
        return 0
    print(f"candidates: {','.join(names)}; margin {args.margin}, l2 {args.l2}")
    for i, n in enumerate(names):
        print(f"  only {n:12s} " + fmt(evaluate(pages, [p.finals[n] for p in pages])))
    print("  oracle        " + fmt(evaluate(pages, [p.finals[p.names[int(np.argmax(p.scores))]] for p in pages])))
    for b in ("trafilatura_default", "readability_default"):
        print(f"  {b:13s} " + fmt(evaluate(pages, [p.baselines[b] for p in pages])))
    model = fit(pages, args.margin, args.l2)
    print("  in-sample     " + fmt(evaluate(pages, [p.finals[p.names[choose_index(model, p)]] for p in pages])))
    if args.save:
        args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"  wrote {args.out}")
    print("  cv-by-site    " + fmt(evaluate(pages, cross_val(pages, args.margin, args.l2))))
    loso, chosen = leave_one_set_out(pages)
    print("  leave-one-set-out " + fmt(loso))
    print("  (margin, l2) chosen on the other two sets: " + ", ".join(f"{k}: {v}" for k, v in chosen.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
