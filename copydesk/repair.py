"""`copydesk repair`: rebuild the state store and the dedup index from the corpus directory.

The part files are the source of truth. The damaged (or just suspect) `_state/` files are moved
aside, not deleted, into `_state/broken-<time>/`; a new state store registers every part file and
a new index re-inserts every stored document with its recorded cluster. What only the state knew is
relearned by the next crawls: skipped URLs are decided again, feeds are fetched once without
validators, site templates are learned again.
"""
from __future__ import annotations

import logging
import time

from copydesk import report
from copydesk.errors import UsageError
from copydesk.config import Config
from storage import CorpusLock
from storage.corpus import STATE

log = logging.getLogger("copydesk.repair")


def run(cfg: Config) -> int:
    from copydesk.pipeline import Pipeline

    if not (cfg.corpus / "documents").exists():
        raise UsageError(f"{cfg.corpus} has no documents/ directory: nothing to repair from")
    with CorpusLock(cfg.corpus, command="copydesk repair"):
        state = cfg.corpus / STATE
        aside = state / f"broken-{time.strftime('%Y%m%dT%H%M%S')}"
        moved = []
        for name in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm", "dedup"):
            p = state / name
            if p.exists():
                aside.mkdir(parents=True, exist_ok=True)
                p.rename(aside / name)
                moved.append(name)
        t = time.monotonic()
        pipe = Pipeline(cfg, kind="repair", workers=0)
        repaired = pipe.repaired
        pipe.close()
    report.console.print(
        f"repaired {cfg.corpus}: {repaired['parts_registered']} part file(s) registered, "
        f"{repaired['documents_reindexed']} document(s) re-indexed in {time.monotonic() - t:.1f}s"
        + (f"; the old state is in {aside}" if moved else ""))
    return 0
