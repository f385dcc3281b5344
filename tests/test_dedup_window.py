"""The dedup window follows when copydesk stored (or last matched) a story, never publication dates.

An archive crawl (pages dated years ago) must not lose copies of what it stores, nor evict recent
stories; a re-syndicated older story still groups with its stored original; a story that keeps
being matched stays matchable. Time is injected (Deduper timestamps, Pipeline clock), never slept.
"""
from __future__ import annotations

import datetime as dt

from copydesk import cleaning
from copydesk.config import Config
from copydesk.pipeline import Extracted, Page, Pipeline
from copydesk.dedup import Deduper
from tests.fixtures.dedup import stories as S

DAY = 86400.0


def popular_story(d: Deduper) -> None:
    """HARBOUR stored at day 0 with three copies the same day (its four representatives), then one
    more copy at day 20: an ordinary member, not a representative."""
    d.add("h", S.text(S.HARBOUR), timestamp=0.0, source="gazette")
    d.add("h-reprint", S.reprint(S.HARBOUR), timestamp=100.0, source="courier")
    d.add("h-edit", S.light_edit(S.HARBOUR), timestamp=200.0, source="agency")
    d.add("h-excerpt", S.excerpt(S.HARBOUR), timestamp=300.0, source="digest")
    assert d.add("h-day20", S.entity_debris(S.text(S.HARBOUR)), timestamp=20 * DAY, source="blog").cluster_id == "h"


def test_a_story_matched_at_day_20_is_still_matchable_at_day_40():
    d = Deduper(window_days=30)
    popular_story(d)
    d.add("other", S.text(S.ORCHARD), timestamp=40 * DAY, source="valley")  # "now" is day 40: horizon day 10
    assert "h" in d, "the story was matched at day 20: it stays until day 50"
    assert d.add("h-day40", S.ocr_noise(S.text(S.HARBOUR)), timestamp=40 * DAY, source="scan").cluster_id == "h"


def test_a_story_leaves_the_window_when_nothing_matched_it_for_the_window():
    d = Deduper(window_days=30)
    popular_story(d)
    d.add("other", S.text(S.ORCHARD), timestamp=51 * DAY, source="valley")
    assert "h" not in d and "h-day20" not in d and len(d) == 1, "the whole story leaves together"
    assert d.add("late", S.reprint(S.HARBOUR), timestamp=51 * DAY, source="courier").duplicate_of is None


def test_the_last_match_survives_a_restart(tmp_path):
    with Deduper(tmp_path, window_days=30) as d:
        popular_story(d)
    d2 = Deduper(tmp_path, window_days=30)
    d2.add("other", S.text(S.ORCHARD), timestamp=40 * DAY, source="valley")
    d2.close()
    d3 = Deduper(tmp_path, window_days=30)  # loaded with "now" at day 40: the cluster is kept whole
    assert all(i in d3 for i in ("h", "h-reprint", "h-edit", "h-excerpt", "h-day20"))
    assert d3.add("h-day40", S.ocr_noise(S.text(S.HARBOUR)), timestamp=40 * DAY, source="scan").cluster_id == "h"


def test_restore_keeps_an_old_member_of_a_story_still_in_the_window():
    d = Deduper(window_days=30)
    d.add("recent", S.text(S.ORCHARD), timestamp=100 * DAY)
    d.add("h-copy", S.reprint(S.HARBOUR), timestamp=100 * DAY)
    from copydesk.dedup import Assignment

    d.restore(Assignment("h-old", "h-copy", "h-copy", 0.9), S.text(S.HARBOUR), timestamp=10 * DAY)
    assert "h-old" in d, "its story was stored at day 100"
    d.restore(Assignment("x", "x", None, None), S.filler_story(3), timestamp=10 * DAY)
    assert "x" not in d, "a story last stored before the window is not restored"


# -- the pipeline: the window runs on copydesk's clock --------------------------------------------------
def page(url: str, text: str, published: str, source: str, fetched: dt.datetime | None = None) -> tuple[Page, Extracted]:
    when = fetched or dt.datetime.now(dt.timezone.utc)
    art = cleaning.Article(text=text, title=url.rsplit("/", 1)[-1], published=published, language="en", url=url)
    return Page(url, text.encode(), source, when, content_type="text/html"), Extracted(art)


def ingest(p: Pipeline, url: str, text: str, published: str, source: str, **kw) -> str | None:
    doc = p.finish(*page(url, text, published, source, **kw))[0]
    assert doc.assignment is not None, (url, doc.reason)
    return doc.assignment.cluster_id


def test_an_archive_crawl_keeps_its_copies_and_does_not_evict_recent_stories(tmp_path):
    p = Pipeline(Config(corpus=tmp_path / "c"), workers=0)
    try:
        now = dt.datetime.now(dt.timezone.utc)
        today, yesterday = now.isoformat(timespec="seconds"), (now - dt.timedelta(days=1)).date().isoformat()
        recent = ingest(p, "https://gazette.example/2026/recent.html", S.text(S.ORCHARD), yesterday, "gazette")
        # the archive of a site: a story of 2015 and years of other pages after it, in date order
        old = ingest(p, "https://gazette.example/2015/harbour.html", S.text(S.HARBOUR), "2015-03-02", "gazette")
        for k, year in enumerate(range(2016, 2021)):
            ingest(p, f"https://gazette.example/{year}/story-{k}.html", S.filler_story(k), f"{year}-06-01", "gazette")
        # the 2015 story re-syndicated today, and a copy of the recent story: both group
        assert ingest(p, "https://courier.example/today/harbour.html", S.reprint(S.HARBOUR), today, "courier") == old
        assert ingest(p, "https://digest.example/today/orchard.html", S.trimmed(S.ORCHARD, 0.6), today, "digest") == recent
        # an archive copy of the 2015 story (dated 2015 too) groups with it as well
        assert ingest(p, "https://scan.example/2015/harbour.html", S.ocr_noise(S.text(S.HARBOUR)), "2015-03-03", "scan") == old
    finally:
        p.close()


def test_the_pipeline_window_follows_its_clock(tmp_path):
    now = [1_800_000_000.0]
    p = Pipeline(Config(corpus=tmp_path / "c"), workers=0, clock=lambda: now[0])
    try:
        pub = "2026-01-01"  # every copy carries the original's date, as syndicated copies do
        h = ingest(p, "https://gazette.example/h.html", S.text(S.HARBOUR), pub, "gazette")
        now[0] += 20 * DAY
        assert ingest(p, "https://courier.example/h.html", S.reprint(S.HARBOUR), pub, "courier") == h
        now[0] += 20 * DAY  # day 40: stored at day 0, last matched at day 20
        ingest(p, "https://valley.example/o.html", S.text(S.ORCHARD), pub, "valley")
        assert ingest(p, "https://scan.example/h.html", S.ocr_noise(S.text(S.HARBOUR)), pub, "scan") == h
        now[0] += 31 * DAY  # nothing matched the story for 31 days: it has left the index
        ingest(p, "https://wire.example/x.html", S.filler_story(9), pub, "wire")
        assert ingest(p, "https://late.example/h.html", S.light_edit(S.HARBOUR), pub, "late") != h
    finally:
        p.close()
    days = sorted(d.name for d in (tmp_path / "c" / "documents").iterdir())
    assert len(days) == 4, "the date partitions follow the clock too"

