"""When sources run (issue 13 item 2): a source that never ran, or is overdue, runs at once (plus jitter); one that
ran recently waits out its interval; `status` and `/healthz` show the same next run."""
from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from copydesk.config import load
from copydesk.demo.synth import page
from copydesk.schedule import trigger
from sites import Route, Site, rss
from copydesk.storage import StateStore

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.timezone.utc


def config(tmp_path: Path, source_keys: str = 'interval = "1h"', jitter: str = "0") -> Path:
    p = tmp_path / "copydesk.toml"
    p.write_text(f'corpus = "corpus"\n[schedule]\njitter = {jitter if jitter == "0" else repr(jitter)}\n'
                 f'[[sources]]\nname = "wire"\nfeeds = ["https://example.org/rss.xml"]\n{source_keys}\n')
    return p


def first_fire(tmp_path: Path, last_completed: float | None, **kw: str) -> float:
    cfg = load(config(tmp_path, **kw))
    t = trigger(cfg, cfg.sources[0], last_completed=last_completed)
    time.sleep(0.01)  # the scheduler asks a moment after the trigger was made
    return t.get_next_fire_time(None, dt.datetime.now(UTC)).timestamp()


def test_never_run_source_runs_at_once(tmp_path):
    assert first_fire(tmp_path, None) <= time.time() + 1


def test_overdue_source_runs_at_once(tmp_path):
    assert first_fire(tmp_path, time.time() - 2 * 3600) <= time.time() + 1


def test_recent_source_waits_out_its_interval(tmp_path):
    last = time.time() - 600
    assert first_fire(tmp_path, last) == pytest.approx(last + 3600, abs=1)


def test_jitter_delays_the_first_run_by_at_most_jitter(tmp_path):
    fires = [first_fire(tmp_path, None, jitter="2m") - time.time() for _ in range(20)]
    assert all(-1 <= f <= 120 + 1 for f in fires)
    assert max(fires) - min(fires) > 1, "jitter spreads the first runs"


def test_then_every_interval(tmp_path):
    cfg = load(config(tmp_path))
    t = trigger(cfg, cfg.sources[0], last_completed=None)
    now = dt.datetime.now(UTC)
    first = t.get_next_fire_time(None, now)
    second = t.get_next_fire_time(first, first)
    assert (second - first).total_seconds() == pytest.approx(3600)


def test_cron_source_runs_at_once_when_a_cron_time_passed_since_its_last_run(tmp_path):
    kw = {"source_keys": 'cron = "0 6 * * *"'}
    never = first_fire(tmp_path, None, **kw)
    assert never <= time.time() + 1
    overdue = first_fire(tmp_path, time.time() - 2 * 86400, **kw)
    assert overdue <= time.time() + 1
    just_ran = first_fire(tmp_path, time.time() - 1, **kw)
    assert just_ran > time.time() + 60  # waits for the next 06:00


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_json(cfg: Path, *, starting: bool = False) -> dict:
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "status", "-c", str(cfg), "--json"], capture_output=True,
                       text=True, timeout=60, cwd=ROOT)
    if starting and r.returncode == 2 and "no corpus" in r.stderr:  # the daemon has not created it yet
        return {"sources": [{}], "corpus_stats": {}, "daemon": {}}
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def healthz(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
        return json.loads(resp.read())


def wait_until(pred, timeout: float) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.3)
    return False


def test_serve_runs_a_new_source_at_once_and_status_agrees_with_healthz(tmp_path):
    """A real daemon with a 1 h interval: the first run starts at once (it used to start one hour later), and
    `status` shows the daemon (pid, since) and the next run /healthz reports; after a restart the source is not
    due and waits."""
    paths = [f"/a/{i}.html" for i in range(3)]
    routes = {p: Route(page(i, site="sched").encode()) for i, p in enumerate(paths)}
    routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    with Site(routes) as site:
        site.routes["/rss.xml"] = Route(rss([(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT") for p in paths]),
                                        content_type="application/rss+xml")
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[schedule]\ninterval = "1h"\njitter = "2s"\n'
                       f'[[sources]]\nname = "wire"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        port = free_port()
        started = time.time()
        proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg), "--metrics-port",
                                 str(port)], stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            state = tmp_path / "corpus" / "_state" / "state.sqlite3"

            def ran() -> bool:  # read in-process, read-only: a `status` process per poll would slow the daemon
                if not state.exists():
                    return False
                s = StateStore(state, readonly=True)
                try:
                    return "wire" in s.last_runs() and s.counts()["documents"] == 3
                finally:
                    s.close()
            assert wait_until(ran, 45), "the first run of a new source starts at once"
            assert time.time() - started < 45
            st, h = status_json(cfg), healthz(port)
            assert st["daemon"]["running"] is True and st["daemon"]["pid"] == proc.pid == h["pid"]
            since = dt.datetime.strptime(st["daemon"]["since"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
            assert started - 2 <= since <= time.time()
            assert st["sources"][0]["next_run"] == h["next_runs"]["wire"]
            nxt = dt.datetime.fromisoformat(h["next_runs"]["wire"]).timestamp()
            assert started + 3600 - 5 <= nxt <= time.time() + 3600 + 2 + 5
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0, proc.stderr.read()[-2000:]
        st = status_json(cfg)
        assert st["daemon"] == {"running": False}
        last = dt.datetime.strptime(st["sources"][0]["last_run"]["started"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        not_running_next = dt.datetime.strptime(st["sources"][0]["next_run"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert (not_running_next - last).total_seconds() == pytest.approx(3600, abs=2)

        # restart: the source ran a moment ago, so it waits out its interval
        requests_before = len(site.requested("/rss.xml"))
        proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg), "--metrics-port",
                                 str(port)], stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            def scheduled() -> bool:
                try:
                    return healthz(port)["status"] == "ok"
                except OSError:
                    return False
            assert wait_until(scheduled, 30)
            h = healthz(port)
            nxt = dt.datetime.fromisoformat(h["next_runs"]["wire"])
            assert (nxt - last).total_seconds() == pytest.approx(3600, abs=2 + 2)
            assert status_json(cfg)["sources"][0]["next_run"] == h["next_runs"]["wire"]
            time.sleep(2)
            assert len(site.requested("/rss.xml")) == requests_before
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0, proc.stderr.read()[-2000:]
