"""The pipeline's books: URL decisions and runs between checkpoints (``Ledger``), the checkpoint that
makes them durable (``Checkpointer``), and the corpus manifest.

Decisions made since the last checkpoint (URLs stored, skipped, failed; the outcome log; a source's
feed validators) are held here and committed with the corpus part they cover, in one
``SeenStore.commit_checkpoint`` (storage/seen.py). Until then the ledger answers for them itself
(``is_stored``/``is_known`` look at its pending keys first).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from copydesk import cleaning
from copydesk import dedup
from copydesk.config import Config, DedupSettings
from copydesk.crawler.reasons import CONFIG_REASONS, config_fingerprint
from copydesk.documents import Doc, Page
from copydesk.recovery import coverage_note
from copydesk.stats import FAILED, SKIPPED, STORED_COPY, STORED_NEW, RunStats
from copydesk.storage import CorpusWriter, PartInfo, StateStore, StoredDoc, url_key, write_manifest
from copydesk.storage.seen import ErrorRow, FailedRow, SeenStore, SkippedRow, ValidatorRow, Validators
from copydesk.storage.state import TemplateMapping
from copydesk.storage.stories import Updater as StoriesUpdater

# Validators saved under another version are not sent (one full fetch of each feed, sitemap and
# section page). 2: a sitemap index has none, so a 304 no longer hides its changed sitemaps; the
# indexes' validators saved before are dropped this way.
VALIDATORS_VERSION = 2

log = logging.getLogger("copydesk.pipeline")


class Ledger:
    """URL decisions and runs of one pipeline, kept until the next checkpoint commits them."""

    def __init__(self, seen: SeenStore, config: Config, stats: RunStats, *, kind: str, max_attempts: int,
                 on_outcome: Callable[[Doc], None] | None = None):
        self.seen, self.config, self.stats, self.kind = seen, config, stats, kind
        self.max_attempts = max_attempts
        self.on_outcome = on_outcome
        self.runs: dict[str, int] = {}  # source -> id of its run in progress
        self._skipped: list[SkippedRow] = []
        self._failed: list[FailedRow] = []
        self._errors: list[ErrorRow] = []
        self._validators: dict[str, list[ValidatorRow]] = {}
        self._pending_keys: set[str] = set()  # URL keys decided (stored or skipped) since the last checkpoint
        self._pending_stored: set[str] = set()  # of those, the stored documents' keys
        self._fingerprints: dict[tuple[str, str | None], str | None] = {}  # (reason, source) -> config_fingerprint
        self._unflushed: dict[str, tuple[StoredDoc, tuple[str, ...]]] = {}

    # -- what is decided ----------------------------------------------------------------------
    def is_stored(self, key: str, id_: str) -> bool:
        if key in self._pending_stored:
            return True
        d = self.seen.decision(key)
        return d is not None and d.status == "stored" or self.seen.has_doc(id_)

    def is_deleted(self, key: str, doc_id: str | None = None) -> bool:
        return self.seen.is_deleted(key, doc_id)

    def is_known(self, url: str, source: str | None = None) -> bool:
        """An article URL not to be fetched again: stored, skipped for good, or failed too often. A
        skip caused by configuration (offsite, filter_*) holds only while that configuration is the
        same (crawler.reasons.config_fingerprint, for ``source`` or the source that decided it)."""
        key = url_key(url)
        if key in self._pending_keys:
            return True
        d = self.seen.decision(key)
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

    def discovery_fingerprint(self, source: str) -> str:
        """The configuration that decides which discovered URLs of ``source`` are skipped, and the
        version of the rules that decide what has validators (VALIDATORS_VERSION)."""
        fps = "/".join(self.config_fingerprint(r, source) or "-" for r in sorted(CONFIG_REASONS))
        return f"{VALIDATORS_VERSION}:{fps}"

    def retry_urls(self, source: str) -> list[str]:
        return self.seen.retry_urls(source, self.max_attempts)

    def validators(self, url: str, source: str) -> Validators:
        """The validators to send for a feed, sitemap or section page of ``source``: none when they
        were saved under another configuration of the source (its domains, [filter]), so that the
        URLs skipped under that configuration are read again and decided anew."""
        return self.seen.validators(url, self.discovery_fingerprint(source))

    # -- deciding -----------------------------------------------------------------------------
    def drop(self, d: Doc, outcome: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        """Count a document (or URL) that is not stored, and remember why: a skipped article URL is
        never fetched again, a failed one is retried by the next runs (up to ``max_attempts``)."""
        d.outcome, d.reason = outcome, reason
        src, url = d.page.source, d.page.url
        self.stats.outcome(src, outcome, reason)
        # a fetched URL whose canonical is stored is not fetched again either (an /amp/ or a
        # trailing-slash twin a section page links every run); a re-ingested file is no URL
        if article and (reason != "already_stored" or d.page.status is not None):
            fp = self.config_fingerprint(reason, src) if outcome == SKIPPED else None
            for u in {url, d.page.request_url or url}:
                if outcome == SKIPPED:
                    self._skipped.append((url_key(u), u, reason, src, fp) if fp else (url_key(u), u, reason, src))
                    self._pending_keys.add(url_key(u))
                else:
                    self._failed.append((url_key(u), u, reason, src))
        if reason != "already_stored":
            self._errors.append((self.run_id(src), src, url, outcome, reason, detail))
        if self.on_outcome:
            self.on_outcome(d)

    def fail(self, source: str, url: str, reason: str, detail: str | None = None, *, article: bool = True) -> None:
        """A URL that could not be fetched or used (counted; an article URL is retried later)."""
        self.drop(Doc(Page(url, b"", source, _now())), FAILED, reason, detail, article=article)

    def skip_url(self, source: str, url: str, reason: str, *, request_url: str | None = None,
                 article: bool = True) -> None:
        """An article URL decided without storing it (robots.txt, filters, not HTML, ...); not an
        ``article`` (an offsite sitemap): counted and logged, no lasting decision."""
        self.drop(Doc(Page(url, b"", source, _now(), request_url=request_url)), SKIPPED, reason, article=article)

    def stored(self, d: Doc, keys: set[str]) -> None:
        """A document buffered in the corpus writer under these URL keys (durable at the next checkpoint)."""
        asg = d.assignment
        assert asg is not None
        self._pending_keys.update(keys)
        self._pending_stored.update(keys)
        self._unflushed[d.id] = (StoredDoc(d.id, d.url, d.page.source, d.site, asg.cluster_id, asg.duplicate_of, ""),
                                 tuple(sorted(keys)))
        outcome = STORED_NEW if asg.duplicate_of is None else STORED_COPY
        d.outcome = outcome
        self.stats.outcome(d.page.source, outcome)
        if self.on_outcome:
            self.on_outcome(d)

    def remember_validators(self, source: str, url: str, etag: str | None, last_modified: str | None) -> None:
        """ETag/Last-Modified of a feed, sitemap or section page; saved only when the source's run
        completes, so a crashed run never turns the next fetch into a 304 that hides unfetched articles.
        None and None are saved too: an answer without validators (or a sitemap index) replaces the
        ones an earlier answer had, which are then no longer sent. Saved with the time they came
        (checked_at: when the server gave them, or confirmed them with a 304)."""
        self._validators.setdefault(source, []).append(
            (url, etag, last_modified, self.discovery_fingerprint(source), time.time()))

    # -- runs ---------------------------------------------------------------------------------
    def run_id(self, source: str) -> int:
        if source not in self.runs:
            self.runs[source] = self.seen.start_run(source, self.kind)
        return self.runs[source]

    def begin_run(self, source: str) -> None:
        self.stats.sources.pop(source, None)
        self.stats[source]  # counting (and its clock) starts now
        self._validators.pop(source, None)
        self.run_id(source)

    def finish_run(self, source: str, status: str) -> dict[str, Any]:
        """Record the run of ``source`` (after the checkpoint that ends it); its counts."""
        c = self.stats[source]
        c.finished = c.finished or time.monotonic()
        counts = c.as_dict()
        run = self.runs.pop(source, None)
        if run is not None:
            self.seen.finish_run(run, status, counts)
        return counts

    def abandon_runs(self, status: str) -> None:
        """Record every run in progress with ``status``, without a checkpoint (errors ignored)."""
        with contextlib.suppress(Exception):
            for source, run in list(self.runs.items()):
                self.seen.finish_run(run, status, self.stats[source].as_dict())
        self.runs.clear()

    # -- committing ---------------------------------------------------------------------------
    def commit(self, parts: Iterable[PartInfo], *, validators_of: Iterable[str] = (),
               templates: Iterable[tuple[str, bytes]] = ()) -> int:
        """The state transaction of a checkpoint: the parts just written, their documents, every
        decision since the last checkpoint, the validators of the sources in ``validators_of``.
        Returns the number of documents committed."""
        parts = list(parts)
        docs = []
        for p in parts:
            for i in p.ids:
                stored, keys = self._unflushed.pop(i)
                docs.append((dataclasses.replace(stored, part=p.name), keys))
        self.seen.commit_checkpoint(
            parts=[(p.name, p.records, p.bytes) for p in parts], docs=docs, skipped=self._skipped,
            failed=self._failed, errors=self._errors,
            validators=[v for src in validators_of for v in self._validators.pop(src, [])],
            templates=templates)
        self._skipped, self._failed, self._errors = [], [], []
        return len(docs)

    def committed(self) -> None:
        """The checkpoint is complete (the dedup index too): the store answers for its decisions now."""
        self._pending_keys.clear()
        self._pending_stored.clear()


def manifest(root: Path, state: StateStore, settings: DedupSettings, index: dedup.Deduper) -> None:
    """corpus/manifest.json: the corpus' counts and the dedup parameters."""
    write_manifest(root, counts=state.counts(), dedup={
        "threshold": settings.threshold, "window_days": settings.window / 86400, **getattr(index, "params", {})})


