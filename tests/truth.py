"""Checks of a corpus against the demo world's ground truth (shared by the ingest, crawl and demo tests)."""
from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

from copydesk.demo import DemoPage
from copydesk.demo.world import comparable

RECORD_KEYS = ("id", "url", "source", "site", "title", "text", "published", "fetched_at", "language", "word_count",
               "cluster_id", "duplicate_of", "similarity", "authors", "canonical_url", "description")


def _norm(s: str) -> str:
    """Words only: punctuation that debris repair may settle either way (`would,quot;` -> `would"`)
    does not count, every word does."""
    return " ".join(re.findall(r"\w+", comparable(s).lower()))


def check_against_truth(records: list[dict], pages: list[DemoPage]) -> None:
    """Every page stored once; no boilerplate line and no headline in the text; every article
    paragraph kept; clusters are exactly the stories; cluster_id/duplicate_of/similarity consistent."""
    truth = {p.path: p for p in pages if not p.disallowed}
    matched: dict[str, tuple[dict, DemoPage]] = {}
    for rec in records:
        path = urlsplit(rec["url"]).path
        assert path in truth, f"record for an unknown or disallowed page: {rec['url']}"
        assert path not in matched, f"page stored twice: {rec['url']}"
        matched[path] = (rec, truth[path])
    assert set(matched) == set(truth), f"pages not stored: {sorted(set(truth) - set(matched))}"
    for rec, page in matched.values():
        assert all(k in rec for k in RECORD_KEYS)
        lines = [_norm(x) for x in rec["text"].split("\n")]
        for b in page.boilerplate:
            assert _norm(b) not in lines, f"{page.outlet} {page.path}: boilerplate line kept: {b!r}"
        assert lines[0] != _norm(page.title), f"{page.path}: headline repeated as the first line of text"
        missing = [p for p in page.paragraphs if _norm(p) not in lines]
        assert not missing, f"{page.outlet} {page.path}: article paragraphs lost or merged: {missing[:2]}"
        assert rec["word_count"] == len(rec["text"].split())
        assert rec["title"] and rec["site"] == urlsplit(rec["url"]).hostname

    order = {rec["id"]: i for i, rec in enumerate(records)}
    clusters: dict[str, set[str]] = defaultdict(set)
    stories: dict[str, set[str]] = defaultdict(set)
    for rec, page in matched.values():
        clusters[rec["cluster_id"]].add(page.story)
        stories[page.story].add(rec["cluster_id"])
        if rec["duplicate_of"] is None:
            assert rec["cluster_id"] == rec["id"] and rec["similarity"] is None
        else:
            assert order[rec["duplicate_of"]] < order[rec["id"]], "duplicate_of must be stored before its copy"
            assert 0 < rec["similarity"] <= 1
    merged = [s for s in clusters.values() if len(s) > 1]
    assert not merged, f"distinct stories merged: {merged}"
    split = {k: c for k, c in stories.items() if len(c) > 1}
    assert not split, f"a story split over clusters: {split}"
    for cid in clusters:
        assert min(order[r["id"]] for r in records if r["cluster_id"] == cid) == order[cid], \
            "cluster_id must be the first stored member"
