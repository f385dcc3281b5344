"""[filter] keywords, languages and since, applied after cleaning; skipped URLs are remembered."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from copydesk.config import Config, FilterSettings
from copydesk.crawler.reasons import config_fingerprint
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


# -- keywords match at the start of a word ------------------------------------------------------
LIBRARY = ("Library extends its winter opening hours", [
    "The central library will stay open until ten in the evening from December to February, the culture "
    "committee decided on Thursday, after a survey of students and shift workers.",
    "The longer hours will be covered by two new part-time librarians and by a self-service machine for loans "
    "and returns tested at the harbour branch since the summer. Police officers on the night shift asked for it.",
    "The reading room on the top floor will be reserved for silent study after seven o'clock, while the ground "
    "floor café stays open for those who need to talk, the committee's chair said."])
ICEBERGS = ("Icebergs drift into the northern shipping lane", [
    "Three large icebergs broke off the glacier front in the first week of the month and are drifting south "
    "towards the shipping lane used by the ferries to the islands, the coastguard said on Monday.",
    "Ferries will keep a distance of at least two nautical miles, and the morning crossing will leave half an "
    "hour earlier until the coastguard's aircraft have charted the drift, the operator said.",
    "The glacier has lost more of its front this year than in any year since measurements began, researchers "
    "at the university's polar institute said, after an unusually warm autumn."])
COUNCIL = ("Tram extension approved after a long night", [
    "The City  Council voted eleven to four on Tuesday night to extend the eastern tram line by six kilometres, "
    "ending a dispute that had stalled the project for almost two years.",
    "The extension will link the ferry terminal with the new hospital campus on Quarry Hill. Engineers expect "
    "construction to begin in the autumn and the first trams to run by the end of 2027.",
    "Opponents argued that the money would be better spent on buses, which serve more of the outer districts, "
    "and said they would take the question to the regional court."])
APART = ("Harbour festival returns in June", [
    "The harbour festival will return in June after a year's pause, the organisers said, with boat races, "
    "a fish market and concerts on the quay every evening of the long weekend.",
    "The council of the neighbouring town has offered its stage, and the city's brass band will open the "
    "festival on the Friday evening, as it did for the first festival forty years ago.",
    "Tickets for the concerts go on sale next month; the races and the market are free, and the ferry company "
    "will add late crossings on both evenings of the weekend."])


def story_html(title: str, paras: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            '<meta property="article:published_time" content="2026-11-02T08:00:00Z"></head>'
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article></body></html>")


def test_keyword_pattern_matches_at_word_starts():
    from copydesk.steps import keyword_pattern

    p = keyword_pattern(["ice", "City Council", "wasser", "北京", "straße"])
    assert p is not None
    found = {t: bool(p.search(t.casefold())) for t in [
        "ice", "Icebergs", "ICE-cold", "(ice)", "self-service", "police", "justice", "the city council",
        "City\tCOUNCIL", "city councillors", "council of the city", "Wasserpreis", "Trinkwasser", "在北京市",
        "STRASSE", "Hauptstraße", "Straßenbahn"]}
    assert [t for t, hit in found.items() if hit] == [
        "ice", "Icebergs", "ICE-cold", "(ice)", "the city council", "City\tCOUNCIL", "city councillors",
        "Wasserpreis", "在北京市", "STRASSE", "Straßenbahn"]
    assert keyword_pattern([]) is None and keyword_pattern(["  "]) is None


def test_every_keyword_match_is_a_substring_match():
    """Why skips decided by the earlier substring rule stand (crawler.reasons.config_fingerprint):
    in a cleaned title and text (whitespace runs are one space there), whatever the word-start rule
    finds, the substring rule found too."""
    from copydesk.cleaning import analyze
    from copydesk.steps import keyword_pattern

    texts = []
    for story in (LIBRARY, ICEBERGS, COUNCIL, APART):
        a = analyze(story_html(*story).encode(), "https://a.example/story.html")
        assert a
        texts.append(f"{a.title}\n{a.text}".casefold())
    words = sorted({w for t in texts for w in t.split()})
    keywords = {k for w in words for k in (w, w[:3], w[1:4], w[-4:])} | {"city council", "the city", "ferry terminal"}
    found = 0
    for k in keywords:
        p = keyword_pattern([k])
        for t in texts:
            if p is not None and p.search(t):
                found += 1
                assert k.casefold() in t, (k, t)
    assert found > 300
    # so those skips keep their fingerprint; a keyword written with other whitespace, which the
    # substring rule never found, gets another one: its skips are decided anew
    cfg = Config()

    def fp(*keywords: str) -> str | None:
        return config_fingerprint("filter_keywords", dataclasses.replace(cfg, filter=FilterSettings(keywords)), None)

    def earlier(what: str) -> str:  # the fingerprint earlier versions gave
        return hashlib.sha256(f"filter_keywords\0{what}".encode()).hexdigest()[:16]

    assert fp("Ice", "city council") == earlier("city council\nice")
    assert fp("city  council") == fp("City\tCouncil") == fp("city council") != earlier("city  council")


def test_a_crawl_keeps_the_stories_whose_words_start_with_a_keyword(tmp_path):
    """[filter] keywords = ["ice", "city council"]: the iceberg story and the council story are stored;
    the library story ('self-service', 'Police') and the festival story ('council of the city') are
    skipped, and not fetched again by the next run."""
    import json
    import subprocess
    import sys

    from sites import Route, Site, rss

    stories = {"/library.html": LIBRARY, "/icebergs.html": ICEBERGS, "/tram.html": COUNCIL, "/festival.html": APART}
    with Site() as site:
        site.routes.update({p: Route(story_html(*s).encode()) for p, s in stories.items()})
        site.routes["/rss.xml"] = Route(rss([(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT") for p in stories]),
                                        content_type="application/rss+xml")
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[filter]\nkeywords = ["ice", "city council"]\n[[sources]]\n'
                       f'name = "s"\nfeeds = ["{site.url("/rss.xml")}"]\n')

        def crawl() -> None:
            r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)], capture_output=True,
                               text=True, timeout=180)
            assert r.returncode == 0, r.stderr[-3000:]

        crawl()
        stored = sorted(d["url"].removeprefix(site.base) for d in Corpus(tmp_path / "corpus").documents())
        assert stored == ["/icebergs.html", "/tram.html"]
        st = subprocess.run([sys.executable, "-m", "copydesk.cli", "status", "-c", str(cfg), "--json"],
                            capture_output=True, text=True, timeout=60)
        assert json.loads(st.stdout)["sources"][0]["last_run"]["counts"]["skipped"] == {"filter_keywords": 2}
        crawl()
        assert len(site.requested("/library.html")) == len(site.requested("/festival.html")) == 1
