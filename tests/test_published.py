"""A record's `published` (docs/corpus.md): the page's own statement of its publication, else the
date its feed or news sitemap gave, else null; never a copyright year, a link to another page or a
modification date. Real crawls (`copydesk crawl`) of pages served on 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlsplit

from copydesk.demo.synth import paragraphs
from copydesk.storage import Corpus
from sites import Route, Site, sitemap
from tests.run_cli import copydesk

UTC = dt.timezone.utc


def page(seed: int, title: str, *, head: str = "", inside: str = "", after: str = "") -> bytes:
    """An article page with no date of its own unless ``head`` or ``inside`` gives one; ``inside``
    goes at the end of the <article>, ``after`` after it (the page's furniture)."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs(seed))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><header><nav><a href='/'>Home</a></nav></header><main><article><h1>{title}</h1>"
            f"<p class='byline'>By Staff Reporter</p>{body}{inside}</article></main>{after}</body></html>").encode()


def rss(items: list[tuple[str, str | None]]) -> Route:
    """An RSS 2.0 feed of (url, RFC 822 pubDate or None) items."""
    entries = "".join(f"<item><title>t</title><link>{u}</link>{f'<pubDate>{d}</pubDate>' if d else ''}</item>"
                      for u, d in items)
    return Route(f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title><link>http://x.invalid/</link>'
                 f"{entries}</channel></rss>".encode(), content_type="application/rss+xml")


def crawl(tmp_path: Path, sources: str, extra: str = "") -> dict[str, dict]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'corpus = "c"\n{extra}\n[crawl]\nobey_robots = false\n{sources}')
    r = copydesk("crawl", "-c", cfg)
    assert r.returncode == 0, r.stderr
    return {urlsplit(d["url"]).path: d for d in Corpus(tmp_path / "c").documents()}


FURNITURE = {  # path -> (inside the article, after it): none of these dates is the page's publication
    "/b/footer.html": ("", "<footer><p>&copy; 2021 Riverside Blog. All rights reserved.</p></footer>"),
    "/b/archive.html": ("<p><a href='/archive/2024/'>Archive 2024</a></p>", ""),
    "/b/related.html": ("<p>Related: <a href='/2019/05/17/old-story.html'>an older story</a></p>", ""),
    "/b/related-list.html": ("", "<aside class='related'><ul><li><a href='/x.html'>Older</a> "
                                 "<time datetime='2020-03-04T05:06:07Z'>4 March 2020</time></li></ul></aside>"),
    "/b/comment.html": ("<div class='comments'><p>Great!</p><time datetime='2025-02-03T10:00:00Z'>3 Feb</time>"
                        "</div>", ""),
    "/b/copyright-meta.html": ("", ""),
    "/b/modified-only.html": ("<p class='meta'>Updated 3 November 2026</p>", ""),
}
HEADS = {
    "/b/copyright-meta.html": '<meta name="copyrightyear" content="2020">',
    "/b/modified-only.html": ('<meta property="article:modified_time" content="2026-11-03T10:00:00Z">'
                              '<script type="application/ld+json">{"@type": "NewsArticle", '
                              '"dateModified": "2026-11-03T10:00:00Z"}</script>'),
}


def test_a_page_that_states_no_publication_date_gets_none_from_its_furniture(tmp_path):
    """A footer's copyright year, links to a year archive or an older story, a related list's or a
    comment's <time>, a copyright-year meta, a modification date: `published` stays null (the
    feed dates nothing here), and `stories` names the wire, whose page is dated, as first publisher
    of a story a blog reposted without a date."""
    wire_story = paragraphs(4242)
    with Site() as site:
        for i, (path, (inside, after)) in enumerate(FURNITURE.items()):
            site.routes[path] = Route(page(600 + i, f"Blog post {i}", head=HEADS.get(path, ""), inside=inside,
                                           after=after))
        site.routes["/b/canal.html"] = Route(page(4242, "Canal lock to be rebuilt", after=FURNITURE["/b/footer.html"][1]))
        site.routes["/w/canal.html"] = Route(page(4242, "Canal lock to be rebuilt",
                                                  head='<meta property="article:published_time" '
                                                       'content="2026-12-01T08:00:00Z">'))
        site.routes["/blog.xml"] = rss([(site.url(p), None) for p in [*FURNITURE, "/b/canal.html"]])
        site.routes["/wire.xml"] = rss([(site.url("/w/canal.html"), None)])
        docs = crawl(tmp_path, f'[[sources]]\nname = "blog"\nfeeds = ["{site.url("/blog.xml")}"]\n'
                               f'[[sources]]\nname = "wire"\nfeeds = ["{site.url("/wire.xml")}"]\n')
        assert wire_story[0] in docs["/w/canal.html"]["text"]
    assert {p: docs[p]["published"] for p in [*FURNITURE, "/b/canal.html"]} == \
        {p: None for p in [*FURNITURE, "/b/canal.html"]}
    assert docs["/w/canal.html"]["published"] == dt.datetime(2026, 12, 1, 8, tzinfo=UTC)
    r = copydesk("stories", "-c", tmp_path / "c.toml", "--json")
    assert r.returncode == 0, r.stderr
    canal = [s for s in json.loads(r.stdout)["stories"] if s["title"] == "Canal lock to be rebuilt"]
    assert [(s["source"], s["published"]) for s in canal] == [("wire", "2026-12-01T08:00:00Z")]


