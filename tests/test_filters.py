"""[filter] keywords, languages and since, applied after cleaning; skipped URLs are remembered."""
from __future__ import annotations

import dataclasses
import datetime as dt

from copydesk.config import Config, FilterSettings
from copydesk.demo.synth import article_html
from copydesk.pipeline import Page, Pipeline
from copydesk.storage import Corpus


def run(tmp_path, flt: FilterSettings, pages: list[tuple[str, str]]) -> Pipeline:
    cfg = dataclasses.replace(Config(), corpus=tmp_path / "c", filter=flt)
    pipe = Pipeline(cfg, workers=0)
    now = dt.datetime.now(dt.timezone.utc)
    list(pipe.run(Page(url, html.encode(), "t", now) for url, html in pages))
    pipe.close()
    return pipe


def test_keywords_languages_since(tmp_path):
    pages = [("https://a.example/1.html", article_html(1, title_text="Harbour strike enters third day")),
             ("https://a.example/2.html", article_html(2, title_text="Council approves budget")),
             ("https://a.example/3.html", article_html(3, title_text="Harbour fees rise", published="2025-01-05")),
             ("https://a.example/4.html", article_html(4, title_text="Harbour gala", lang="de"))]
    flt = FilterSettings(keywords=("harbour",), languages=("en",), since=dt.date(2026, 1, 1))
    pipe = run(tmp_path, flt, pages)
    c = pipe.stats["t"]
    stored = [d["url"] for d in Corpus(tmp_path / "c").documents()]
    assert "https://a.example/1.html" in stored
    assert "https://a.example/2.html" not in stored and c.skipped["filter_keywords"] >= 1
    assert "https://a.example/3.html" not in stored and c.skipped["filter_since"] == 1
    # a page declaring lang="de" with English text: detection decides; either way nothing slips past
    # the filter with another language
    for d in Corpus(tmp_path / "c").documents():
        assert d["language"] == "en"
    assert FilterSettings(since=dt.date(2026, 1, 1)).too_old("2025-12-31T23:00:00Z")
    assert not FilterSettings(since=dt.date(2026, 1, 1)).too_old(None)
    assert not FilterSettings(since=dt.date(2026, 1, 1)).too_old("not a date")


def test_skipped_urls_are_remembered(tmp_path):
    flt = FilterSettings(keywords=("nothing-matches-this",))
    run(tmp_path, flt, [("https://a.example/1.html", article_html(1))])
    cfg = dataclasses.replace(Config(), corpus=tmp_path / "c", filter=flt)
    pipe = Pipeline(cfg, workers=0)
    try:
        assert pipe.is_known("https://a.example/1.html?utm_source=x")  # canonical form, decided for good
    finally:
        pipe.close()
