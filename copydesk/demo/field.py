"""The field test's news world: a dozen outlets living through simulated days, on loopback.

Built on the demo world's parts (the outlet page templates of :mod:`copydesk.demo.outlets` and the
servers of :mod:`copydesk.demo.serving`). Every simulated day (``advance()``) the wire publishes
new stories, newspapers, blogs and content farms reprint and repost them (some a day or two
later), papers publish stories of their own, farms re-syndicate old stories (weeks old, or years
old from a paper's archive), outlets go down for days and come back, and one outlet's feed moves
to another host. Feeds, section pages and sitemaps change with every day (``ETag`` and
``Last-Modified`` with them). Every host is its own loopback address (127.0.1.N), answers from
memory, and counts its requests in flight.

The ground truth: ``articles()`` with the story each page belongs to, and ``expected(day)``, what a
crawler that keeps up must have stored by the end of a day.

Standard library only. See docs/demo.md ("The field world").
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import random
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable, Mapping
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

from .outlets import ARTICLE_TEMPLATES, PageInfo, farm_title
from .serving import NOT_FOUND, Answer, InFlight, LoopbackServer, Resource, conditional_answer, loopback_hosts
from .synth import story as synth_story

__all__ = ["FieldWorld", "FieldArticle", "FieldOutlet", "FIELD_OUTLETS"]

DAY0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)   # simulated day d is DAY0 + d days
FEED_DAYS = 10            # feeds, news sitemaps and section pages list the last 10 days (longer than any outage)
ARCHIVE_YEARS = range(2014, 2021)
_STATIC = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class FieldOutlet:
    key: str
    kind: str                     # "wire", "paper", "blog", "farm"
    template: str                 # key of copydesk.demo.outlets.ARTICLE_TEMPLATES
    discovery: str                # "rss", "atom+sitemaps", "sections", "archive", "sitemap"
    feed_host: str                # host key serving the discovery documents
    article_host: str             # host key serving the article pages
    moved_feed_host: str | None = None   # from `move_day` the feed host answers 301 to this host


FIELD_OUTLETS: tuple[FieldOutlet, ...] = (
    FieldOutlet("wire", "wire", "wire", "rss", "wire", "wire"),
    FieldOutlet("gazette", "paper", "gazette", "atom+sitemaps", "gazette", "gazette"),
    FieldOutlet("ledger", "paper", "ledger", "sections", "ledger", "ledger"),
    FieldOutlet("chronicle", "paper", "gazette", "archive", "chronicle", "chronicle"),
    # a feed on a host of its own (feeds.courier) linking articles on another (www.courier)
    FieldOutlet("courier", "paper", "wire", "rss", "courier-feeds", "courier-www"),
    # a feed that moves to another host: the old one answers 301 from the move day on
    FieldOutlet("herald", "paper", "ledger", "rss", "herald-feeds", "herald-www", moved_feed_host="herald-rss"),
    FieldOutlet("alderwatch", "blog", "blog", "rss", "alderwatch", "alderwatch"),
    FieldOutlet("harbourlog", "blog", "blog", "rss", "harbourlog", "harbourlog"),
    FieldOutlet("valleynotes", "blog", "blog", "rss", "valleynotes", "valleynotes"),
    FieldOutlet("newsdeskhub", "farm", "farm", "sitemap", "newsdeskhub", "newsdeskhub"),
    FieldOutlet("dailybuzz", "farm", "farm", "sitemap", "dailybuzz", "dailybuzz"),
    FieldOutlet("trendwire", "farm", "farm", "sitemap", "trendwire", "trendwire"),
)
OUTLET_BY_KEY = {o.key: o for o in FIELD_OUTLETS}
HOST_KEYS: tuple[str, ...] = tuple(dict.fromkeys(
    h for o in FIELD_OUTLETS for h in (o.feed_host, o.article_host, o.moved_feed_host) if h))
_ENCODING = {"ledger": "windows-1252"}   # by template
LEDGER_FOLLOW = r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+\.html$"
CONCURRENCY = 16          # crawl.concurrency of the config: requests in flight, all hosts together


@dataclass(frozen=True)
class FieldArticle:
    """Ground truth of one article page."""

    outlet: str
    path: str
    story: str                    # pages with the same story are copies of one story
    role: str                     # "original", "copy" or "resyndicated"
    title: str
    paragraphs: tuple[str, ...]
    published_time: str           # ISO 8601 UTC
    day: int                      # simulated day it appears (archive pages: 0)
    disallowed: bool = False      # robots.txt disallows it (never to be fetched)
    archive: bool = False         # listed only in an archive sitemap (years old)

    @property
    def offsite(self) -> bool:
        """Listed by a feed on another host than the article's own."""
        o = OUTLET_BY_KEY[self.outlet]
        return o.feed_host != o.article_host


