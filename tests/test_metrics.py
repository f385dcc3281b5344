"""`serve --metrics-port`: the run-duration histogram, 304 counts, last success per source and
process memory, read back over HTTP with Prometheus' own text parser."""
from __future__ import annotations

import time
import urllib.request
from types import SimpleNamespace

from prometheus_client.parser import text_string_to_metric_families

from copydesk.metrics import Metrics
from copydesk.storage import StateStore


def scrape(m: Metrics) -> dict[tuple[str, tuple], float]:
    port = m.server.server_address[1]
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def counts(elapsed: float, not_modified: int) -> dict:
    return {"requests": 10, "not_modified": not_modified, "stored_new": 2, "stored_copy": 1,
            "skipped": {"not_article": 1}, "failed": {"http_500": 1}, "elapsed_s": elapsed}


def test_run_duration_304s_last_success_and_memory(tmp_path):
    state = StateStore(tmp_path / "state.sqlite3")
    run = state.start_run("ledger", "serve")  # a completed run from before this start
    state.finish_run(run, "completed", {})
    before = state.last_completed("ledger")
    daemon = SimpleNamespace(pipeline=SimpleNamespace(last_completed=state.last_completed),
                             cfg=SimpleNamespace(sources=[SimpleNamespace(name=n) for n in ("wire", "ledger", "farm")],
                                                 corpus=tmp_path),
                             status=lambda: {"status": "ok"})
    m = Metrics(daemon, 0)
    try:
        t0 = time.time()
        m.run_finished("wire", "completed", counts(12.5, 3))
        m.run_finished("wire", "completed", counts(400.0, 4))
        m.run_finished("farm", "failed", counts(2.0, 1))
        s = scrape(m)
    finally:
        m.close()
        state.close()
    assert s[("copydesk_run_duration_seconds_count", (("source", "wire"),))] == 2
    assert s[("copydesk_run_duration_seconds_sum", (("source", "wire"),))] == 412.5
    assert s[("copydesk_run_duration_seconds_bucket", (("le", "15.0"), ("source", "wire")))] == 1
    assert s[("copydesk_run_duration_seconds_bucket", (("le", "600.0"), ("source", "wire")))] == 2
    assert s[("copydesk_not_modified_total", (("source", "wire"),))] == 7
    assert s[("copydesk_not_modified_total", (("source", "farm"),))] == 1
    # the last success: the start of the last completed run; a failed run is not one
    assert abs(s[("copydesk_last_success_timestamp_seconds", (("source", "wire"),))] - (t0 - 400.0)) < 5
    assert s[("copydesk_last_success_timestamp_seconds", (("source", "ledger"),))] == before
    assert ("copydesk_last_success_timestamp_seconds", (("source", "farm"),)) not in s
    assert s[("process_resident_memory_bytes", ())] > 10e6
    assert ("copydesk_workers_resident_memory_bytes", ()) in s
    assert s[("process_start_time_seconds", ())] <= time.time()


def test_the_grafana_dashboard_queries_only_exported_metrics(tmp_path):
    import json
    import re
    from pathlib import Path

    dash = json.loads((Path(__file__).parents[1] / "deploy" / "grafana" / "copydesk.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    assert len(exprs) >= 9 and {p["gridPos"]["w"] > 0 for p in dash["panels"]} == {True}
    used = {m for e in exprs for m in re.findall(r"\b((?:copydesk|process)_[a-z_]+)", e)}
    state = StateStore(tmp_path / "state.sqlite3")
    daemon = SimpleNamespace(pipeline=SimpleNamespace(last_completed=state.last_completed),
                             cfg=SimpleNamespace(sources=[], corpus=tmp_path), status=lambda: {"status": "ok"})
    m = Metrics(daemon, 0)
    try:
        m.run_finished("wire", "completed", counts(3.0, 1))
        exported = {name for name, _ in scrape(m)}
    finally:
        m.close()
        state.close()
    assert used <= exported, used - exported
    assert {"copydesk_run_duration_seconds_bucket", "copydesk_not_modified_total", "copydesk_last_success_timestamp_seconds",
            "process_resident_memory_bytes"} <= used
