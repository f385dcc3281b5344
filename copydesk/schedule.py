"""When each source runs: its `interval` or `cron`, else `schedule.interval`."""
from __future__ import annotations

import datetime as dt
import time

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from copydesk.config import Config, Source


def trigger(cfg: Config, source: Source, *, last_completed: float | None = None) -> BaseTrigger:
    """The APScheduler trigger of a source. After a restart an interval continues from the last
    completed run (a source that is due runs at once; one that is not waits out its interval)."""
    if source.cron:
        return CronTrigger.from_crontab(source.cron, timezone="UTC")
    interval = source.interval or cfg.schedule.interval
    now = time.time()
    start = now if last_completed is None else max(now, last_completed + interval)
    jitter = min(cfg.schedule.jitter, interval / 10) or None
    return IntervalTrigger(seconds=interval, start_date=dt.datetime.fromtimestamp(start, dt.timezone.utc),
                           timezone="UTC", jitter=jitter)


def next_run(cfg: Config, source: Source, last_completed: float | None) -> float | None:
    now = dt.datetime.now(dt.timezone.utc)
    if source.cron:
        t = CronTrigger.from_crontab(source.cron, timezone="UTC").get_next_fire_time(None, now)
        return t.timestamp() if t else None
    interval = source.interval or cfg.schedule.interval
    return time.time() if last_completed is None else max(time.time(), last_completed + interval)
