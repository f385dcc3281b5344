"""The ingestion pipeline: fetched (or local) pages -> cleaning -> dedup -> storage.

Like a datatrove pipeline, it is a list of steps, each a plain object with one ``run`` method over
a stream of documents; a step drops a document by not yielding it, after recording why. Extraction
(the CPU-heavy part) runs in a pool of worker processes with a per-page time limit; the steps after
it run in the calling process, in input order, so cluster assignment is deterministic.

    Identify -> Templates -> Filter -> Dedup -> Store

``Pipeline`` owns the corpus' state (state store, dedup index, writer) for the length of a run and
checkpoints it: raw WARC part, documents part, state transaction, dedup index, manifest, in that
order, so a crash at any point leaves a corpus that the next start repairs (``recover``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from copydesk import cleaning
from copydesk import dedup
from copydesk import recovery
from copydesk.config import Config
from copydesk.stats import FAILED, SKIPPED, STORED_COPY, STORED_NEW, RunStats
from copydesk.crawler.reasons import CONFIG_REASONS, config_fingerprint
from copydesk.storage import (CorpusWriter, RawResponse, Record, StateStore, StoredDoc, doc_id, host, identity_url, url_key,
                     warc_member, write_manifest)
from copydesk.storage import delete as storage_delete
from copydesk.storage import registry as storage_registry
from copydesk.storage import upgrade as storage_upgrade
from copydesk.storage.corpus import STATE
from copydesk.storage.stories import Updater as StoriesUpdater

log = logging.getLogger("copydesk.pipeline")


@dataclass
class Page:
    """A fetched response or a local file, as the pipeline receives it."""

    url: str                       # final URL (after redirects), or file:// for a local file
    body: bytes
    source: str
    fetched_at: dt.datetime
    status: int | None = 200       # None for a local file
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None
    request_url: str | None = None  # the URL as discovered, when a redirect changed it
    hints: dict[str, Any] = field(default_factory=dict)  # from discovery: title, published, language


@dataclass
class Doc:
    page: Page
    article: cleaning.Article | None = None
    id: str = ""
    key: str = ""
    url: str = ""
    site: str = ""
    text: str = ""
    assignment: dedup.Assignment | None = None
    outcome: str | None = None
    reason: str | None = None
    warc: bytes | None = None       # the raw response as a compressed WARC record (from the worker)
    line_keys: list[int] | None = None   # of article.text, from the worker (for Templates)
    features: dedup.Features | None = None  # of article.text, from the worker (for Dedup)


class Step(Protocol):
    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]: ...


# -- extraction ---------------------------------------------------------------------------------
class Extracted(NamedTuple):
    """A worker's result for one page. For an article, also what the steps after extraction would
    otherwise compute from its text in the main process (there it competes with the crawler's
    reactor for one core): the raw response as a WARC record, the template line keys, the dedup
    features. The steps use the last two only if the text is still the one they were made from."""

    result: cleaning.Article | cleaning.Rejected
    warc: bytes | None = None
    line_keys: list[int] | None = None
    features: dedup.Features | None = None


# Extraction can take hundreds of times a page's size in memory on hostile pages (RELIABILITY.md):
# a worker past this address-space limit gets a MemoryError for that page (counted), not the machine.
WORKER_MEMORY_LIMIT = 3 * 2**30


def _init_worker(memory_limit: int) -> None:
    # (Workers run at the crawler's own priority: at nice +5 or +15 the crawl was 2-6 % slower, the
    # reactor preempting a worker on every network event and doing less per wake-up; BENCHMARKS.md.)
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, hard))


_preparer: dedup.Preparer | None = None


def _extract(page: Page) -> Extracted:
    """Runs in a worker: the cleaned article and the per-article work that needs no corpus state
    (see Extracted)."""
    global _preparer
    result = cleaning.analyze(page.body, page.url, content_type=page.content_type)
    if not result:
        return Extracted(result)
    if _preparer is None:
        _preparer = dedup.Preparer()
    return Extracted(result, warc_member(RawResponse(page.url, page.body, page.status, page.headers, page.fetched_at)),
                     cleaning.line_keys(result.text), _preparer.features(result.text))


class Extractor:
    """Runs ``cleaning.analyze`` in worker processes (pebble: a per-task time limit that kills a
    stuck worker) or inline when ``workers == 0``."""

    def __init__(self, workers: int | None = None, *, timeout: float = 20.0):
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.timeout = timeout
        self.pool = None
        self._starting: threading.Thread | None = None
        if self.workers > 0:
            from pebble import ProcessPool

            from copydesk import workers

            ctx = workers.context()
            self.pool = ProcessPool(max_workers=self.workers, max_tasks=1000, context=ctx,
                                    initializer=_init_worker, initargs=(WORKER_MEMORY_LIMIT,))
            # pebble starts the workers on the first task, and that call waits for the forkserver's
            # imports and language model (~1.5 s). Make that first call now, in a thread of its own,
            # so it overlaps with the caller getting ready (a crawler starting up) instead of
            # stalling the reactor when the first sitemap or page is handed over.
            self._starting = threading.Thread(
                target=self.pool.schedule, args=(len, ("",)), name="copydesk-pool-start", daemon=True)
            self._starting.start()

    def submit(self, page: Page) -> Future:
        return self.call(_extract, page)

    def call(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` in a worker (inline without a pool), with the per-task time limit: for
        any CPU-heavy parsing of untrusted input (pages, feeds, sitemaps)."""
        if self.pool is None:
            f: Future = Future()
            try:
                f.set_result(fn(*args))
            except Exception as e:  # noqa: BLE001 - a broken input must not stop the run
                f.set_exception(e)
            return f
        return self.pool.schedule(fn, args=args, timeout=self.timeout)

    @staticmethod
    def outcome(future: Future) -> Extracted:
        """The extraction result, with time-outs and worker crashes turned into a reason."""
        from concurrent.futures import TimeoutError as FuturesTimeout

        try:
            return future.result()
        except FuturesTimeout:
            return Extracted(cleaning.Rejected("extraction_timeout"))
        except Exception as e:  # noqa: BLE001
            name = type(e).__name__
            return Extracted(cleaning.Rejected("extraction_crashed" if name == "ProcessExpired" else f"extraction_error:{name}"))

    def run(self, pages: Iterable[Page], *, window_pages: int = 32,
            window_bytes: int = 32 * 2**20) -> Iterator[tuple[Page, Extracted]]:
        """Ordered results with up to ``window_pages`` pages per worker (and ``window_bytes`` of
        bodies) in flight: enough queued work that the workers keep going while the caller
        checkpoints (~0.1-0.25 s). With 4 per worker they ran dry then: ingest was ~10 % slower."""
        window: deque[tuple[Page, Future]] = deque()
        depth, size = max(1, self.workers) * window_pages, 0
        for page in pages:
            window.append((page, self.submit(page)))
            size += len(page.body)
            while len(window) >= depth or size > window_bytes:
                p, f = window.popleft()
                size -= len(p.body)
                yield p, self.outcome(f)
        while window:
            p, f = window.popleft()
            yield p, self.outcome(f)

    def close(self) -> None:
        if self.pool is not None:
            if self._starting is not None:
                self._starting.join()
                self._starting = None
            self.pool.close()
            self.pool.join(timeout=10)
            self.pool = None


