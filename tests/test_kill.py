"""Crash safety: SIGKILL at a moment in the middle of a run, then the next run completes and the
corpus holds every article once with all invariants (the long version: bench/kill_trials.py)."""
from __future__ import annotations

import pytest

from tests.kill_trial import trial


@pytest.mark.parametrize("kind,kill_after", [("crawl", 0.5), ("serve", 0.3), ("ingest", 0.2)])
def test_killed_mid_run(kind, kill_after, tmp_path, news_site):
    base = None if kind == "ingest" else news_site(300, delay=0.03)
    r = trial(kind, kill_after, 300, tmp_path, base)
    assert r["problems"] == [], r
    assert not r["finished_before_kill"] and 0 < r["visible_after_kill"] < 300, r  # killed while writing
    assert r["next_run_exit"] == 0 and r["stored"] == 300
