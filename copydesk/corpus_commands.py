"""The corpus maintenance commands: `repair --upgrade`, `compact`, `export`, `delete`.

Each takes the corpus lock where it writes, calls into storage (storage/upgrade.py, compact.py,
export.py, delete.py) and prints one summary line. The logic lives in those modules.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

from copydesk import report
from copydesk.config import Config
from copydesk.errors import UsageError
from copydesk.storage import CorpusLock
from copydesk.storage.corpus import DOCUMENTS, write_manifest


def _need_corpus(cfg: Config) -> None:
    if not (cfg.corpus / DOCUMENTS).exists():
        raise UsageError(f"{cfg.corpus} is not a corpus (no documents/ directory)")


def upgrade(cfg: Config) -> int:
    """`copydesk repair --upgrade`: convert a format-1 corpus to format 2 (a writer's start does the same)."""
    from copydesk.pipeline import Pipeline
    from copydesk.storage.upgrade import corpus_version

    _need_corpus(cfg)
    with CorpusLock(cfg.corpus, command="copydesk repair --upgrade"):
        before = corpus_version(cfg.corpus)
        t = time.monotonic()
        pipe = Pipeline(cfg, kind="repair", workers=0)
        up = pipe.upgraded
        pipe.close()
    if before >= 2 and not up["parts_converted"]:
        report.console.print(f"{cfg.corpus} is already in corpus format 2: nothing to upgrade")
    else:
        report.console.print(
            f"upgraded {cfg.corpus} to corpus format 2: {up['parts_converted']} part(s), {up['documents']} document(s) "
            f"in {time.monotonic() - t:.1f}s"
            + (f"; {up['unparseable_published']} `published` value(s) not a date, stored as null"
               if up["unparseable_published"] else ""))
    return 0


def compact(cfg: Config, *, day: str | None = None) -> int:
    """`copydesk compact`: merge the parts of every closed day holding two or more (or of ``day``)."""
    from copydesk.storage import compact as storage_compact
    from copydesk.storage.state import StateStore

    if day is not None:
        _day(day)
    _need_corpus(cfg)
    with CorpusLock(cfg.corpus, command="copydesk compact"):
        state = StateStore(cfg.corpus / "_state" / "state.sqlite3")
        try:
            t = time.monotonic()
            done = storage_compact.compact(cfg.corpus, state, days=[day] if day else None,
                                           target_bytes=cfg.compaction.target_bytes, min_parts=2)
            if done and (cfg.corpus / "manifest.json").exists():
                write_manifest(cfg.corpus, counts=state.counts())
        except ValueError as e:  # a day that is not closed
            raise UsageError(str(e)) from None
        finally:
            state.close()
    merged = sum(d.parts_before for d in done)
    report.console.print(
        f"compacted {cfg.corpus}: {len(done)} day(s), {merged} part(s) -> {sum(d.parts_after for d in done)}, "
        f"{sum(d.records for d in done)} document(s) in {time.monotonic() - t:.1f}s" if done
        else f"{cfg.corpus}: nothing to compact (no closed day with 2 or more parts)")
    return 0


def _day(value: str) -> None:
    """`compact --day`: a calendar date written YYYY-MM-DD (a day directory's name), else UsageError."""
    import re

    try:
        ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and dt.date.fromisoformat(value) is not None
    except ValueError:  # 2026-02-30
        ok = False
    if not ok:
        raise UsageError(f"--day: expected a date like 2026-11-20 (YYYY-MM-DD), got {value!r}")


def _date(value: str | None, flag: str) -> dt.datetime | None:
    if value is None:
        return None
    from copydesk.storage.schema import parse_time

    t = parse_time(value)
    if t is None:
        raise UsageError(f"{flag}: expected a date or date-time like 2026-11-20 or 2026-11-20T08:00:00Z, got {value!r}")
    return t


def export(cfg: Config, out: Path, *, fmt: str, since: str | None, until: str | None, sources: list[str],
           unique_only: bool) -> int:
    """`copydesk export`: the corpus (or a selection) as one Parquet, JSON-lines or CSV file."""
    from copydesk.storage import export as storage_export

    _need_corpus(cfg)
    t = time.monotonic()
    try:
        n = storage_export.export(cfg.corpus, out, fmt=fmt, since=_date(since, "--since"), until=_date(until, "--until"),
                                  sources=sources, unique_only=unique_only)
    except storage_export.ExportError as e:
        raise UsageError(str(e)) from None
    report.console.print(f"exported {n} document(s) to {out} ({fmt}) in {time.monotonic() - t:.1f}s")
    return 0


def delete(cfg: Config, *, url: str | None, doc_id: str | None, reason: str | None) -> int:
    """`copydesk delete`: a takedown (storage/delete.py)."""
    from copydesk.storage import delete as storage_delete
    from copydesk.storage.state import StateStore

    _need_corpus(cfg)
    with CorpusLock(cfg.corpus, command="copydesk delete"):
        state = StateStore(cfg.corpus / "_state" / "state.sqlite3")
        try:
            done = storage_delete.delete(cfg.corpus, state, url=url, doc_id=doc_id, reason=reason)
        except storage_delete.NotFound as e:
            raise UsageError(str(e)) from None
        finally:
            state.close()
    report.console.print(f"deleted {done.doc_id} ({done.url}) from {done.part}; its URL(s) will not be fetched again")
    return 0


class AutoCompactor:
    """`serve`'s automatic compaction ([compaction] auto): after a run ends, at most once every
    ``every`` seconds, the closed days with ``min_parts`` or more parts are compacted in a thread of
    the reactor's pool (the crawls go on; compaction touches only closed days, and has its own
    state connection). One compaction at a time; none once the daemon is stopping."""

    every = 600.0

    def __init__(self, cfg: Config, *, stopping: Callable[[], bool] = lambda: False):
        self.cfg = cfg
        self.stopping = stopping
        self.busy = threading.Lock()
        self.last = 0.0

    def after_run(self) -> None:
        if not self.cfg.compaction.auto or self.stopping() or time.monotonic() - self.last < self.every:
            return
        if not self.busy.acquire(blocking=False):
            return
        self.last = time.monotonic()
        from twisted.internet import reactor

        reactor.callInThread(self._run)

    def _run(self) -> None:
        import logging

        from copydesk.storage import compact as storage_compact
        from copydesk.storage.state import StateStore

        log = logging.getLogger("copydesk.compact")
        try:
            state = StateStore(self.cfg.corpus / "_state" / "state.sqlite3")
            try:
                done = storage_compact.compact(self.cfg.corpus, state, target_bytes=self.cfg.compaction.target_bytes,
                                               min_parts=self.cfg.compaction.min_parts)
            finally:
                state.close()
            if done:
                log.info("compaction: %d day(s), %d parts -> %d, %.1fs", len(done), sum(d.parts_before for d in done),
                         sum(d.parts_after for d in done), sum(d.seconds for d in done))
        except Exception:  # noqa: BLE001 - a failed compaction leaves the corpus as it was; the daemon goes on
            log.exception("compaction failed (the corpus is unchanged where it stopped; retried later)")
        finally:
            self.busy.release()