# -- the steps after extraction -----------------------------------------------------------------
class Identify:
    """Gives the document its URL, site and stable id (storage.identity_url), and drops URLs
    already stored."""

    def __init__(self, pipeline: Pipeline):
        self.p = pipeline

    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        for d in docs:
            a = d.article
            assert a is not None
            url = d.page.url
            if d.page.status is None and a.canonical_url and a.canonical_url.startswith(("http://", "https://")):
                url = a.canonical_url  # a saved page: its canonical URL is where it came from
            canonical = identity_url(url, a.canonical_url)
            d.url, d.key, d.id, d.site = url, url_key(canonical), doc_id(canonical), host(url) or "local"
            if self.p.is_stored(d.key, d.id):
                self.p.drop(d, SKIPPED, "already_stored")
                continue
            if self.p.state.is_deleted(d.key, d.id):  # a takedown (storage/delete.py): never stored again
                self.p.drop(d, SKIPPED, "deleted")
                continue
            d.text = a.text
            yield d


class Templates:
    """Site-level template learning (cleaning.SiteTemplates): strip the lines learned as the site's
    template, then learn from this page."""

    def __init__(self, pipeline: Pipeline, templates: cleaning.SiteTemplates, min_words: int):
        self.p, self.templates, self.min_words = pipeline, templates, min_words

    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        for d in docs:
            site = urlsplit(d.url).netloc or d.site  # host:port, so local mirrors on one host stay apart
            keys = d.line_keys if d.article is not None and d.text is d.article.text else None
            d.text = self.templates.process(site, d.text, keys=keys)
            if len(d.text.split()) < self.min_words:
                self.p.drop(d, SKIPPED, "too_short")
                continue
            yield d