@dataclass
class _Plan:
    """What happens when, decided up front from the seed."""

    outages: list[tuple[str, int, int]] = field(default_factory=list)   # (outlet, first day down, last day down)
    move_day: int = 2


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _slug(text: str, words: int = 8) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words])


class FieldWorld:
    """``days`` simulated days of news on a dozen outlets; ``advance()`` moves to the next day."""

    def __init__(self, seed: int = 0, days: int = 60, *, wire_per_day: int = 3, archive_per_year: int = 10,
                 outages: list[tuple[str, int, int]] | None = None, move_day: int | None = None):
        self.seed, self.days = seed, days
        self.rng = random.Random(seed)
        self.plan = _Plan()
        self.plan.move_day = move_day if move_day is not None else max(2, days // 3)
        self.plan.outages = outages if outages is not None else self._plan_outages()
        self._articles: list[FieldArticle] = []
        self._by_path: dict[tuple[str, str], FieldArticle] = {}
        self._story_n = 0
        self._build(wire_per_day, archive_per_year)
        self.day = 0
        # an index's <lastmod>s: when its sitemaps last changed, on the real clock (the protocol's
        # meaning), not the simulated dates of the articles in them
        self._changed_at = dt.datetime.now(dt.timezone.utc)
        self._lock = threading.RLock()
        self._cache: dict[tuple[str, str], Resource | None] = {}      # discovery documents of the day
        self._pages: dict[tuple[str, str], Resource] = {}             # article pages, for good
        self.in_flight = InFlight()
        self.fetched: list[tuple[float, str, str, str, int]] = []  # (time, host key, method, path, status), every request
        self._servers: dict[str, LoopbackServer] = {}

    # ------------------------------------------------------------------ the plan
    def _plan_outages(self) -> list[tuple[str, int, int]]:
        """A few outlets down for 1 to 4 days each (never the wire, never on day 1)."""
        out = []
        candidates = [o.key for o in FIELD_OUTLETS if o.key not in ("wire", "herald")]
        self.rng.shuffle(candidates)
        n = max(1, self.days // 12)
        for i, key in enumerate(candidates[:n]):
            length = self.rng.randint(1, min(4, max(1, self.days // 4)))
            first = self.rng.randint(2, max(2, self.days - length - 1))
            out.append((key, first, first + length - 1))
        return out

    def down(self, outlet: str, day: int | None = None) -> bool:
        d = self.day if day is None else day
        return any(k == outlet and a <= d <= b for k, a, b in self.plan.outages)

    def _new_story(self) -> tuple[str, str, str, list[str]]:
        self._story_n += 1
        n = self.seed * 1_000_000 + self._story_n
        headline, city, paras = synth_story(n, n=6 + n % 2)
        return f"s{self._story_n}", headline, city, paras

    def _add(self, a: FieldArticle) -> None:
        key = (a.outlet, a.path)
        assert key not in self._by_path, key
        self._by_path[key] = a
        self._articles.append(a)

    def _path(self, outlet: str, title: str, t: dt.datetime, n: int, archive: bool = False, embargoed: bool = False) -> str:
        o = OUTLET_BY_KEY[outlet]
        slug = _slug(title)
        if o.kind == "wire":
            return f"/{'embargoed' if embargoed else 'stories'}/{t:%Y-%m-%d}/{slug}"
        if o.template == "ledger":
            return f"/{t:%Y/%m/%d}/{slug}-{n}.html"
        if o.kind == "blog":
            return f"/{t:%Y/%m}/{slug}-{n}.html"
        if o.kind == "farm":
            return f"/{t:%Y/%m/%d}/{slug}/"
        return f"/{'archive/' if archive else 'news/'}{t:%Y/%m}/{slug}-{n}"

    def _build(self, wire_per_day: int, archive_per_year: int) -> None:
        rng = self.rng
        papers = [o.key for o in FIELD_OUTLETS if o.kind == "paper"]
        blogs = [o.key for o in FIELD_OUTLETS if o.kind == "blog"]
        farms = [o.key for o in FIELD_OUTLETS if o.kind == "farm"]
        originals: list[FieldArticle] = []
        archive: list[FieldArticle] = []
        n = 0
        # the chronicle's archive: years-old articles, out from day 0
        for year in ARCHIVE_YEARS:
            for _ in range(archive_per_year):
                key, headline, city, paras = self._new_story()
                t = dt.datetime(year, rng.randint(1, 12), rng.randint(1, 28), rng.randint(6, 20), rng.randint(0, 59),
                                tzinfo=dt.timezone.utc)
                n += 1
                a = FieldArticle("chronicle", self._path("chronicle", headline, t, n, archive=True), key, "original",
                                 headline, tuple(paras), _iso(t), 0, archive=True)
                self._add(a)
                archive.append(a)
        for day in range(1, self.days + 1):
            base = DAY0 + dt.timedelta(days=day)
            for i in range(wire_per_day):
                key, headline, city, paras = self._new_story()
                t = base + dt.timedelta(hours=5 + 4 * i, minutes=rng.randint(0, 59))
                embargoed = day % 7 == 3 and i == 0
                n += 1
                md = f"{t:%B} {t.day}"
                wire_paras = (f"{city}, {md} (Meridian Press) — {paras[0]}", *paras[1:])
                a = FieldArticle("wire", self._path("wire", headline, t, n, embargoed=embargoed), key, "original",
                                 headline, wire_paras, _iso(t), day, disallowed=embargoed)
                self._add(a)
                if embargoed:
                    continue
                originals.append(a)
                # reprints and reposts, the same day or up to two days later
                takers = rng.sample(papers, rng.randint(0, 2)) + rng.sample(blogs, rng.randint(0, 1)) \
                    + rng.sample(farms, rng.randint(0, 2))
                for outlet in takers:
                    delay = rng.choice((0, 0, 0, 1, 2))
                    self._copy(a, paras, city, md, outlet, day + delay, rng, n := n + 1)
            for paper in papers:            # each paper's own story of the day
                key, headline, city, paras = self._new_story()
                t = base + dt.timedelta(hours=rng.randint(4, 21), minutes=rng.randint(0, 59))
                n += 1
                self._add(FieldArticle(paper, self._path(paper, headline, t, n), key, "original", headline,
                                       tuple(paras), _iso(t), day))
            if day % 3 == 2:                # a farm re-syndicates an old story: a wire story or an archive one
                old = [x for x in originals if x.day <= day - 5]
                source = rng.choice(archive) if (day % 6 == 2 or not old) else rng.choice(old)
                farm = rng.choice(farms)
                t = base + dt.timedelta(hours=rng.randint(8, 20))
                n += 1
                paras = list(source.paragraphs)
                if source.outlet == "wire":
                    paras[0] = paras[0].split(" — ", 1)[1]
                title = farm_title(source.title)
                path = self._path(farm, f"{title} {n}", t, n)
                self._add(FieldArticle(farm, path, source.story, "resyndicated", title, tuple(paras[:-1]), _iso(t), day))

    def _copy(self, orig: FieldArticle, paras: list[str], city: str, md: str, outlet: str, day: int,
              rng: random.Random, n: int) -> None:
        if day > self.days:
            return
        kind = OUTLET_BY_KEY[outlet].kind
        t = DAY0 + dt.timedelta(days=day, hours=rng.randint(1, 22), minutes=rng.randint(0, 59))
        if kind == "paper":
            body = [f"{city}, {md} (Meridian) — {paras[0]}", *paras[1:]]
            body = body[:len(body) - rng.randint(0, 1)]
            if rng.random() < 0.5:
                body.append("Additional reporting by the newsdesk.")
            title = "Update: " + orig.title
        elif kind == "blog":
            body, title = list(orig.paragraphs), orig.title
        else:
            body = list(paras[:len(paras) - rng.randint(1, 2)])
            title = farm_title(orig.title)
        self._add(FieldArticle(outlet, self._path(outlet, f"{title} {n}", t, n), orig.story, "copy", title,
                               tuple(body), _iso(t), day))

    # ------------------------------------------------------------------ ground truth
    def articles(self, *, through: int | None = None) -> list[FieldArticle]:
        d = self.days if through is None else through
        return [a for a in self._articles if a.day <= d]

    def up_days(self, outlet: str, first: int, last: int) -> list[int]:
        return [d for d in range(first, last + 1) if not self.down(outlet, d)]

    def expected(self, day: int | None = None) -> list[FieldArticle]:
        """What a polite crawler that keeps up has stored by the end of ``day``: every article out by
        then that robots.txt allows, unless its outlet has been down every day since it came out."""
        d = self.day if day is None else day
        return [a for a in self.articles(through=d) if not a.disallowed and self.up_days(a.outlet, max(a.day, 1), d)]

    def stories(self) -> dict[str, list[FieldArticle]]:
        out: dict[str, list[FieldArticle]] = {}
        for a in self._articles:
            out.setdefault(a.story, []).append(a)
        return out

    def url(self, a: FieldArticle) -> str:
        return self.base(OUTLET_BY_KEY[a.outlet].article_host) + a.path

    def article_for_url(self, url: str) -> FieldArticle | None:
        """The article a stored URL points to (None for anything else)."""
        parts = urlsplit(url)
        outlet = self._outlet_at().get(parts.netloc)
        return self._by_path.get((outlet, parts.path)) if outlet else None

    def _outlet_at(self) -> dict[str, str]:
        """host:port of each outlet's article host -> outlet key."""
        return {f"{self._servers[o.article_host].host}:{self._servers[o.article_host].port}": o.key
                for o in FIELD_OUTLETS}

    # ------------------------------------------------------------------ serving
    def start(self) -> None:
        hosts = loopback_hosts(len(HOST_KEYS), first=2, prefix="127.0.1.")
        for key, h in zip(HOST_KEYS, hosts):
            srv = LoopbackServer(key, self._responder(key), host=h, meter=self.in_flight)
            srv.start()
            self._servers[key] = srv

    def stop(self) -> None:
        for srv in self._servers.values():
            srv.stop()

    def __enter__(self) -> "FieldWorld":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def base(self, host_key: str) -> str:
        return self._servers[host_key].base

    def host(self, host_key: str) -> str:
        return self._servers[host_key].host

    def advance(self) -> int:
        """Move to the next simulated day: publish its articles, take outlets down or bring them
        back, move the herald's feed. Returns the new day."""
        with self._lock:
            self.day += 1
            self._changed_at = dt.datetime.now(dt.timezone.utc)
            self._cache.clear()
            self._warm()
        for o in FIELD_OUTLETS:
            hosts = {o.feed_host, o.article_host} | ({o.moved_feed_host} if o.moved_feed_host else set())
            for h in hosts:
                srv = self._servers[h]
                if self.down(o.key):
                    srv.stop()
                else:
                    srv.start()
        return self.day

    def _responder(self, host_key: str) -> Callable[[str, str, Mapping[str, str]], Answer]:
        def respond(method: str, raw_path: str, headers: Mapping[str, str]) -> Answer:
            answer = self._respond(host_key, raw_path, headers)
            with self._lock:
                self.fetched.append((time.time(), host_key, method, raw_path, answer[0]))
            return answer
        return respond

    def _respond(self, host_key: str, raw_path: str, headers: Mapping[str, str]) -> Answer:
        path = urlsplit(raw_path).path or "/"
        with self._lock:
            day = self.day
            for o in FIELD_OUTLETS:
                if o.feed_host == host_key and o.moved_feed_host and day >= self.plan.move_day and path == "/rss.xml":
                    return 301, [("Location", self.base(o.moved_feed_host) + "/rss.xml"),
                                 ("Content-Type", "text/html")], b"moved"
            res = self._cached(host_key, path, day)
        if res is None:
            return NOT_FOUND
        return conditional_answer(res, headers)

    def _cached(self, host_key: str, path: str, day: int) -> Resource | None:
        k = (host_key, path)
        if k in self._pages:
            return self._pages[k]
        if k not in self._cache:
            res = self._resource(host_key, path, day)
            if res is not None and res.content_type.startswith("text/html") and path not in ("/", "/world/"):
                self._pages[k] = res      # an article page never changes
            else:
                self._cache[k] = res
        return self._cache[k] if k in self._cache else self._pages[k]

    def _warm(self) -> None:
        """Render the day's new pages and documents before anyone asks: every answer comes from memory."""
        day = self.day
        for o in FIELD_OUTLETS:
            if self.down(o.key):
                continue
            for a in self._articles:
                if a.outlet == o.key and (a.day == day or (a.archive and day == 1)):
                    self._cached(o.article_host, a.path, day)
            feed_host = o.moved_feed_host if o.moved_feed_host and day >= self.plan.move_day else o.feed_host
            for path in ("/rss.xml", "/atom.xml", "/sitemap.xml", "/news-sitemap.xml", "/sitemap-all.xml", "/world/",
                         "/robots.txt", *(f"/archive-{y}.xml" for y in ARCHIVE_YEARS)):
                self._cached(feed_host, path, day)

    # ------------------------------------------------------------------ documents
    def _resource(self, host_key: str, path: str, day: int) -> Resource | None:
        if path == "/robots.txt":
            body = "User-agent: *\nDisallow: /embargoed/\nDisallow: /admin/\n"
            return Resource("text/plain; charset=utf-8", body.encode(), _STATIC)
        for o in FIELD_OUTLETS:
            if o.article_host == host_key:
                a = self._by_path.get((o.key, path))
                if a is not None and a.day <= day:
                    return self._article(o, a)
        for o in FIELD_OUTLETS:
            feed_here = o.feed_host == host_key or (o.moved_feed_host == host_key and day >= self.plan.move_day)
            if feed_here:
                res = self._discovery(o, path, day)
                if res is not None:
                    return res
        return None

    def _visible(self, o: FieldOutlet, day: int, window: int | None = FEED_DAYS) -> list[FieldArticle]:
        out = [a for a in self._articles if a.outlet == o.key and a.day <= day and not a.archive
               and (window is None or a.day > day - window)]
        return sorted(out, key=lambda a: (a.published_time, a.path), reverse=True)

    def _article(self, o: FieldOutlet, a: FieldArticle) -> Resource:
        related = [(x.title, x.path) for x in self._visible(o, a.day, 2) if x.path != a.path][:3]
        info = PageInfo(outlet=o.key, path=a.path, story=a.story, role="original" if a.role == "original" else "copy",
                        title=a.title, paragraphs=a.paragraphs, author="Staff", published_time=a.published_time,
                        description=a.paragraphs[0][:150], section="world", batch=0, num=zlib.crc32(a.path.encode()) % 10**6,
                        related=related, labels=("news",))
        html, _ = ARTICLE_TEMPLATES[o.template](info, self.base(o.article_host))
        enc = _ENCODING.get(o.template, "utf-8")
        ctype = "text/html" if enc != "utf-8" else "text/html; charset=utf-8"
        return Resource(ctype, html.encode(enc), dt.datetime.fromisoformat(a.published_time))

    def _discovery(self, o: FieldOutlet, path: str, day: int) -> Resource | None:
        items = self._visible(o, day)
        art = self.base(o.article_host)
        last = max((dt.datetime.fromisoformat(a.published_time) for a in items), default=_STATIC)
        if o.discovery == "rss" and path == "/rss.xml":
            return Resource("application/rss+xml; charset=utf-8", _rss(o.key, art, items).encode(), last)
        if o.discovery == "atom+sitemaps":
            if path == "/atom.xml":
                return Resource("application/atom+xml; charset=utf-8", _atom(o.key, art, items).encode(), last)
            if path == "/sitemap.xml":
                own = self.base(o.feed_host)
                locs = [own + "/news-sitemap.xml", own + "/sitemap-all.xml"]
                return Resource("application/xml", _index(locs, self._changed_at).encode(), last)
            if path == "/news-sitemap.xml":
                return Resource("application/xml", _urlset(art, self._visible(o, day, 2), news=o.key).encode(), last)
            if path == "/sitemap-all.xml":
                return Resource("application/xml", _urlset(art, self._visible(o, day, None)).encode(), last)
        if o.discovery == "archive":
            own = self.base(o.feed_host)
            if path == "/sitemap.xml":
                locs = [own + "/news-sitemap.xml"] + [own + f"/archive-{y}.xml" for y in ARCHIVE_YEARS]
                return Resource("application/xml", _index(locs, self._changed_at).encode(), last)
            if path == "/news-sitemap.xml":
                return Resource("application/xml", _urlset(art, items, news=o.key).encode(), last)
            m = re.fullmatch(r"/archive-(\d{4})\.xml", path)
            if m:
                old = [a for a in self._articles if a.outlet == o.key and a.archive
                       and a.published_time.startswith(m.group(1))]
                return Resource("application/xml", _urlset(art, old).encode(), _STATIC)
        if o.discovery == "sitemap" and path == "/sitemap.xml":
            return Resource("application/xml", _urlset(art, items).encode(), last)
        if o.discovery == "sections" and path in ("/world/", "/"):
            links = "\n".join(f'<li><a href="{_x(a.path)}">{_x(a.title)}</a></li>' for a in items)
            extra = '<li><a href="/about/">About</a></li><li><a href="/tag/news/">News</a></li>'
            html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="windows-1252"><title>World</title></head>'
                    f'<body><h1>World</h1><ul class="articles">{links}</ul><ul>{extra}</ul></body></html>')
            return Resource("text/html", html.encode("windows-1252", "replace"), last)
        return None

    # ------------------------------------------------------------------ config
    def config_toml(self, corpus: str, *, interval: str = "3s", jitter: str = "0.3s", per_host: int = 2,
                    checkpoint: str = "1s", allowed_domains: bool = True, without: frozenset[str] = frozenset()) -> str:
        """``allowed_domains=False`` leaves the key out everywhere, ``without`` for those sources only
        (a deployment whose config is fixed later)."""
        q = json.dumps
        lines = [f"corpus = {q(corpus)}", "", "[crawl]", 'user_agent = "copydesk-field (+http://127.0.0.1/)"',
                 "obey_robots = true", "timeout = 5", "retries = 1", f"concurrency = {CONCURRENCY}",
                 f"per_host_concurrency = {per_host}", f"checkpoint_interval = {q(checkpoint)}", "",
                 "[schedule]", f"interval = {q(interval)}", f"jitter = {q(jitter)}"]
        for o in FIELD_OUTLETS:
            feed = self.base(o.feed_host)
            lines += ["", "[[sources]]", f"name = {q(o.key)}"]
            if o.discovery == "rss":
                lines.append(f"feeds = [{q(feed + '/rss.xml')}]")
            elif o.discovery == "atom+sitemaps":
                lines += [f"feeds = [{q(feed + '/atom.xml')}]", f"sitemaps = [{q(feed + '/sitemap.xml')}]"]
            elif o.discovery in ("archive", "sitemap"):
                lines.append(f"sitemaps = [{q(feed + '/sitemap.xml')}]")
            elif o.discovery == "sections":
                lines += [f"start_urls = [{q(feed + '/world/')}]", f"follow = ['{LEDGER_FOLLOW}']"]
            extra = [self.host(h) for h in (o.article_host, o.moved_feed_host) if h and h != o.feed_host]
            if extra and allowed_domains and o.key not in without:
                lines.append(f"allowed_domains = [{', '.join(q(h) for h in dict.fromkeys(extra))}]")
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- documents
def _x(s: str) -> str:
    return xml_escape(s, {'"': "&quot;"})


def _rss(name: str, base: str, items: list[FieldArticle]) -> str:
    out = []
    for a in items:
        pub = email.utils.format_datetime(dt.datetime.fromisoformat(a.published_time))
        out.append(f"<item><title>{_x(a.title)}</title><link>{_x(base + a.path)}</link>"
                   f'<guid isPermaLink="true">{_x(base + a.path)}</guid><pubDate>{pub}</pubDate></item>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{_x(name)}</title><link>{_x(base)}/</link><description>{_x(name)}</description>"
            + "\n".join(out) + "</channel></rss>\n")


def _atom(name: str, base: str, items: list[FieldArticle]) -> str:
    out = []
    for a in items:
        out.append(f"<entry><id>{_x(base + a.path)}</id><title>{_x(a.title)}</title>"
                   f'<link rel="alternate" href="{_x(base + a.path)}"/><published>{a.published_time}</published>'
                   f"<updated>{a.published_time}</updated></entry>")
    updated = items[0].published_time if items else _iso(_STATIC)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{_x(name)}</title><id>{_x(base)}/</id><updated>{updated}</updated>" + "\n".join(out) + "</feed>\n")


def _index(locs: list[str], changed: dt.datetime) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{_x(u)}</loc><lastmod>{changed.isoformat(timespec='microseconds')}</lastmod></sitemap>" for u in locs)
            + "</sitemapindex>\n")


def _urlset(base: str, items: list[FieldArticle], news: str | None = None) -> str:
    out = []
    for a in items:
        extra = ""
        if news:
            extra = (f"<news:news><news:publication><news:name>{_x(news)}</news:name><news:language>en</news:language>"
                     f"</news:publication><news:publication_date>{a.published_time}</news:publication_date>"
                     f"<news:title>{_x(a.title)}</news:title></news:news>")
        out.append(f"<url><loc>{_x(base + a.path)}</loc><lastmod>{a.published_time}</lastmod>{extra}</url>")
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>' + "\n".join(out) + "</urlset>\n")
