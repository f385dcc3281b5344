"""What the crawler may touch. The source is on a public-looking host (news.example) reached through
a local HTTP proxy, so that redirects to loopback and metadata addresses count as internal."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from copydesk.demo.synth import article_html
from sites import Route, Site, rss
from copydesk.storage import Corpus

NEWS = "http://news.example"


def test_redirects_to_internal_addresses_and_offsite_links_are_refused(tmp_path):
    with Site() as proxy:
        secret = proxy.url("/secret.html")
        proxy.routes.update({
            f"{NEWS}/robots.txt": Route(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
            f"{NEWS}/a.html": Route(article_html(1).encode()),
            f"{NEWS}/r-internal.html": Route(redirect=secret),
            f"{NEWS}/r-metadata.html": Route(redirect="http://169.254.169.254/latest/meta-data/"),
            f"{NEWS}/r-file.html": Route(redirect="file:///etc/passwd"),
            f"{NEWS}/r-ok.html": Route(redirect="http://partner.example/story.html"),
            "http://partner.example/robots.txt": Route(b"", content_type="text/plain"),
            "http://partner.example/story.html": Route(article_html(2).encode()),
            "/secret.html": Route(article_html(3).encode()),
        })
        listed = [f"{NEWS}/{p}" for p in ("a.html", "r-internal.html", "r-metadata.html", "r-file.html", "r-ok.html")]
        listed.append("http://elsewhere.example/x.html")
        proxy.routes[f"{NEWS}/rss.xml"] = Route(rss([(u, u, "Mon, 02 Nov 2026 08:00:00 GMT") for u in listed]),
                                                content_type="application/rss+xml")
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[crawl]\nretries = 0\n[[sources]]\nname = "news"\nfeeds = ["{NEWS}/rss.xml"]\n')
        env = {**os.environ, "http_proxy": proxy.base, "HTTP_PROXY": proxy.base, "no_proxy": ""}
        r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)], capture_output=True,
                           text=True, timeout=120, env=env)
        assert r.returncode == 0, r.stderr
        requested = {h.path for h in proxy.log}
    assert f"{NEWS}/a.html" in requested and "http://partner.example/story.html" in requested
    assert "/secret.html" not in requested and secret not in requested
    assert not any("169.254" in p or "elsewhere.example" in p for p in requested)
    stored = sorted(urlsplit(d["url"]).path for d in Corpus(tmp_path / "corpus").documents())
    assert stored == ["/a.html", "/story.html"]  # the partner redirect of our own article is allowed
    st = json.loads(subprocess.run([sys.executable, "-m", "copydesk.cli", "status", "-c", str(cfg), "--json"],
                                   capture_output=True, text=True).stdout)
    counts = st["sources"][0]["last_run"]["counts"]
    assert counts["failed"].get("address_refused") == 2, counts
    assert counts["skipped"].get("offsite") == 1, counts
    assert counts["failed"].get("http_302") == 1, counts          # the file:// redirect is not followed


def test_unwritable_corpus_is_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "ingest", "--corpus", str(blocker / "corpus"),
                        str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "not writable" in r.stderr and str(blocker) in r.stderr