class Filter:
    """config [filter]: keywords in title or text, languages, published since."""

    def __init__(self, pipeline: Pipeline):
        self.p = pipeline
        f = pipeline.config.filter
        self.keywords = [k.casefold() for k in f.keywords]
        self.languages = set(f.languages)
        self.filter = f

    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        for d in docs:
            reason = self.reason(d)
            if reason:
                self.p.drop(d, SKIPPED, reason)
                continue
            yield d

    def reason(self, d: Doc) -> str | None:
        a = d.article
        assert a is not None
        if self.keywords:
            hay = f"{a.title or ''}\n{d.text}".casefold()
            if not any(k in hay for k in self.keywords):
                return "filter_keywords"
        if self.languages and (a.language or "").lower() not in self.languages:
            return "filter_language"
        if self.filter.too_old(a.published):
            return "filter_since"
        return None


class Dedup:
    """dedup.Deduper: join the best-matching cluster or start one. The index's window runs on
    ``clock``, when copydesk stores the document: never on a publication or fetch date, so an
    archive crawl or a re-syndicated old story cannot evict recent stories (docs/dedup.md)."""

    def __init__(self, deduper: dedup.Deduper, clock: Callable[[], float] = time.time):
        self.deduper = deduper
        self.clock = clock

    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        for d in docs:
            d.assignment = self.deduper.add(d.id, d.text, timestamp=self.clock(), source=d.page.source,
                                            features=d.features)
            yield d


class Store:
    """Buffers the record and its raw response in the corpus writer."""

    def __init__(self, pipeline: Pipeline):
        self.p = pipeline

    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        for d in docs:
            self.p.store(d)
            yield d


