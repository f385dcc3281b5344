"""Corpus format 1 -> 2: every JSON-lines documents part becomes a Parquet part of the same stem.

Run by `copydesk repair --upgrade` and at every start of a writer (``Pipeline``), under the corpus
lock. Part by part: the Parquet part is written atomically (temporary name, fsync, rename) and
read back and compared with the JSON lines, record by record, through ``storage.schema``; only
then is the JSON-lines part removed. A part with both files counts once (as Parquet) for every
reader, so a stop at any point leaves a readable corpus and the next start finishes the upgrade.
The raw WARC parts keep their names (the stem is the same), the state store's part registry and
documents follow in one transaction, and manifest.json says ``format_version: 2`` once no
JSON-lines part is left.

Nothing is lost: a v1 record's every field is in the v2 record. Timestamps become UTC instants: a
``published`` written with an offset is the same instant in UTC, a date alone is midnight UTC. A
``published`` string that is not an ISO 8601 date at all cannot be typed; the upgrade refuses to
drop it silently and counts it (``unparseable_published``), storing null.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from copydesk.storage import schema
from copydesk.storage.atomic import atomic_file, fsync_dir
from copydesk.storage.corpus import DOCUMENTS, JSONL, PARQUET, Corpus, write_parquet
from copydesk.storage.state import StateStore

log = logging.getLogger("copydesk.upgrade")


class UpgradeError(RuntimeError):
    """A part did not read back equal to what it was converted from: nothing of it was removed."""


@dataclass
class Upgrade:
    parts_converted: int = 0
    documents: int = 0
    unparseable_published: int = 0
    moved: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"parts_converted": self.parts_converted, "documents": self.documents,
                "unparseable_published": self.unparseable_published}


def v1_parts(root: Path) -> list[Path]:
    """The JSON-lines documents parts still in the corpus (a version-1 corpus, or a stopped upgrade)."""
    docs = Path(root) / DOCUMENTS
    if not docs.exists():
        return []
    return sorted(docs.glob(f"date=*/part-*{JSONL}"))


def needed(root: Path) -> bool:
    return bool(v1_parts(root))


def upgrade(root: Path, state: StateStore | None = None) -> Upgrade:
    """Convert every JSON-lines part (see the module docstring); ``state``: the corpus' open state
    store, whose registry follows. Idempotent."""
    root = Path(root)
    out = Upgrade()
    for part in v1_parts(root):
        target = part.with_suffix(PARQUET)
        with open(part, encoding="utf-8") as f:
            recs = [json.loads(line) for line in f if line.strip()]
        out.unparseable_published += sum(1 for r in recs if r.get("published") and schema.parse_time(r["published"]) is None)
        if not target.exists():
            with atomic_file(target) as f:
                write_parquet(f, schema.table(recs))
        _check(target, recs)
        part.unlink()
        fsync_dir(part.parent)
        out.moved[part.relative_to(root).as_posix()] = target.relative_to(root).as_posix()
        out.parts_converted += 1
        out.documents += len(recs)
    if state is not None:
        registered = state.parts()
        moved = {o: n for o, n in out.moved.items() if o in registered}
        # a stopped upgrade: parts converted before the stop, still registered under their old name
        for name in registered:
            if name.endswith(JSONL) and name not in moved and (root / name).with_suffix(PARQUET).exists() \
                    and not (root / name).exists():
                moved[name] = name[: -len(JSONL)] + PARQUET
        if moved:
            state.replace_parts(moved, [(n, registered[o][0], (root / n).stat().st_size) for o, n in moved.items()])
    if out.parts_converted:
        log.warning("upgraded the corpus to format %d: %s", schema.FORMAT_VERSION, out.counts())
    return out


def _check(target: Path, recs: list[dict[str, Any]]) -> None:
    got = pq.read_table(target).to_pylist()
    want = [schema.normalize(r) for r in recs]
    if got != want:
        bad = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
        target.unlink()
        raise UpgradeError(f"{target}: record {bad + 1} does not read back as converted; the JSON-lines part is kept")


def corpus_version(root: Path) -> int:
    """1 while any JSON-lines part is left, else the manifest's format version (2 for a new corpus)."""
    if needed(root):
        return 1
    return int(Corpus(root).manifest.get("format_version") or schema.FORMAT_VERSION)
