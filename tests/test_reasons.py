"""One list of reasons (crawler/reasons.py): each download failure provoked over loopback comes out
under its documented name (not a Scrapy class name), and docs/crawling.md's table is that list."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

from copydesk.demo.synth import article_html
from copydesk.crawler import reasons
from sites import Route, Site, rss

ROOT = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connections are refused
    return port


class Truncating:
    """Answers every request with headers promising 10,000 bytes, sends 100 and closes."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000\r\n\r\n"
                conn.sendall(head + b"x" * 100)
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


def test_each_failure_kind_has_its_documented_reason(tmp_path):
    refused = closed_port()
    cut = Truncating()
    try:
        with Site() as site:
            site.routes.update({
                "/robots.txt": Route(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
                "/slow.html": Route(article_html(1).encode(), delay=3, in_flight=False),
                "/big.html": Route(b"<html><body>" + b"<p>word word</p>" * 20_000 + b"</body></html>"),
                "/error.html": Route(status=500, body=b"<html><body>oops</body></html>"),
                "/loop-a.html": Route(redirect="/loop-b.html"),
                "/loop-b.html": Route(redirect="/loop-a.html"),
            })
            articles = {
                "timeout": site.url("/slow.html"),
                "too_large": site.url("/big.html"),
                "http_500": site.url("/error.html"),
                "http_404": site.url("/missing.html"),
                "redirect_loop": site.url("/loop-a.html"),
                "connection_refused": f"http://127.0.0.1:{refused}/a.html",
                "connection_lost": f"http://127.0.0.1:{cut.port}/a.html",
                "tls_error": "https" + site.url("/plain-http.html")[4:],   # TLS to a plain-HTTP port
                "dns_error": "http://www.nonexistent.invalid/a.html",     # resolution fails locally
            }
            site.routes["/rss.xml"] = Route(rss([(u, k, "Mon, 02 Nov 2026 08:00:00 GMT") for k, u in articles.items()]),
                                            content_type="application/rss+xml")
            cfg = tmp_path / "copydesk.toml"
            cfg.write_text(f"""corpus = "corpus"
[crawl]
timeout = "1s"
retries = 0
max_page_bytes = 100000
[[sources]]
name = "kinds"
feeds = ["{site.url('/rss.xml')}", "http://nonexistent.invalid/rss.xml", "http://127.0.0.1:{refused}/rss.xml"]
""")
            r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)], capture_output=True,
                               text=True, timeout=180)
            st = subprocess.run([sys.executable, "-m", "copydesk.cli", "status", "-c", str(cfg), "--json"],
                                capture_output=True, text=True, timeout=60)
    finally:
        cut.close()
    assert r.returncode in (0, 3), r.stderr   # 3: part of discovery failed (two of the feeds)
    info = json.loads(st.stdout)
    failed = info["sources"][0]["last_run"]["counts"]["failed"]
    # every article once, plus the two dead feeds (discovery): dns_error and connection_refused
    expected = {k: 1 for k in articles}
    expected["dns_error"] += 1
    expected["connection_refused"] += 1
    assert failed == expected, (failed, r.stdout[-2000:])
    for reason in [*failed, *(e["reason"] for e in info["recent_errors"])]:
        assert reasons.known(reason) is not None, reason
    assert "downloadconnectionrefusederror" not in r.stdout + st.stdout
    assert "cannotresolvehosterror" not in r.stdout + st.stdout


def test_docs_table_is_the_list():
    doc = (ROOT / "docs" / "crawling.md").read_text()
    assert reasons.markdown_table() in doc, "regenerate with: python -m crawler.reasons"


def test_every_reason_the_code_counts_is_in_the_list():
    """The reason strings in the crawler, pipeline and discovery source are all in the list."""
    import re

    found: set[str] = set()
    pipeline = [ROOT / "copydesk" / f for f in ("pipeline.py", "extraction.py", "steps.py", "ledger.py")]
    for path in [*(ROOT / "crawler").glob("*.py"), *pipeline, ROOT / "cleaning" / "extract.py"]:
        text = path.read_text()
        found |= set(re.findall(r'(?:DiscoveryError|Rejected)\("([a-z_]+)"', text))
        found |= set(re.findall(r'(?:skip_url|fail)\([^()]*?, "([a-z_]+)"', text))
    assert found, "the patterns above no longer match anything"
    missing = sorted(r for r in found if reasons.known(r) is None)
    assert not missing, missing
    assert reasons.known("http_404") and reasons.known("parse_error:ValueError")
    assert reasons.known("extraction_error:MemoryError") and reasons.known("downloadconnectionrefusederror") is None
