"""A SIGTERM stops the daemon's fetching, whenever it comes, even while a crawl is still starting.

Scrapy sends `engine_started` before it sets `engine.running`; the daemon checked `running` in that
signal's handler, so a stop that came while a run was starting was skipped and the run fetched its
whole queue (431 requests to one host after "stopping" on a 430-page archive sitemap). The SIGTERM is
sent at several moments after "serving", so that some land while runs are starting.
"""
from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from copydesk.demo.field import CONCURRENCY, FieldWorld
from copydesk.demo.field_run import SOURCE_OF_HOST, _Daemon


@pytest.mark.parametrize("delay", [0.3, 0.5, 0.8, 1.1])
def test_sigterm_stops_fetching_even_while_runs_start(tmp_path: Path, delay: float) -> None:
    world = FieldWorld(seed=1, days=2, archive_per_year=60)
    world.start()
    try:
        cfg = tmp_path / "c.toml"
        cfg.write_text(world.config_toml(str(tmp_path / "corpus")))
        daemon = _Daemon(cfg, tmp_path / "serve.log")
        daemon.start()
        world.advance()
        time.sleep(delay)
        signalled = time.time()
        status = daemon.stop(signal.SIGTERM, timeout=60)
        acted = next((t for t, line in daemon.timed if t >= signalled and "stopping:" in line), None)
        daemon.close()
        assert status == 0, "".join(daemon.history[-30:])
        assert acted is not None, "the daemon never logged that it was stopping"
        after: dict[str, int] = {}
        for t, host, _, path, _ in world.fetched:
            if t > acted + 0.05 and not path.endswith("robots.txt"):
                after[SOURCE_OF_HOST[host]] = after.get(SOURCE_OF_HOST[host], 0) + 1
        # each run finishes only what its downloader already had: at most crawl.concurrency requests
        log = "".join(f"{t - signalled:+.2f} {line}" for t, line in daemon.timed)
        assert max(after.values(), default=0) <= CONCURRENCY, f"{after}\n{log}"
    finally:
        world.stop()
