"""The three cleaning development sets, read the same way by bench/extraction.py and bench/train_selector.py.

    scrapinghub        ../shared/bench/extraction/scrapinghub       token F1 against a reference text
    trafilatura-eval   ../shared/bench/extraction/trafilatura-eval  must / must-not snippets
    fixtures           tests/fixtures/cleaning                      token F1 (copydesk's own pages)

A set is a folder with cases.jsonl; a case with "expected_text" is scored by token F1, a case
with "with"/"without" snippets by trafilatura's snippet rule. Pages are read as bytes (the
trafilatura-eval pages are not all UTF-8) and decoded by cleaning.decode_html, as the crawler's are.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.text_scores import token_prf

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench" / "extraction"
SETS: dict[str, Path] = {
    "scrapinghub": SHARED / "scrapinghub",
    "trafilatura-eval": SHARED / "trafilatura-eval",
    "fixtures": ROOT / "tests" / "fixtures" / "cleaning",
}
WS = re.compile(r"\s+")


def load_cases(folder: Path) -> list[dict]:
    with (folder / "cases.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def is_snippet_set(cases: list[dict]) -> bool:
    return bool(cases) and "with" in cases[0]


def site_of(case: dict) -> str:
    """The site a page belongs to (for cross-validation by site): host without www., else the file stem."""
    url = case.get("url") or ""
    m = re.match(r"https?://(?:www\d?\.)?([^/:]+)", url)
    if m:
        host = m.group(1).lower()
        if host.endswith("copydesk.test"):  # fixtures: one "site" per page template
            return "fx:" + url.split("/")[3]
        return host
    return "file:" + (case.get("file") or case["id"]).split("-")[0].split("_")[0].lower()


def snippet_counts(case: dict, out: str) -> tuple[int, int, int, int]:
    """(tp, fn, fp, tn), the rule of ../shared/bench/score_snippets.py (trafilatura's count_item)."""
    withs, withouts = case.get("with") or [], case.get("without") or []
    if out:
        o = WS.sub(" ", out).strip()
        tp = sum(1 for s in withs if WS.sub(" ", s).strip() in o)
        fp = sum(1 for s in withouts if WS.sub(" ", s).strip() in o)
    else:
        tp = fp = 0
    return tp, len(withs) - tp, fp, len(withouts) - fp


def page_score(case: dict, out: str) -> float:
    """One number per page to learn from: token F1, or the page's snippet F (2TP / (2TP+FP+FN))."""
    if "with" in case:
        tp, fn, fp, _tn = snippet_counts(case, out)
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return token_prf(out, case.get("expected_text") or "")[2]
