"""The field test, short version: the real `copydesk serve` (a subprocess) living through three
simulated days of a dozen news outlets on loopback (copydesk/demo/field.py), stopped with SIGTERM
and SIGKILL at seeded random moments and started again, checked after every day.

What each day brings and what is checked: copydesk/demo/field_run.py and docs/demo.md ("The field
world"). The long version (60 days and more) is bench/field.py; its figures are in RELIABILITY.md.
"""
from __future__ import annotations

import json

from copydesk.demo.field import FIELD_OUTLETS, FieldWorld
from copydesk.demo.field_run import FieldSettings, run_field


def test_field_world_has_what_the_field_test_needs():
    """The world itself: enough outlets of every kind, an archive, re-syndication, outages, a moving
    feed, articles on another host than their feed; and every day changes the feeds."""
    w = FieldWorld(seed=0, days=60)
    assert len(FIELD_OUTLETS) >= 10
    assert {o.kind for o in FIELD_OUTLETS} == {"wire", "paper", "blog", "farm"}
    arts = w.articles()
    assert sum(a.archive for a in arts) >= 50 and min(a.published_time[:4] for a in arts) <= "2015"
    resyndicated = [a for a in arts if a.role == "resyndicated"]
    originals = {a.story: a for a in arts if a.role == "original"}
    assert any(originals[a.story].archive for a in resyndicated)
    assert any(a.day - originals[a.story].day >= 31 for a in resyndicated), "older than a 30-day window"
    assert len(w.plan.outages) >= 3 and all(b >= a for _, a, b in w.plan.outages)
    assert any(a.offsite for a in arts) and any(o.moved_feed_host for o in FIELD_OUTLETS)
    w_kind = {o.key: o.kind for o in FIELD_OUTLETS}
    with w:
        seen = {}
        for _ in range(3):
            day = w.advance()
            docs = {}
            for o in FIELD_OUTLETS:
                if not w.down(o.key):
                    status, _, body = w._respond(o.feed_host, "/rss.xml" if o.discovery == "rss" else
                                                 "/world/" if o.discovery == "sections" else "/sitemap.xml", {})
                    docs[o.key] = (status, body)
            assert all(s in (200, 301) for s, _ in docs.values())
            for k, (s, body) in docs.items():      # the wire and every paper publish every day
                if s == 200 and k in seen and w_kind[k] in ("wire", "paper"):
                    assert body != seen[k], (k, day)
            seen = {k: b for k, (s, b) in docs.items()}


def test_field_short(tmp_path):
    """Three simulated days; on each the daemon is stopped (SIGTERM or SIGKILL, both at least once)
    and restarted. A failure lists every violated invariant of the first bad day, by name."""
    # 210 years-old archive pages on one host on day 1: enough for Scrapy's zero-delay slots to
    # overrun per_host_concurrency (7 in flight at once against a limit of 2, before the fix)
    settings = FieldSettings(days=3, seed=7, archive_per_year=30, day_timeout=40.0, stop_at_first_violation=True,
                             check_startup=False)
    report = run_field(settings, tmp_path)
    (tmp_path / "report.json").write_text(report.to_json())
    kills = [e for d in report.days for e in d.events if e.startswith(("SIGTERM", "SIGKILL"))]
    assert not report.violations, ("field test violations:\n  " + "\n  ".join(report.violations)
                                   + f"\nday reports: {json.dumps([d.__dict__ for d in report.days], default=str)[:3000]}"
                                   + "\nlast daemon output:\n" + report.log[-3000:])
    assert len(report.days) == 3 and all(d.stored == d.expected > 0 for d in report.days), \
        json.dumps([d.__dict__ for d in report.days], default=str)[:3000] + "\nlast daemon output:\n" + report.log[-3000:]
    assert {k.split()[0] for k in kills} == {"SIGTERM", "SIGKILL"}, kills
    assert len(report.startups) == 4


def test_in_flight_count_sees_concurrent_requests():
    """The instrument of `per-host-limit`: requests answered at the same time to one host are counted
    as in flight together (so an overrun cannot go unseen), one after another as one."""
    import threading
    import time
    import urllib.request

    from copydesk.demo.serving import InFlight, LoopbackServer

    meter = InFlight()
    gate = threading.Barrier(3, timeout=5)

    def slow(method, path, headers):
        if path == "/together":
            gate.wait()          # all three are inside the handler at once
        return 200, [("Content-Type", "text/plain")], b"ok"

    srv = LoopbackServer("t", slow, host="127.0.1.250", meter=meter)
    srv.start()
    try:
        threads = [threading.Thread(target=lambda: urllib.request.urlopen(srv.base + "/together", timeout=5).read())
                   for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert meter.reset_peaks() == {"127.0.1.250": 3}
        for _ in range(3):
            urllib.request.urlopen(srv.base + "/alone", timeout=5).read()
        time.sleep(0.05)
        assert meter.reset_peaks() == {"127.0.1.250": 1} and meter.now == {"127.0.1.250": 0}
    finally:
        srv.stop()