def test_the_pages_own_dates_are_read(tmp_path):
    """What a page says of its own publication: a publication <meta> (with milliseconds and a
    short offset), JSON-LD datePublished rather than dateCreated or dateModified, a <time pubdate>
    of the article, the date in its own URL (with the time of day of its byline's <time>), a
    written-out date in its byline."""
    pages = {
        "/p/meta.html": page(701, "Meta", head='<meta property="article:modified_time" content="2026-11-20T10:00:00Z">'
                                               '<meta property="article:published_time" content="2026-11-10T12:45:36.270+01">'),
        "/p/ld.html": page(702, "LD", head='<script type="application/ld+json">{"@type": "NewsArticle", '
                                          '"dateCreated": "2026-11-01T09:00:00Z", "dateModified": "2026-11-05T09:00:00Z", '
                                          '"datePublished": "2026-11-02T09:30:00+01:00"}</script>'),
        "/p/time.html": page(703, "Time", inside="<p>Filed <time pubdate datetime='2026-11-03T06:15:00Z'>"
                                                 "3 Nov</time></p>",
                             after="<footer><time datetime='2026-12-05T00:00:00Z'>today</time></footer>"),
        "/2026/11/04/url.html": page(704, "URL", inside="<p><time datetime='2026-11-04T07:20:00-05:00'>Nov 4"
                                                        "</time></p>"),
        "/p/byline.html": page(705, "Byline", inside="<p class='dateline'>Published 5 November 2026</p>"),
    }
    with Site() as site:
        site.routes.update({p: Route(b) for p, b in pages.items()})
        site.routes["/f.xml"] = rss([(site.url(p), "Tue, 01 Dec 2026 10:00:00 +0000") for p in pages])
        docs = crawl(tmp_path, f'[[sources]]\nname = "s"\nfeeds = ["{site.url("/f.xml")}"]\n')
    assert {p: docs[p]["published"] for p in pages} == {
        "/p/meta.html": dt.datetime(2026, 11, 10, 11, 45, 36, tzinfo=UTC),
        "/p/ld.html": dt.datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        "/p/time.html": dt.datetime(2026, 11, 3, 6, 15, tzinfo=UTC),
        "/2026/11/04/url.html": dt.datetime(2026, 11, 4, 12, 20, tzinfo=UTC),
        "/p/byline.html": dt.datetime(2026, 11, 5, tzinfo=UTC),
    }