class Checkpointer:
    """Makes everything processed so far durable, in this order: raw WARC part and documents part
    (the writer's flush), state transaction (``Ledger.commit``), dedup index commit (with a note of
    the parts it covers), manifest. A crash at any point leaves a corpus the next start repairs
    (copydesk/recovery.py). Then the stories table, when due (storage.stories.Updater)."""

    def __init__(self, *, writer: CorpusWriter, ledger: Ledger, templates: cleaning.SiteTemplates,
                 template_store: TemplateMapping, index: dedup.Deduper, state: StateStore,
                 stories: StoriesUpdater, manifest: Callable[[], None]):
        self.writer, self.ledger, self.index, self.state = writer, ledger, index, state
        self.templates, self.template_store = templates, template_store
        self.stories, self.manifest = stories, manifest
        self.last = time.monotonic()

    def __call__(self, *, validators_of: Iterable[str] = (), run_end: bool = False, final: bool = False) -> None:
        parts = self.writer.flush()
        self.templates.flush()
        n = self.ledger.commit(parts, validators_of=validators_of, templates=self.template_store.take_dirty())
        self.index.flush(note=coverage_note(self.state))
        self.ledger.committed()
        self.manifest()
        self.last = time.monotonic()
        try:
            self.stories.checkpoint(n, run_end=run_end, final=final)
        except Exception as e:  # noqa: BLE001 - derived data: the documents are stored, the next checkpoint retries
            log.warning("stories table not rebuilt: %s: %s", type(e).__name__, e)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
