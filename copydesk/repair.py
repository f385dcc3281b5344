"""`copydesk repair`: check the state store and the dedup index against the corpus directory, and
rebuild what is broken.

The part files are the source of truth. On a healthy state database (SQLite's quick_check passes and
the corpus opens), repair keeps everything — run history, URL decisions, feed validators, site
templates — and only does the start-up reconciliation (part files the state does not know are
registered, documents missing from the dedup index re-indexed); a dedup index that does not load is
moved aside and rebuilt from the part files, the state kept. A state that is damaged is moved
aside, not deleted, into `_state/broken-<time>/`, and a new state store and index are built from the
part files; the takedowns come back from `_state/takedowns.jsonl` (storage/delete.py: every
takedown is appended there before the state records it, and the old state's tombstones the log
lacks are appended before it is moved aside); what else only the state knew is relearned by the next crawls (skipped URLs are decided
again, feeds are fetched once without validators, site templates are learned again). `--force`
does that rebuild even on a healthy state.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from copydesk import report
from copydesk.config import Config
from copydesk.errors import UsageError
from copydesk.storage import CorpusLock, StateError, StateStore
from copydesk.storage import delete as storage_delete
from copydesk.storage.corpus import STATE

log = logging.getLogger("copydesk.repair")


def state_problem(corpus: Path) -> str | None:
    """Why the state database cannot be kept, or None when it is healthy."""
    path = corpus / STATE / "state.sqlite3"
    if not path.exists():
        return "there is no state database"
    try:
        state = StateStore(path, readonly=True)
    except StateError as e:
        return str(e)
    try:
        result = [r[0] for r in state.db.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as e:
        return f"{path}: {e}"
    finally:
        state.close()
    return None if result == ["ok"] else f"{path}: quick_check: {'; '.join(map(str, result[:3]))}"


def run(cfg: Config, *, force: bool = False) -> int:
    from copydesk.pipeline import Pipeline

    if not (cfg.corpus / "documents").is_dir():
        raise UsageError(f"{cfg.corpus} has no documents/ directory: nothing to repair from")
    with CorpusLock(cfg.corpus, command="copydesk repair"):
        problem = state_problem(cfg.corpus)
        t = time.monotonic()
        if problem is None and not force:
            index_aside = None
            try:
                pipe = Pipeline(cfg, kind="repair", workers=0)
            except Exception as e:  # noqa: BLE001 - the state is healthy: the dedup index is what is left
                log.warning("the corpus does not open with its dedup index (%s: %s); rebuilding the index",
                            type(e).__name__, e)
                index_aside = _move_aside(cfg.corpus, ("dedup",))
                try:
                    pipe = Pipeline(cfg, kind="repair", workers=0)
                except Exception as e2:  # noqa: BLE001 - reported, and --force is the way out
                    raise UsageError(
                        f"the state database of {cfg.corpus} is healthy but the corpus does not open "
                        f"({type(e2).__name__}: {e2}); `copydesk repair --force` rebuilds the state and the dedup "
                        "index from the part files (run history, skip decisions and feed validators are lost)") from None
            repaired = pipe.repaired
            pipe.close()
            report.console.print(
                f"{cfg.corpus}: the state is healthy and was kept (run history, decisions, validators); "
                + (f"the dedup index did not load and was rebuilt (the old one is in {index_aside}); " if index_aside
                   else "")
                + f"checked against the part files: {repaired.get('parts_registered', 0)} part file(s) registered, "
                f"{repaired.get('documents_reindexed', 0)} document(s) re-indexed in {time.monotonic() - t:.1f}s")
            return 0
        if problem is not None:
            log.warning("rebuilding: %s", problem)
        # the takedowns must outlive the state: what its tombstones hold that the log lacks goes there first
        storage_delete.salvage(cfg.corpus, cfg.corpus / STATE / "state.sqlite3")
        aside = _move_aside(cfg.corpus, ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm", "dedup"))
        pipe = Pipeline(cfg, kind="repair", workers=0)
        repaired = pipe.repaired
        pipe.close()
    report.console.print(
        f"repaired {cfg.corpus}: {repaired.get('parts_registered', 0)} part file(s) registered, "
        f"{repaired.get('documents_reindexed', 0)} document(s) re-indexed in {time.monotonic() - t:.1f}s"
        + (f"; the old state is in {aside}" if aside else ""))
    return 0


def _move_aside(corpus: Path, names: tuple[str, ...]) -> Path | None:
    """Move these `_state/` entries into `_state/broken-<time>/` (never deleted); returns that directory,
    or None when none of them existed."""
    state = corpus / STATE
    aside = state / f"broken-{time.strftime('%Y%m%dT%H%M%S')}"
    moved = False
    for name in names:
        p = state / name
        if p.exists():
            aside.mkdir(parents=True, exist_ok=True)
            p.rename(aside / name)
            moved = True
    return aside if moved else None
