"""Discovery de-duplication is Scrapy's dupefilter (DUPEFILTER_CLASS), on fingerprints of copydesk's
canonical URL (REQUEST_FINGERPRINTER_CLASS, copydesk/scrapy_settings.py): docs/crawler-sink.md."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

from copydesk.demo.synth import article_html
from sites import Route, Site, rss

HERE = Path(__file__).parent


class RecordingDupeFilter(RFPDupeFilter):
    """Scrapy's dupefilter that writes down every URL it is asked about and its answer (test only)."""

    path: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RecordingDupeFilter:
        df = super().from_crawler(crawler)
        df.path = Path(crawler.settings["RECORDING_DUPEFILTER_PATH"])
        df.seen_log: list[tuple[str, bool]] = []
        return df

    def request_seen(self, request: Request) -> bool:
        seen = super().request_seen(request)
        self.seen_log.append((request.url, seen))
        return seen

    def close(self, reason: str) -> None:
        assert self.path is not None
        self.path.write_text(json.dumps(self.seen_log))
        super().close(reason)


CRAWL = """
import sys
from copydesk.config import load
from copydesk.pipeline import Pipeline
from copydesk.runner import crawl

cfg = load(sys.argv[1])
pipe = Pipeline(cfg, kind="crawl", workers=0)
status = crawl(cfg, ["s"], pipe, settings={"DUPEFILTER_CLASS": "test_dupefilter.RecordingDupeFilter",
                                           "RECORDING_DUPEFILTER_PATH": sys.argv[2]})
pipe.close(status)
c = pipe.stats["s"]
print(c.discovered, c.pages, c.stored_new)
"""


def test_two_spellings_of_one_article_are_fetched_once_by_scrapys_dupefilter(tmp_path):
    spellings = ["/a.html", "/a.html?utm_source=feed"]  # one canonical URL (storage.url_key)
    routes = {p: Route(article_html(1).encode()) for p in spellings}
    routes["/b.html"] = Route(article_html(2).encode())
    with Site(routes) as site:
        site.routes["/rss.xml"] = Route(rss([(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT")
                                             for p in [*spellings, "/b.html"]]), content_type="application/rss+xml")
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'corpus = "{tmp_path / "c"}"\n[[sources]]\nname = "s"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        record = tmp_path / "seen.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)])}  # this module, tests.*
        r = subprocess.run([sys.executable, "-c", CRAWL, str(cfg), str(record)], capture_output=True, text=True,
                           timeout=120, env=env)
        assert r.returncode == 0, r.stderr
        fetched = sum(routes[p].hits for p in spellings)
    assert fetched == 1                                   # one of the two spellings, once
    assert routes["/b.html"].hits == 1
    discovered, pages, stored = map(int, r.stdout.split())
    assert (discovered, pages, stored) == (2, 2, 2)       # the duplicate is neither counted nor decided
    # the setting is honoured: the test's dupefilter was asked about every link and refused the second spelling
    asked = json.loads(record.read_text())
    assert asked == [[site.url(spellings[0]), False], [site.url(spellings[1]), True], [site.url("/b.html"), False]]
