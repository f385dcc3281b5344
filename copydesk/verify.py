"""Invariants of a corpus directory, checked after a crash (tests, bench/kill_trials.py).

Call it on a corpus that no process is writing, after a start has run its recovery (opening a
Pipeline does): what it reports are real problems, not work in progress.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from copydesk import dedup
from copydesk.storage.corpus import DOCUMENTS, RAW, STATE, Corpus, Record, read_part
from copydesk.storage.state import StateStore

REQUIRED = tuple(Record.__dataclass_fields__)


def verify(corpus: str | Path, *, dedup_options: dict | None = None) -> list[str]:
    root = Path(corpus)
    problems: list[str] = []
    ids: list[str] = []
    urls: list[str] = []
    for part in Corpus(root).part_files():
        try:  # read through storage.schema: a part that does not conform (types, required fields) fails here
            recs = list(read_part(part))
        except Exception as e:  # noqa: BLE001 - any unreadable part is a problem to report
            problems.append(f"{part.name}: unreadable: {type(e).__name__}: {e}")
            continue
        for n, rec in enumerate(recs, 1):
            missing = [k for k in REQUIRED if k not in rec]
            if missing:
                problems.append(f"{part.name}:{n}: missing {missing}")
            ids.append(rec.get("id"))
            urls.append(rec.get("url"))
        raw = root / RAW / part.parent.name / (part.stem + ".warc.gz")
        if not raw.exists():
            problems.append(f"{part.name}: no raw WARC part")
    problems += [f"id stored {n} times: {i}" for i, n in Counter(ids).items() if n > 1]
    problems += [f"url stored {n} times: {u}" for u, n in Counter(urls).items() if n > 1]
    leftovers = [p.name for p in (root / DOCUMENTS).rglob("*.partial")] if (root / DOCUMENTS).exists() else []
    problems += [f"temporary file left: {p}" for p in leftovers]
    try:
        manifest = json.loads((root / "manifest.json").read_text())
        if manifest.get("documents") != len(ids):
            problems.append(f"manifest counts {manifest.get('documents')} documents, the parts hold {len(ids)}")
    except (OSError, ValueError) as e:
        problems.append(f"manifest.json unreadable: {e}")
    state = StateStore(root / STATE / "state.sqlite3")
    try:
        known = set(state.doc_ids())
        # taken down (storage/delete.py): gone from the parts; the dedup index keeps their signatures
        deleted = {i for (i,) in state.db.execute("SELECT DISTINCT doc_id FROM tombstones")}
    finally:
        state.close()
    if known != set(ids):
        problems.append(f"state and parts differ: {len(known - set(ids))} only in state, {len(set(ids) - known)} only in parts")
    d = dedup.Deduper(root / STATE / "dedup", **(dedup_options or {}))
    try:
        not_indexed = [i for i in ids if i not in d]
        if not_indexed:
            problems.append(f"{len(not_indexed)} stored document(s) not in the dedup index")
        if len(d) - sum(1 for i in deleted if i in d) != len(set(ids)):
            problems.append(f"the dedup index holds {len(d)} documents, the corpus {len(set(ids))}")
    finally:
        d.close()
    return problems