# -- the pipeline -------------------------------------------------------------------------------
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
        self.on_outcome = on_outcome
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
        self.steps: list[Step] = [Identify(self), Templates(self, self.templates, min_words=cleaning.DEFAULT_MIN_WORDS),
                                  Filter(self), Dedup(self.deduper, clock), Store(self)]
        self._skipped: list[tuple[str | None, ...]] = []  # (key, url, reason, source[, config_fp])
        self._failed: list[tuple[str, str, str, str | None]] = []
        self._errors: list[tuple[int | None, str | None, str | None, str, str, str | None]] = []
        self._validators: dict[str, list[tuple[str, str | None, str | None, str]]] = {}  # + discovery_fingerprint
        self._pending_keys: set[str] = set()
        self._fingerprints: dict[tuple[str, str | None], str | None] = {}  # (reason, source) -> config_fingerprint
        self._unflushed: dict[str, tuple[StoredDoc, tuple[str, ...]]] = {}
        self._last_checkpoint = time.monotonic()
        self.runs: dict[str, int] = {}
        # a format-1 corpus is upgraded first (storage/upgrade.py); a rewrite of parts (upgrade,
        # compaction) stopped before its state transaction is finished (storage/registry.py)
        self.upgraded = storage_upgrade.upgrade(self.root, self.state).counts()
        storage_registry.reconcile(self.root, self.state)
        storage_delete.finish_pending(self.root, self.state)  # a takedown stopped after its tombstone
        self.repaired = self.recover()
        if self.upgraded["parts_converted"]:
            self._write_manifest()

    # -- recovery -----------------------------------------------------------------------------
    def recover(self) -> dict[str, int]:
        """Bring state and index in line with the corpus directory (the source of truth) after a
        crash: register part files the state does not know, re-index the documents of parts the
        dedup index does not cover, drop temporary files, mark interrupted runs. Reads only what
        the last checkpoint does not cover (copydesk/recovery.py): nothing after a clean stop."""
        r = recovery.recover(self.root, self.state, self.deduper, self.clock)
        repaired = r.counts()
        if r.repaired:
            log.warning("repaired the corpus state after an unclean stop: %s", repaired)
            self._write_manifest()
        elif r.full and r.parts_read:
            log.info("dedup index has no record of the checkpoint it covers (written by an older copydesk): "
                     "read %d part file(s) once", len(r.parts_read))
        return repaired

    # -- bookkeeping used by the steps --------------------------------------------------------
    def is_stored(self, key: str, id_: str) -> bool:
        if key in self._pending_keys:
            return True
        d = self.state.decision(key)
        return d is not None and d.status == "stored" or self.state.has_doc(id_)

    def is_known(self, url: str, source: str | None = None) -> bool:
        """An article URL not to be fetched again: stored, skipped for good, or failed too often. A
        skip caused by configuration (offsite, filter_*) holds only while that configuration is the
        same (crawler.reasons.config_fingerprint, for ``source`` or the source that decided it)."""
        key = url_key(url)
        if key in self._pending_keys:
            return True
        d = self.state.decision(key)
        if d is None:
            return False
        if d.status == "skipped" and d.reason in CONFIG_REASONS:
            return d.config_fp == self.config_fingerprint(d.reason, source or d.source)
        return d.status != "failed" or d.attempts >= self.max_attempts

    def config_fingerprint(self, reason: str, source: str | None) -> str | None:
        key = (reason, source)
        if key not in self._fingerprints:
            self._fingerprints[key] = config_fingerprint(reason, self.config, source)
        return self._fingerprints[key]

    def retry_urls(self, source: str) -> list[str]:
        return self.state.retry_urls(source, self.max_attempts)

    def run_id(self, source: str) -> int:
        if source not in self.runs:
            self.runs[source] = self.state.start_run(source, self.kind)
        return self.runs[source]

    def drop(self, d: Doc, outcome: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        """Count a document (or URL) that is not stored, and remember why: a skipped article URL is
        never fetched again, a failed one is retried by the next runs (up to ``max_attempts``)."""
        d.outcome, d.reason = outcome, reason
        src, url = d.page.source, d.page.url
        self.stats.outcome(src, outcome, reason)
        if reason != "already_stored":
            if article:
                target = self._skipped if outcome == SKIPPED else self._failed
                fp = self.config_fingerprint(reason, src) if outcome == SKIPPED else None
                for u in {url, d.page.request_url or url}:
                    target.append((url_key(u), u, reason, src, fp) if fp else (url_key(u), u, reason, src))
                    if outcome == SKIPPED:
                        self._pending_keys.add(url_key(u))
            self._errors.append((self.run_id(src), src, url, outcome, reason, detail))
        if self.on_outcome:
            self.on_outcome(d)

    def fail(self, source: str, url: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        """A URL that could not be fetched or used (counted; an article URL is retried later)."""
        self.drop(Doc(Page(url, b"", source, _now())), FAILED, reason, detail, article=article)

    def skip_url(self, source: str, url: str, reason: str, *, request_url: str | None = None) -> None:
        """An article URL decided without storing it (robots.txt, filters, not HTML, ...)."""
        self.drop(Doc(Page(url, b"", source, _now(), request_url=request_url)), SKIPPED, reason)

    def remember_validators(self, source: str, url: str, etag: str | None, last_modified: str | None) -> None:
        """ETag/Last-Modified of a feed, sitemap or section page; saved only when the source's run
        completes, so a crashed run never turns the next fetch into a 304 that hides unfetched articles."""
        if etag or last_modified:
            self._validators.setdefault(source, []).append((url, etag, last_modified,
                                                            self.discovery_fingerprint(source)))

    def validators(self, url: str, source: str) -> tuple[str | None, str | None]:
        """The validators to send for a feed, sitemap or section page of ``source``: none when they
        were saved under another configuration of the source (its domains, [filter]), so that the
        URLs skipped under that configuration are read again and decided anew."""
        return self.state.validators(url, self.discovery_fingerprint(source))

    def discovery_fingerprint(self, source: str) -> str:
        """The configuration that decides which discovered URLs of ``source`` are skipped."""
        return "/".join(self.config_fingerprint(r, source) or "-" for r in sorted(CONFIG_REASONS))

    def store(self, d: Doc) -> None:
        a, asg = d.article, d.assignment
        assert a is not None and asg is not None
        rec = Record(
            id=d.id, url=d.url, source=d.page.source, site=d.site, title=a.title, text=d.text,
            published=a.published, fetched_at=d.page.fetched_at, language=a.language,
            word_count=len(d.text.split()), cluster_id=asg.cluster_id, duplicate_of=asg.duplicate_of,
            similarity=None if asg.similarity is None else round(float(asg.similarity), 4),
            authors=list(a.authors), canonical_url=a.canonical_url, description=a.description)
        raw = d.warc or RawResponse(d.page.url, d.page.body, d.page.status, d.page.headers, d.page.fetched_at)
        self.writer.add(rec, raw, stored_at=dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc))
        keys = {d.key, url_key(d.page.url), url_key(d.url)}
        if d.page.request_url:
            keys.add(url_key(d.page.request_url))
        self._pending_keys.update(keys)
        self._unflushed[d.id] = (StoredDoc(d.id, d.url, d.page.source, d.site, asg.cluster_id, asg.duplicate_of, ""),
                                 tuple(sorted(keys)))
        outcome = STORED_NEW if asg.duplicate_of is None else STORED_COPY
        d.outcome = outcome
        self.stats.outcome(d.page.source, outcome)
        if self.on_outcome:
            self.on_outcome(d)

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
        self.run_id(page.source)
        doc = Doc(page, warc=extracted.warc, line_keys=extracted.line_keys, features=extracted.features)
        if not result:
            reason = result.reason
            self.drop(doc, FAILED if reason.startswith("extraction_") else SKIPPED, reason)
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
                or time.monotonic() - self._last_checkpoint >= self.config.crawl.checkpoint_interval):
            self.checkpoint()

    def checkpoint(self, *, validators_of: Iterable[str] = (), run_end: bool = False, final: bool = False) -> None:
        """Make everything processed so far durable (see the module docstring for the order); then
        rebuild the stories table when due (``run_end``/``final``: see storage.stories.Updater)."""
        parts = self.writer.flush()
        docs = []
        for p in parts:
            for i in p.ids:
                stored, keys = self._unflushed.pop(i)
                docs.append((dataclasses.replace(stored, part=p.name), keys))
        self.templates.flush()
        self.state.commit_checkpoint(
            parts=[(p.name, p.records, p.bytes) for p in parts], docs=docs, skipped=self._skipped,
            failed=self._failed, errors=self._errors,
            validators=[v for src in validators_of for v in self._validators.pop(src, [])],
            templates=self.template_store.take_dirty())
        self._skipped, self._failed, self._errors = [], [], []
        self.deduper.flush(note=recovery.coverage_note(self.state))
        self._pending_keys.clear()
        self._write_manifest()
        self._last_checkpoint = time.monotonic()
        try:
            self.stories.checkpoint(len(docs), run_end=run_end, final=final)
        except Exception as e:  # noqa: BLE001 - derived data: the documents are stored, the next checkpoint retries
            log.warning("stories table not rebuilt: %s: %s", type(e).__name__, e)

    def _write_manifest(self) -> None:
        counts = self.state.counts()
        write_manifest(self.root, counts=counts, dedup={
            "threshold": self.config.dedup.threshold, "window_days": self.config.dedup.window / 86400,
            **getattr(self.deduper, "params", {})})

    def begin_run(self, source: str) -> None:
        """Start counting a new run of ``source`` (the daemon runs each source many times)."""
        self.stats.sources.pop(source, None)
        self.stats[source]  # counting (and its clock) starts now
        self._validators.pop(source, None)
        self.run_id(source)

    def end_run(self, source: str, status: str = "completed") -> dict[str, Any]:
        """Checkpoint, and record the run of ``source`` with its counts; returns the counts. A run
        that ended normally is recorded as `failed` or `degraded` when all or part of its discovery
        failed (SourceCounts.health); the feeds that worked keep their validators."""
        status = self.stats[source].health(status)
        self.checkpoint(validators_of=[source] if status in ("completed", "degraded") else [], run_end=True)
        c = self.stats[source]
        c.finished = c.finished or time.monotonic()
        counts = c.as_dict()
        run = self.runs.pop(source, None)
        if run is not None:
            self.state.finish_run(run, status, counts)
        return counts

    def close(self, status: str = "completed") -> None:
        """Checkpoint everything, record the runs, release. On failure, see ``abort``."""
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

    def abort(self, status: str = "failed") -> None:
        """Release without making anything more durable: the corpus, state and index stay at the
        last checkpoint (the index must never hold a document the corpus does not), and the pages
        processed since are fetched again by the next run."""
        self.writer.discard()
        with contextlib.suppress(Exception):
            for source, run in list(self.runs.items()):
                self.state.finish_run(run, status, self.stats[source].as_dict())
        self.runs.clear()
        with contextlib.suppress(Exception):
            self.extractor.close()
        with contextlib.suppress(Exception):
            self.state.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