def test_the_feed_or_news_sitemap_dates_a_page_that_has_no_date_of_its_own(tmp_path):
    """RSS pubDate, RDF dc:date and news:publication_date become `published` of an undated page;
    a page's own date wins over its feed's; a page dated by day only takes the feed's time of day
    when the feed dates it the same day."""
    with Site() as site:
        site.routes.update({
            "/a/rss.html": Route(page(801, "Beekeepers count hives")),
            "/a/rdf.html": Route(page(802, "Lighthouse repainted")),
            "/a/news.html": Route(page(803, "Observatory dome repaired")),
            "/a/own.html": Route(page(804, "Own date", head='<meta property="article:published_time" '
                                                            'content="2026-11-20T07:00:00Z">')),
            "/2026/11/25/day.html": Route(page(805, "Day only")),
            "/a/plain.html": Route(page(806, "Ferry timetable changes")),
        })
        # a plain sitemap's <lastmod> says when the page changed: no publication date
        site.routes["/plain.xml"] = Route(sitemap([site.url("/a/plain.html")]), content_type="application/xml")
        site.routes["/feed.xml"] = rss([(site.url("/a/rss.html"), "Tue, 01 Dec 2026 10:00:00 +0100"),
                                        (site.url("/a/own.html"), "Wed, 02 Dec 2026 10:00:00 +0000"),
                                        (site.url("/2026/11/25/day.html"), "Wed, 25 Nov 2026 16:40:00 +0000")])
        site.routes["/rdf.xml"] = Route(
            f'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="{site.url("/")}"><title>r</title><link>{site.url("/")}</link></channel>'
            f'<item rdf:about="{site.url("/a/rdf.html")}"><title>Lighthouse repainted</title>'
            f'<link>{site.url("/a/rdf.html")}</link><dc:date>2026-11-30T22:15:00-02:00</dc:date></item>'
            f"</rdf:RDF>".encode(), content_type="application/rdf+xml")
        site.routes["/news.xml"] = Route(
            f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>{site.url("/a/news.html")}</loc>'
            f"<news:news><news:publication><news:name>Gazette</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>2026-12-02T06:30:00+01:00</news:publication_date>"
            f"<news:title>Observatory dome repaired</news:title></news:news></url></urlset>".encode(),
            content_type="application/xml")
        docs = crawl(tmp_path, f'[[sources]]\nname = "s"\nfeeds = ["{site.url("/feed.xml")}", '
                               f'"{site.url("/rdf.xml")}"]\nsitemaps = ["{site.url("/news.xml")}", "{site.url("/plain.xml")}"]\n')
    assert {p: d["published"] for p, d in docs.items()} == {
        "/a/rss.html": dt.datetime(2026, 12, 1, 9, tzinfo=UTC),
        "/a/rdf.html": dt.datetime(2026, 12, 1, 0, 15, tzinfo=UTC),
        "/a/news.html": dt.datetime(2026, 12, 2, 5, 30, tzinfo=UTC),
        "/a/own.html": dt.datetime(2026, 11, 20, 7, tzinfo=UTC),
        "/2026/11/25/day.html": dt.datetime(2026, 11, 25, 16, 40, tzinfo=UTC),
        "/a/plain.html": None,
    }


def test_filter_since_judges_a_fresh_article_by_its_feed_date_not_its_footer(tmp_path):
    """[filter] since: an article its feed dates after `since` whose footer says (c) 2021 is
    stored; one whose own metadata dates it before `since` is skipped although its feed dates it
    later (a re-listing)."""
    with Site() as site:
        site.routes["/a/new.html"] = Route(page(901, "Fresh story with old footer",
                                                after="<footer><p>&copy; 2021 Riverside Blog</p></footer>"))
        site.routes["/a/old.html"] = Route(page(902, "Old story relisted", head='<meta property="article:published_time" '
                                                                                'content="2026-10-01T08:00:00Z">'))
        site.routes["/f.xml"] = rss([(site.url("/a/new.html"), "Sat, 05 Dec 2026 10:00:00 +0000"),
                                     (site.url("/a/old.html"), "Sat, 05 Dec 2026 11:00:00 +0000")])
        docs = crawl(tmp_path, f'[[sources]]\nname = "s"\nfeeds = ["{site.url("/f.xml")}"]\n',
                     '[filter]\nsince = "2026-11-01"\n')
    assert {p: d["published"] for p, d in docs.items()} == {"/a/new.html": dt.datetime(2026, 12, 5, 10, tzinfo=UTC)}


def test_clean_without_a_url_reads_the_same_dates(tmp_path):
    """`copydesk clean FILE` (no feed, no URL): the page's own date, or none; not the footer's year."""
    (tmp_path / "furniture.html").write_bytes(page(950, "Footer only", after=FURNITURE["/b/footer.html"][1]))
    (tmp_path / "dated.html").write_bytes(page(951, "Dated", inside="<p class='byline'>Publicado el martes 12 de "
                                                                     "marzo de 2024</p>", after=FURNITURE["/b/footer.html"][1]))
    out = {}
    for name in ("furniture", "dated"):
        r = copydesk("clean", "--json", tmp_path / f"{name}.html")
        assert r.returncode == 0, r.stderr
        out[name] = json.loads(r.stdout)["published"]
    assert out == {"furniture": None, "dated": "2024-03-12"}
