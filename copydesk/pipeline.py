"""The ingestion pipeline: fetched (or local) pages -> cleaning -> dedup -> storage.

``Pipeline`` composes the parts for one corpus and the length of a run (the caller holds the
corpus lock; docs/pipeline-parts.md):

* the extraction pool (copydesk/extraction.py): ``cleaning.analyze`` per page in worker processes,
  results in input order;
* the steps after extraction (copydesk/steps.py), in the calling process, so cluster assignment is
  deterministic:  Identify -> Templates -> Filter -> Dedup -> Store;
* the ledger (copydesk/ledger.py): URL decisions and runs, kept until a checkpoint commits them
  with the corpus part they cover (state store: ``SeenStore``, storage/seen.py);
* start-up recovery (copydesk/recovery.py): a crash at any point leaves a corpus the next start repairs.

Callers use only its methods (``extract``/``offload`` for the pool, ``is_known``, ``validators``,
``skip_url``, ``fail``, ``finish``, ``begin_run``/``end_run``, ``close``/``shutdown``/``abort``, ...).
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from copydesk import cleaning
from copydesk import consent
from copydesk import dedup
from copydesk import ledger
from copydesk import recovery
from copydesk.config import Config
from copydesk.documents import Doc, Page
from copydesk.extraction import Extracted, Extractor
from copydesk.stats import FAILED, SKIPPED, RunStats
from copydesk.steps import Dedup, Filter, Identify, Step, Store, Templates
from copydesk.storage import CorpusWriter, StateStore
from copydesk.storage.corpus import STATE
from copydesk.storage.seen import Validators
from copydesk.storage.stories import Updater as StoriesUpdater

__all__ = ["Doc", "Extracted", "Extractor", "Page", "Pipeline"]  # what callers import from here


class Pipeline:
    """Owns a corpus for one run (the caller holds the corpus lock)."""

    checkpoint_docs = 500
    max_attempts = 3

    def __init__(self, config: Config, *, corpus: Path | None = None, kind: str = "ingest",
                 workers: int | None = None, stats: RunStats | None = None,
                 on_outcome: Callable[[Doc], None] | None = None, clock: Callable[[], float] = time.time):
        """``clock``: copydesk's time of storing (POSIX seconds): the dedup window and the date
        partitions follow it; injectable for tests and synthetic corpora (bench/synth_corpus.py)."""
        self.config = config
        self.clock = clock
        self.root = Path(corpus or config.corpus)
        self.kind = kind
        self.stats = stats or RunStats()
        self.root.mkdir(parents=True, exist_ok=True)
        self.state = StateStore(self.root / STATE / "state.sqlite3")
        self.deduper = dedup.Deduper(self.root / STATE / "dedup", threshold=config.dedup.threshold,
                                     window_days=config.dedup.window / 86400)
        self.template_store = self.state.templates()
        # models are written back at checkpoints (flush) and on eviction, not serialised per page
        self.templates = cleaning.SiteTemplates(self.template_store, write_through=False)
        self.writer = CorpusWriter(self.root)
        self.stories = StoriesUpdater(self.root)  # the corpus' stories table (storage/stories.py)
        self.extractor = Extractor(workers, timeout=config.crawl.extract_timeout)
        self.ledger = ledger.Ledger(self.state, config, self.stats, kind=kind, max_attempts=self.max_attempts,
                                    on_outcome=on_outcome)
        drop = self.ledger.drop
        self.steps: list[Step] = [
            Identify(self.ledger, drop), Templates(self.templates, cleaning.DEFAULT_MIN_WORDS, drop),
            Filter(config.filter, drop), Dedup(self.deduper, clock), Store(self.writer, self.ledger.stored, clock)]
        self.checkpointer = ledger.Checkpointer(
            writer=self.writer, ledger=self.ledger, templates=self.templates, template_store=self.template_store,
            index=self.deduper, state=self.state, stories=self.stories, manifest=self._write_manifest)
        self.upgraded, self.repaired = recovery.on_start(self.root, self.state, self.deduper, clock,
                                                         self._write_manifest)

    def recover(self) -> dict[str, int]:
        """Bring state and index in line with the corpus directory (copydesk/recovery.py)."""
        return recovery.repair_state(self.root, self.state, self.deduper, self.clock, self._write_manifest)

    # -- the extraction pool ------------------------------------------------------------------
    def extract(self, page: Page) -> Future:
        """Extract ``page`` in the pool; the future's result goes to ``finish`` through ``Extractor.outcome``."""
        return self.extractor.submit(page)

    def offload(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` in the pool with its time limit: CPU-heavy parsing of untrusted input."""
        return self.extractor.call(fn, *args)

    # -- URL decisions (copydesk/ledger.py) ---------------------------------------------------
    @property
    def on_outcome(self) -> Callable[[Doc], None] | None:
        """Called with every document once its outcome is set."""
        return self.ledger.on_outcome

    @on_outcome.setter
    def on_outcome(self, fn: Callable[[Doc], None] | None) -> None:
        self.ledger.on_outcome = fn

    @property
    def runs(self) -> dict[str, int]:
        """source -> id of its run in progress."""
        return self.ledger.runs

    def is_stored(self, key: str, id_: str) -> bool:
        return self.ledger.is_stored(key, id_)

    def is_known(self, url: str, source: str | None = None) -> bool:
        return self.ledger.is_known(url, source)

    def config_fingerprint(self, reason: str, source: str | None) -> str | None:
        return self.ledger.config_fingerprint(reason, source)

    def discovery_fingerprint(self, source: str) -> str:
        return self.ledger.discovery_fingerprint(source)

    def retry_urls(self, source: str) -> list[str]:
        return self.ledger.retry_urls(source)

    def validators(self, url: str, source: str) -> Validators:
        return self.ledger.validators(url, source)

    def remember_validators(self, source: str, url: str, etag: str | None, last_modified: str | None) -> None:
        self.ledger.remember_validators(source, url, etag, last_modified)

    def run_id(self, source: str) -> int:
        return self.ledger.run_id(source)

    def drop(self, d: Doc, outcome: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        self.ledger.drop(d, outcome, reason, detail, article=article)

    def fail(self, source: str, url: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        self.ledger.fail(source, url, reason, detail, article=article)

    def skip_url(self, source: str, url: str, reason: str, *, request_url: str | None = None,
                 article: bool = True) -> None:
        self.ledger.skip_url(source, url, reason, request_url=request_url, article=article)

    def last_completed(self, source: str) -> float | None:
        """When the last run of ``source`` that went through began (for the schedule)."""
        return self.state.last_completed(source)

    def step_stats(self) -> dict[str, dict[str, Any]]:
        """Each step's counts since the pipeline opened: documents passed and dropped by reason."""
        return {type(s).__name__.lower(): s.stats.as_dict() for s in self.steps if hasattr(s, "stats")}

    # -- running ------------------------------------------------------------------------------
    def run(self, pages: Iterable[Page]) -> Iterator[Doc]:
        """Ingest a stream of pages (extraction in the pool, in order); yields every document with
        its outcome set. Checkpoints as it goes; call ``close`` at the end."""
        for page, extracted in self.extractor.run(pages):
            yield from self.finish(page, extracted)

    def finish(self, page: Page, extracted: Extracted) -> list[Doc]:
        """The steps after extraction, for one page."""
        result = extracted.result
        self.stats[page.source].pages += 1
        self.ledger.run_id(page.source)
        doc = Doc(page, warc=extracted.warc, line_keys=extracted.line_keys, features=extracted.features)
        if not result:
            if wall := consent.readdressed_wall(page):  # a wall too short to be an article (steps.Identify)
                doc.page, detail = wall
                self.ledger.drop(doc, FAILED, "consent_wall", detail)
            else:
                reason = result.reason
                self.ledger.drop(doc, FAILED if reason.startswith("extraction_") else SKIPPED, reason)
            self.maybe_checkpoint()
            return [doc]
        doc.article = result
        stream: Iterable[Doc] = [doc]
        for step in self.steps:
            stream = step.run(stream)
        for _ in stream:
            pass
        self.maybe_checkpoint()
        return [doc]

    def maybe_checkpoint(self) -> None:
        if (self.writer.pending >= self.checkpoint_docs
                or time.monotonic() - self.checkpointer.last >= self.config.crawl.checkpoint_interval):
            self.checkpoint()

    def checkpoint(self, *, validators_of: Iterable[str] = (), run_end: bool = False, final: bool = False) -> None:
        """Make everything processed so far durable (copydesk.ledger.Checkpointer); then rebuild the
        stories table when due (``run_end``/``final``: see storage.stories.Updater)."""
        self.checkpointer(validators_of=validators_of, run_end=run_end, final=final)

    def _write_manifest(self) -> None:
        ledger.manifest(self.root, self.state, self.config.dedup, self.deduper)

    def begin_run(self, source: str) -> None:
        """Start counting a new run of ``source`` (the daemon runs each source many times)."""
        self.ledger.begin_run(source)

    def end_run(self, source: str, status: str = "completed") -> dict[str, Any]:
        """Checkpoint, and record the run of ``source`` with its counts; returns the counts. A run
        that ended normally is recorded as `failed` or `degraded` when all or part of its discovery
        failed (SourceCounts.health); the feeds that worked keep their validators."""
        status = self.stats[source].health(status)
        self.checkpoint(validators_of=[source] if status in ("completed", "degraded") else [], run_end=True)
        return self.ledger.finish_run(source, status)

    def close(self, status: str = "completed") -> None:
        """Checkpoint everything, record the runs, release the pool, the dedup index and the state
        store. On failure, see ``abort``."""
        try:
            for source in list(self.runs):
                self.end_run(source, status)
            self.checkpoint(final=True)
        except BaseException:
            self.abort()
            raise
        self.extractor.close()
        self.deduper.close()
        self.state.close()

    def shutdown(self, status: str = "interrupted") -> None:
        """Stop at once (the daemon's second signal): record the runs in progress with ``status``
        (each checkpoints the complete records), close the dedup index and the state store. The
        extraction pool is not waited for: the process is about to exit."""
        for source in list(self.runs):
            self.end_run(source, status)
        self.deduper.close()
        self.state.close()

    def abort(self, status: str = "failed") -> None:
        """Release without making anything more durable: the corpus, state and index stay at the
        last checkpoint (the index must never hold a document the corpus does not), and the pages
        processed since are fetched again by the next run."""
        self.writer.discard()
        self.ledger.abandon_runs(status)
        with contextlib.suppress(Exception):
            self.extractor.close()
        with contextlib.suppress(Exception):
            self.state.close()
