"""Who was first: the stories table (storage/stories.py) and `copydesk stories`, on real crawls
(`copydesk crawl` as a subprocess, real Scrapy) of HTTP servers on 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest

from copydesk.demo.synth import paragraphs
from sites import Route, Site, rss
from copydesk.storage import Corpus
from copydesk.storage import stories as st
from tests.run_cli import copydesk

UTC = dt.timezone.utc


def page(title: str, paras: list[str], published: str, outlet: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>'
            f'<meta property="article:published_time" content="{published}"></head><body>'
            f"<header><nav><a href='/'>{outlet} home</a></nav></header><main><article><h1>{title}</h1>{body}"
            f"</article></main><footer><p>{outlet} footer</p></footer></body></html>").encode()


def feed_site(outlet: str, articles: dict[str, bytes]) -> Site:
    site = Site({p: Route(b) for p, b in articles.items()})
    site.routes["/rss.xml"] = Route(rss([(site.url(p), p, "Mon, 02 Nov 2026 08:00:00 GMT") for p in articles]),
                                    content_type="application/rss+xml")
    return site


def test_farm_fetched_before_the_wire_the_wire_is_the_representative(tmp_path):
    story = paragraphs(4242)
    wire_html = page("Ferry terminal opens after two years of delays", story, "2026-11-02T09:00:00Z", "Wire")
    farm_html = page("Ferry Terminal Opens After Two Years Of Delays", story[:-1], "2026-11-02T12:30:00Z", "Farm")
    gazette_html = page("Ferry terminal finally opens", story[1:], "2026-11-03T08:00:00Z", "Gazette")
    local_html = page("Council votes on the harbour budget", paragraphs(77), "2026-11-02T10:00:00Z", "Gazette")
    with feed_site("wire", {"/2026/11/02/ferry.html": wire_html}) as wire, \
            feed_site("farm", {"/ferry-terminal-opens/": farm_html}) as farm, \
            feed_site("gazette", {"/news/ferry.html": gazette_html, "/news/budget.html": local_html}) as gazette:
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[crawl]\nobey_robots = false\n'
                       + "".join(f'[[sources]]\nname = "{n}"\nfeeds = ["{s.url("/rss.xml")}"]\n'
                                 for n, s in (("wire", wire), ("farm", farm), ("gazette", gazette))))
        for name in ("farm", "wire", "gazette"):  # the farm's copy is fetched (and stored) first
            r = copydesk("crawl", "-c", cfg, "--source", name)
            assert r.returncode == 0, r.stderr
        urls = {"wire": wire.url("/2026/11/02/ferry.html"), "farm": farm.url("/ferry-terminal-opens/"),
                "gazette": gazette.url("/news/ferry.html")}

    corpus = Corpus(tmp_path / "corpus")
    docs = {d["url"]: d for d in corpus.documents()}
    ids = {k: docs[u]["id"] for k, u in urls.items()}
    # what dedup recorded at storing time: the farm's copy heads the cluster, the wire "duplicates" it
    assert docs[urls["farm"]]["duplicate_of"] is None and docs[urls["wire"]]["cluster_id"] == ids["farm"]

    stories = {s["story_id"]: s for s in corpus.stories().to_pylist()}
    assert (tmp_path / "corpus" / st.STORIES_FILE).exists() and (tmp_path / "corpus" / st.MEMBERS_FILE).exists()
    ferry = stories[ids["farm"]]
    assert ferry["representative_id"] == ids["wire"] and ferry["url"] == urls["wire"] and ferry["source"] == "wire"
    assert ferry["title"] == "Ferry terminal opens after two years of delays"
    assert ferry["published"] == dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert ferry["members"] == 3 and ferry["copies"] == 2
    assert ferry["sources"] == ["farm", "gazette", "wire"] and ferry["outlets"] == ["127.0.0.1"]
    assert ferry["first_fetched_at"] == docs[urls["farm"]]["fetched_at"]  # the farm's copy was fetched first
    assert ferry["median_lag_seconds"] == (3.5 * 3600 + 23 * 3600) / 2 and ferry["max_lag_seconds"] == 23 * 3600

    members = {m["id"]: m for m in corpus.stories(members=True).to_pylist()}
    assert (members[ids["wire"]]["rank"], members[ids["wire"]]["lag_seconds"]) == (0, 0)
    assert (members[ids["farm"]]["rank"], members[ids["farm"]]["lag_seconds"]) == (1, int(3.5 * 3600))
    assert (members[ids["gazette"]]["rank"], members[ids["gazette"]]["lag_seconds"]) == (2, 23 * 3600)
    assert {m["story_id"] for m in members.values()} == set(stories)
    assert len(members) == len(docs) == 4

    local = [s for s in stories.values() if s["members"] == 1]
    assert len(local) == 1 and local[0]["copies"] == 0 and local[0]["median_lag_seconds"] is None
    assert local[0]["source"] == "gazette" and local[0]["max_lag_seconds"] == 0


def _docs(rows: list[tuple[str, str, str | None, str]]) -> pa.Table:
    """(id, cluster_id, published, fetched_at) rows as a documents table with the stories columns."""
    def t(v: str | None) -> dt.datetime | None:
        return None if v is None else dt.datetime.fromisoformat(v).replace(tzinfo=UTC)

    return pa.table({
        "id": [r[0] for r in rows], "url": [f"http://x.example/{r[0]}" for r in rows],
        "source": [r[0].split("-")[0] for r in rows], "site": ["x.example"] * len(rows),
        "title": [r[0] for r in rows], "cluster_id": [r[1] for r in rows],
        "published": pa.array([t(r[2]) for r in rows], st.TIMESTAMP),
        "fetched_at": pa.array([t(r[3]) for r in rows], st.TIMESTAMP)})


def test_representative_rules_ties_and_missing_dates():
    stories, members = st.compute(_docs([
        # a tie on the publication time goes to the earliest fetched
        ("b-1", "c1", "2026-11-02T09:00:00", "2026-11-02T11:00:00"),
        ("a-1", "c1", "2026-11-02T09:00:00", "2026-11-02T10:00:00"),
        ("c-1", "c1", "2026-11-02T10:00:00", "2026-11-02T09:30:00"),
        # without a published date a member counts as published when fetched
        ("a-2", "c2", None, "2026-11-02T08:00:00"),
        ("b-2", "c2", "2026-11-02T09:00:00", "2026-11-02T12:00:00"),
        ("c-2", "c2", "2026-11-02T07:00:00", "2026-11-02T13:00:00"),
        ("d-2", "c2", None, "2026-11-02T07:30:00"),
    ]))
    s = {r["story_id"]: r for r in stories.to_pylist()}
    assert s["c1"]["representative_id"] == "a-1" and s["c1"]["median_lag_seconds"] == 1800  # lags 0 and 3600
    assert s["c2"]["representative_id"] == "c-2" and s["c2"]["published"] == dt.datetime(2026, 11, 2, 7, tzinfo=UTC)
    assert s["c2"]["median_lag_seconds"] == 3600 and s["c2"]["max_lag_seconds"] == 7200  # lags 1800, 3600, 7200
    assert s["c2"]["first_fetched_at"] == dt.datetime(2026, 11, 2, 7, 30, tzinfo=UTC)
    assert s["c1"]["sources"] == ["a", "b", "c"] and s["c2"]["members"] == 4
    order = [(m["story_id"], m["id"], m["rank"]) for m in members.to_pylist()]
    assert order == [("c1", "a-1", 0), ("c1", "b-1", 1), ("c1", "c-1", 2),
                     ("c2", "c-2", 0), ("c2", "d-2", 1), ("c2", "a-2", 2), ("c2", "b-2", 3)]
    assert stories.schema.equals(st.STORIES) and members.schema.equals(st.STORY_MEMBERS)
    empty, empty_members = st.compute(_docs([]))
    assert empty.num_rows == 0 and empty_members.num_rows == 0


def test_rebuilds_are_throttled_on_large_corpora(tmp_path, monkeypatch):
    now = [1000.0]
    built: list[float] = []

    def fake_rebuild(root: Path) -> dict:
        built.append(now[0])
        now[0] += 5.0  # a rebuild that takes 5 s (a very large corpus)
        return {}

    monkeypatch.setattr(st, "rebuild", fake_rebuild)
    u = st.Updater(tmp_path, clock=lambda: now[0], background=False)
    assert u.checkpoint(0)                       # the first checkpoint of a writer brings the table up to date
    now[0] += 10
    assert not u.checkpoint(0, run_end=True)     # nothing stored since
    assert not u.checkpoint(3)                   # inside a run: at most every max(60 s, 20 x 5 s)
    now[0] += 50
    assert not u.checkpoint(0, run_end=True)     # 60 s after the last one, 20 x 5 s = 100 s not reached
    now[0] += 40
    assert u.checkpoint(0, run_end=True)         # 100 s: due at the end of a run
    assert not u.checkpoint(1)
    assert u.checkpoint(0, final=True)           # closing the corpus: always, when something was stored
    assert not u.checkpoint(0, final=True)
    assert len(built) == 3


def test_stories_command_matches_the_demo_worlds_ground_truth(demo_crawled):
    """On conftest's crawl of the demo world (read only, shared with test_report.py)."""
    cfg, pages, urls = demo_crawled
    url_of = {id(p): urls[p.outlet, p.path] for p in pages}
    r = copydesk("stories", "-c", cfg, "--json", "--min-copies", "0")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    by_url = {s["url"]: s for s in out["stories"]}
    truth: dict[str, list] = {}
    for p in pages:
        truth.setdefault(p.story, []).append(p)
    assert len(out["stories"]) == len(truth)
    for key, members in truth.items():
        original = next(p for p in members if p.role == "original")
        s = by_url.get(url_of[id(original)])
        assert s is not None, f"{key}: the original ({original.outlet}) is not a representative"
        assert s["source"] == original.outlet and s["title"] == original.title, key
        assert s["copies"] == len(members) - 1, key
        assert s["sources"] == sorted({p.outlet for p in members}), key
        assert s["published"] == original.published_time.replace("+00:00", "Z"), key
        lags = sorted((dt.datetime.fromisoformat(p.published_time) - dt.datetime.fromisoformat(
            original.published_time)).total_seconds() for p in members if p.role == "copy")
        if lags:
            n = len(lags)
            assert s["median_lag_seconds"] == (lags[(n - 1) // 2] + lags[n // 2]) / 2, key
    # the filters
    r = copydesk("stories", "-c", cfg, "--json", "--source", "farm", "--min-copies", "2")
    farm = json.loads(r.stdout)["stories"]
    want = {k for k, m in truth.items() if len(m) >= 3 and any(p.outlet == "farm" for p in m)}
    assert farm and len(farm) == len(want) and all("farm" in s["sources"] and s["copies"] >= 2 for s in farm)
    r = copydesk("stories", "-c", cfg, "--json", "--since", "2026-03-04", "--min-copies", "0")
    assert {s["url"] for s in json.loads(r.stdout)["stories"]} == {
        url_of[id(p)] for p in pages if p.role == "original" and p.published_time >= "2026-03-04"}
    # the terminal table names the first publisher and the title
    r = copydesk("stories", "-c", cfg)
    assert r.returncode == 0 and "wire" in r.stdout and "Eleven dead" in r.stdout, r.stdout
    # `status` names the largest stories by title and first publisher
    r = copydesk("status", "-c", cfg, "--json")
    largest = json.loads(r.stdout)["largest_clusters"]
    titles = {p.title for p in pages if p.role == "original"}
    assert largest and all(c["title"] in titles and c["first_publisher"] == "wire" for c in largest), largest
    r = copydesk("status", "-c", cfg)
    assert "largest stories" in r.stdout and "first wire" in r.stdout, r.stdout
    # bad input: one line, status 2
    r = copydesk("stories", "-c", cfg, "--since", "yesterday-ish")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


def test_rebuilds_run_in_the_background_and_the_last_one_is_waited_for(tmp_path, monkeypatch):
    import threading
    import time

    calls: list[str] = []
    release = threading.Event()

    def slow_rebuild(root: Path) -> dict:
        calls.append(threading.current_thread().name)
        release.wait(10)
        return {}

    monkeypatch.setattr(st, "rebuild", slow_rebuild)
    u = st.Updater(tmp_path)
    t0 = time.monotonic()
    assert u.checkpoint(5)                        # started, not waited for: the crawler goes on
    assert time.monotonic() - t0 < 1 and u.running()
    assert not u.checkpoint(5, run_end=True)      # one rebuild at a time
    release.set()
    assert u.checkpoint(0, final=True)            # closing: waits for it, then rebuilds in the caller's thread
    assert not u.running() and u.rebuilds == 2
    assert calls == ["copydesk-stories", threading.current_thread().name]


def test_the_table_agrees_with_an_sql_reference_on_random_clusters():
    """20,000 documents in random clusters, with ties and missing dates: every member's rank and lag,
    every representative and median lag as DuckDB computes them from the definition."""
    import duckdb
    import numpy as np

    rng = np.random.default_rng(7)
    n = 20_000
    base = dt.datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    published = base + rng.integers(0, 50, n) * 3600.0  # hour steps: many ties
    fetched = base + rng.integers(0, 2000, n) * 60.0
    docs = pa.table({
        "id": [f"{i:016x}" for i in rng.permutation(n)], "url": [f"http://x.example/{i}" for i in range(n)],
        "source": [f"s{i}" for i in rng.integers(0, 9, n)], "site": [f"h{i}.example" for i in rng.integers(0, 9, n)],
        "title": [f"t{i}" for i in range(n)], "cluster_id": [f"c{i:05d}" for i in rng.integers(0, 6000, n)],
        "published": pa.array((published * 1e6).astype(np.int64), mask=rng.random(n) < 0.1).cast(st.TIMESTAMP),
        "fetched_at": pa.array((fetched * 1e6).astype(np.int64)).cast(st.TIMESTAMP)})
    stories, members = st.compute(docs)
    con = duckdb.connect()
    con.register("docs", docs)
    con.register("members", members)
    con.register("stories", stories)
    ref = """select cluster_id as story_id, id, row_number() over w - 1 as rank,
                    (epoch_us(coalesce(published, fetched_at)) - epoch_us(first_value(coalesce(published, fetched_at)) over w))
                    // 1000000 as lag_seconds
             from docs window w as (partition by cluster_id order by coalesce(published, fetched_at), fetched_at, id)"""
    mine = "select story_id, id, rank, lag_seconds from members"
    assert con.execute(f"select count(*) from (({ref}) except ({mine}))").fetchall() == [(0,)]
    assert con.execute(f"select count(*) from (({mine}) except ({ref}))").fetchall() == [(0,)]
    wrong = con.execute(f"""select count(*) from stories s join ({ref}) r on r.story_id = s.story_id and r.rank = 0
        left join (select story_id, median(lag_seconds) m, count(*) c from ({ref}) where rank > 0 group by story_id) x
          on x.story_id = s.story_id
        where r.id != s.representative_id or s.copies != coalesce(x.c, 0)
           or coalesce(abs(x.m - s.median_lag_seconds) > 1e-9, x.m is distinct from s.median_lag_seconds)""").fetchall()
    assert wrong == [(0,)] and stories.num_rows == docs.group_by("cluster_id").aggregate([]).num_rows
