"""Counts of one run, per source: what was requested, stored, skipped and failed, with reasons."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STORED_NEW = "stored_new"
STORED_COPY = "stored_copy"
SKIPPED = "skipped"
FAILED = "failed"


@dataclass
class SourceCounts:
    discovered: int = 0
    known: int = 0
    requests: int = 0
    not_modified: int = 0
    sitemaps_unchanged: int = 0  # not requested: their index's <lastmod> says they are as last read
    pages: int = 0
    stored_new: int = 0
    stored_copy: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    # the source's last answer, count or decision (time.monotonic()): where its run ends in a crawl
    # shared with other sources (copydesk.runner.crawl; docs/operations.md)
    last_event: float | None = None
    discovery_ok: int = 0       # feeds, sitemaps, robots.txt and section pages that worked (or were 304)
    discovery_failed: int = 0   # ... that failed (download error, HTTP error, unparseable)

    def touch(self) -> None:
        self.last_event = time.monotonic()

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def health(self, status: str) -> str:
        """A run's status with its discovery taken into account: a run that ended normally is
        `failed` when every feed, sitemap and section page it fetched failed, `degraded` when some
        did; other statuses (interrupted, failed) stay."""
        if status != "completed" or not self.discovery_failed:
            return status
        return "degraded" if self.discovery_ok else "failed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "discovered": self.discovered, "known": self.known, "requests": self.requests, "not_modified": self.not_modified,
            "sitemaps_unchanged": self.sitemaps_unchanged, "pages": self.pages,
            "stored_new": self.stored_new, "stored_copy": self.stored_copy,
            "skipped": dict(sorted(self.skipped.items())), "failed": dict(sorted(self.failed.items())),
            "elapsed_s": round(self.elapsed, 3),
            "discovery_ok": self.discovery_ok, "discovery_failed": self.discovery_failed,
        }


class RunStats:
    def __init__(self) -> None:
        self.sources: dict[str, SourceCounts] = {}

    def __getitem__(self, source: str) -> SourceCounts:
        if source not in self.sources:
            self.sources[source] = SourceCounts()
        return self.sources[source]

    def outcome(self, source: str, outcome: str, reason: str | None = None) -> None:
        c = self[source]
        c.touch()
        if outcome == STORED_NEW:
            c.stored_new += 1
        elif outcome == STORED_COPY:
            c.stored_copy += 1
        elif outcome == SKIPPED:
            c.skipped[reason or "unknown"] += 1
        elif outcome == FAILED:
            c.failed[reason or "unknown"] += 1
        else:
            raise ValueError(outcome)

    def total(self) -> SourceCounts:
        t = SourceCounts(started=min((c.started for c in self.sources.values()), default=time.monotonic()))
        for c in self.sources.values():
            t.discovered += c.discovered
            t.known += c.known
            t.requests += c.requests
            t.not_modified += c.not_modified
            t.sitemaps_unchanged += c.sitemaps_unchanged
            t.pages += c.pages
            t.stored_new += c.stored_new
            t.stored_copy += c.stored_copy
            t.skipped.update(c.skipped)
            t.failed.update(c.failed)
            t.discovery_ok += c.discovery_ok
            t.discovery_failed += c.discovery_failed
        ends = [c.finished for c in self.sources.values() if c.finished]
        t.finished = max(ends) if ends else None
        return t
