"""When each source runs: its `interval` or `cron`, else `schedule.interval`.

A source that has never completed a run, or is overdue, runs at once (plus a random jitter of at most
`schedule.jitter`); one that completed a run recently waits out the rest of its interval (or, with
`cron`, until its next cron time). APScheduler's own IntervalTrigger cannot say this: started with
`start_date=now` it first fires one whole interval later, so every new deployment and every restart
sat idle for an interval.
"""
from __future__ import annotations

import datetime as dt
import random
import time

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from copydesk.config import Config, Source

UTC = dt.timezone.utc


def _utc(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, UTC)


def jitter(cfg: Config, source: Source) -> float:
    """Seconds of random delay added to a source's runs: `schedule.jitter`, at most a tenth of the interval."""
    if source.cron:
        return 0.0
    return min(cfg.schedule.jitter, (source.interval or cfg.schedule.interval) / 10)


def due_at(cfg: Config, source: Source, last_completed: float | None, now: float | None = None) -> float:
    """When the source is next due, without jitter: ``now`` if it never completed a run or is overdue."""
    now = time.time() if now is None else now
    if last_completed is None:
        return now
    if source.cron:
        cron = CronTrigger.from_crontab(source.cron, timezone="UTC")
        after_last = cron.get_next_fire_time(None, _utc(last_completed))
        if after_last is None or after_last.timestamp() <= now:  # a cron time passed since the last run
            return now
        return after_last.timestamp()
    return max(now, last_completed + (source.interval or cfg.schedule.interval))


class SourceTrigger(BaseTrigger):
    """First fire at ``first``; then every ``interval`` seconds (plus jitter), or at the cron times."""

    def __init__(self, first: dt.datetime, *, interval: float | None = None, cron: CronTrigger | None = None,
                 jitter: float = 0.0):
        self.first, self.interval, self.cron, self.jitter = first, interval, cron, jitter

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
        if previous_fire_time is None:
            return max(self.first, now)
        if self.cron is not None:
            return self.cron.get_next_fire_time(previous_fire_time, now)
        assert self.interval is not None
        return self._apply_jitter(previous_fire_time + dt.timedelta(seconds=self.interval), self.jitter, now)

    def __str__(self) -> str:
        return f"source[first={self.first.isoformat()}, {self.cron or f'every {self.interval}s'}]"


def trigger(cfg: Config, source: Source, *, last_completed: float | None = None,
            rng: random.Random | None = None) -> SourceTrigger:
    """The APScheduler trigger of a source, continuing from its last completed run (see the module's doc)."""
    now = time.time()
    first = due_at(cfg, source, last_completed, now) + (rng or random).uniform(0, jitter(cfg, source))
    if source.cron:
        return SourceTrigger(_utc(first), cron=CronTrigger.from_crontab(source.cron, timezone="UTC"))
    return SourceTrigger(_utc(first), interval=source.interval or cfg.schedule.interval, jitter=jitter(cfg, source))


def next_run(cfg: Config, source: Source, last_completed: float | None) -> float:
    """When a daemon started now would first run the source (without its jitter). `status` shows the
    daemon's own schedule instead when a daemon holds the corpus."""
    return due_at(cfg, source, last_completed)
