"""The ``SeenStore`` seam: what the ingestion pipeline needs of the state store about URLs.

Three things, each keyed by URL (``storage.urls.url_key``) or source name:

* **URL decisions**: whether an article URL was stored, skipped (with a reason, and for a skip
  caused by configuration the fingerprint of that configuration), failed (with a count of attempts:
  retried by later runs) or taken down (``storage/delete.py``: never fetched or stored again);
* **fetch validators**: the ETag/Last-Modified of a feed, sitemap or section page, with the
  fingerprint of the source's configuration they were saved under;
* **runs**: one row per run of a source, begun and ended with its status and counts, and when the
  last run that went through began (the schedule's anchor).

``StateStore`` (storage/state.py, SQLite in ``corpus/_state/``) is today's embedded implementation.
A second backend (a store shared by several daemons) is a new module implementing this Protocol;
nothing else changes. The contract every implementation keeps:

* **A decision is never visible before the record it refers to is durable.** ``commit_checkpoint``
  is called only after the corpus part holding ``docs`` is written and synced; it records the part,
  its documents and the URLs decided as them (``stored``) in one all-or-nothing commit: a reader sees
  all of one checkpoint's decisions or none. A crash before it leaves a part that start-up recovery
  registers from the corpus directory (the source of truth), never a decision without its record.
* **Validators commit with (or after) the decisions of the same run**, never before: a validator
  visible without the decisions makes the next fetch a 304 that hides the unfetched articles.
  (The pipeline passes a source's validators only at the checkpoint that ends its run.)
* **A stored decision is final**: no later skip or failure of the same URL replaces it (a takedown
  does). A skip replaces a failure; a failure replaces a failure (``attempts`` counts up) or a skip
  caused by configuration (``attempts`` from 1: it was decided anew), not another skip.
* **Reads see every committed checkpoint** of every writer of the store (read-your-writes at
  least for the writer's own commits). Decisions made since the last checkpoint are not in the store:
  the pipeline keeps them (copydesk/ledger.py) and answers for them itself.
* **Runs**: ``start_run`` returns an id unique in the store; ``close_dangling_runs`` marks runs
  left `running` by a process that died (called at start-up, while the caller holds the corpus
  lock: a shared backend must only close the runs of writers that are gone).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Decision:
    status: str  # 'stored' | 'skipped' | 'failed' | 'deleted'
    reason: str | None
    doc_id: str | None
    attempts: int
    config_fp: str | None = None  # of a skip caused by configuration (offsite, filter_*): crawler.reasons
    source: str | None = None


@dataclass(frozen=True)
class StoredDoc:
    id: str
    url: str
    source: str | None
    site: str | None
    cluster_id: str
    duplicate_of: str | None
    part: str


# (url_key, url, reason, source) or (url_key, url, reason, source, config_fp) for a skip caused by configuration
SkippedRow = tuple[str, str, str, str | None] | tuple[str, str, str, str | None, str | None]
FailedRow = tuple[str, str, str, str | None]   # (url_key, url, reason, source)
ErrorRow = tuple[int | None, str | None, str | None, str, str, str | None]  # (run, source, url, outcome, reason, detail)
# (url, etag, last_modified), optionally with config_fp and checked_at (when the server gave or confirmed
# them, time.time(); the checkpoint's time when absent)
ValidatorRow = (tuple[str, str | None, str | None] | tuple[str, str | None, str | None, str]
                | tuple[str, str | None, str | None, str, float])
# (etag, last_modified, checked_at) as saved for a URL
Validators = tuple[str | None, str | None, float | None]
NO_VALIDATORS: Validators = (None, None, None)


@runtime_checkable
class SeenStore(Protocol):
    # -- URL decisions -------------------------------------------------------------------------
    def decision(self, key: str) -> Decision | None:
        """The committed decision about the URL with this key, or None when it was never decided."""
        ...

    def has_doc(self, doc_id: str) -> bool:
        """A document with this id is stored (its part committed), under whichever URL."""
        ...

    def is_deleted(self, key: str, doc_id: str | None = None) -> bool:
        """The URL (key) or document id was taken down: never fetched or stored again."""
        ...

    def retry_urls(self, source: str, max_attempts: int) -> list[str]:
        """Article URLs of ``source`` whose fetch failed fewer than ``max_attempts`` times, oldest
        decision first."""
        ...

    def commit_checkpoint(
        self,
        *,
        parts: Iterable[tuple[str, int, int]] = (),
        docs: Iterable[tuple[StoredDoc, Iterable[str]]] = (),
        skipped: Iterable[SkippedRow] = (),
        failed: Iterable[FailedRow] = (),
        errors: Iterable[ErrorRow] = (),
        validators: Iterable[ValidatorRow] = (),
        templates: Iterable[tuple[str, bytes]] = (),
    ) -> None:
        """Record one checkpoint, all or nothing (see the module docstring): ``parts`` (name,
        records, bytes) written and synced before the call; ``docs`` (document, the url keys decided
        as it) in those parts; the ``skipped`` and ``failed`` URL decisions and ``errors`` (the
        outcome log of the runs) made since the last checkpoint; the ``validators`` of the sources
        whose run ended; the site ``templates`` learned since (cleaning.SiteTemplates models)."""
        ...

    # -- fetch validators ----------------------------------------------------------------------
    def validators(self, url: str, config_fp: str | None = None) -> Validators:
        """(ETag, Last-Modified, checked_at) saved for ``url``; NO_VALIDATORS when none are, or when
        ``config_fp`` is given and they were saved under another configuration fingerprint."""
        ...

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, source: str, kind: str) -> int:
        """Begin a run of ``source`` ('crawl', 'serve', 'ingest', ...): its id, status `running`."""
        ...

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        """End a run: 'completed', 'degraded', 'failed' or 'interrupted', with its counts."""
        ...

    def last_completed(self, source: str) -> float | None:
        """When the last run of ``source`` that went through ('completed' or 'degraded') began."""
        ...

    def close_dangling_runs(self) -> int:
        """Runs left `running` by a process that died become `interrupted`; how many."""
        ...

    def close(self) -> None:
        """Release the store; nothing is called on it after this."""
        ...
