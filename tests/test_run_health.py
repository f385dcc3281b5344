"""A run whose discovery all failed is `failed`, one where only part of it worked is `degraded`:
in the summary, `copydesk status` and `crawl`'s exit status (3)."""
from __future__ import annotations

import json
import socket
import subprocess
import sys

from copydesk.demo.synth import article_html
from sites import Route, Site, rss
from tests.run_cli import copydesk


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_dead_and_half_dead_sources(tmp_path):
    refused = closed_port()
    with Site() as site:
        site.routes["/a.html"] = Route(article_html(1).encode())
        site.routes["/good.xml"] = Route(rss([(site.url("/a.html"), "a", "Mon, 02 Nov 2026 08:00:00 GMT")]),
                                         content_type="application/rss+xml", conditional=True)
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f"""corpus = "corpus"
[crawl]
retries = 0
[[sources]]
name = "dead"
feeds = ["{site.url('/gone.xml')}", "http://127.0.0.1:{refused}/rss.xml"]
[[sources]]
name = "half"
feeds = ["{site.url('/good.xml')}", "{site.url('/also-gone.xml')}"]
[[sources]]
name = "good"
feeds = ["{site.url('/good.xml')}"]
""")
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
        assert "3 source(s), 1 completed, 1 degraded, 1 failed" in r.stdout, r.stdout
        assert "failed: dead: 2 of 2 feeds" in r.stdout and "degraded: half: 1 of 2 feeds" in r.stdout, r.stdout
        st = copydesk("status", "-c", cfg, "--json")
        runs = {s["name"]: s["last_run"] for s in json.loads(st.stdout)["sources"]}
        assert {k: v["status"] for k, v in runs.items()} == {"dead": "failed", "half": "degraded", "good": "completed"}
        assert runs["dead"]["counts"]["failed"] == {"http_404": 1, "connection_refused": 1}
        assert runs["half"]["counts"]["discovery_ok"] == 1 and runs["half"]["counts"]["discovery_failed"] == 1
        assert "degraded" in copydesk("status", "-c", cfg).stdout
        # for the schedule, a degraded run went through; a failed one did not (it is due again at once)
        from copydesk.storage import StateStore

        state = StateStore(tmp_path / "corpus" / "_state" / "state.sqlite3", readonly=True)
        try:
            assert state.last_completed("half") is not None and state.last_completed("good") is not None
            assert state.last_completed("dead") is None
        finally:
            state.close()

        # a 304 is a feed that works; a source whose feeds all work completes and exits 0
        r = copydesk("crawl", "-c", cfg, "--source", "good")
        assert r.returncode == 0, (r.stdout, r.stderr)
        assert site.requested("/good.xml")[-1].status == 304
        r = copydesk("crawl", "-c", cfg, "--source", "half")
        assert r.returncode == 3 and "degraded: half" in r.stdout, (r.stdout, r.stderr)


def test_serve_exports_the_health_of_each_source(tmp_path):
    """The daemon records the same statuses and exports them: copydesk_last_run_status and the
    discovery counts, with reasons from the documented list."""
    import signal
    import time
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    from copydesk.crawler import reasons

    refused, port = closed_port(), closed_port()  # nothing listens / the metrics port
    with Site() as site:
        site.routes["/good.xml"] = Route(rss([]), content_type="application/rss+xml")
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f"""corpus = "corpus"
[crawl]
retries = 0
[schedule]
interval = "2s"
jitter = 0
[[sources]]
name = "dead"
feeds = ["http://127.0.0.1:{refused}/rss.xml", "http://nonexistent.invalid/rss.xml"]
[[sources]]
name = "half"
feeds = ["{site.url('/good.xml')}", "{site.url('/gone.xml')}"]
""")
        proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg), "--metrics-port",
                                 str(port)], stderr=subprocess.PIPE, text=True)
        samples: dict = {}
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                time.sleep(0.5)
                try:
                    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                except OSError:
                    continue
                samples = {(x.name, tuple(sorted(x.labels.items()))): x.value
                           for fam in text_string_to_metric_families(text) for x in fam.samples}
                if all(("copydesk_last_run_status", (("source", n), ("status", st))) in samples
                       for n, st in (("dead", "failed"), ("half", "degraded"))):
                    break
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    assert samples.get(("copydesk_last_run_status", (("source", "dead"), ("status", "failed")))) == 1, samples
    assert samples[("copydesk_last_run_status", (("source", "dead"), ("status", "completed")))] == 0
    assert samples[("copydesk_last_run_status", (("source", "half"), ("status", "degraded")))] == 1
    assert samples[("copydesk_discovery_total", (("result", "failed"), ("source", "dead")))] >= 2
    assert samples[("copydesk_discovery_total", (("result", "ok"), ("source", "half")))] >= 1
    labels = {dict(k[1]).get("reason") for k in samples if k[0] == "copydesk_pages_total"} - {"", None}
    assert {"connection_refused", "dns_error", "http_404"} <= labels, labels
    assert all(reasons.known(r) for r in labels), labels
