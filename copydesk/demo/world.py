"""The demo world: five fake news sites served on loopback, with exact ground truth.

See docs/demo.md.  Standard library only.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import json
import random
import re
import threading
import time
from dataclasses import dataclass
from html import escape
from html import unescape as html_unescape
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

from .outlets import (
    ARTICLE_TEMPLATES,
    ENCODINGS,
    FALLBACK_BASES,
    LEDGER_TAGS,
    OUTLET_KEYS,
    PageInfo,
    farm_title,
)
from .serving import NOT_FOUND, InFlight, LoopbackServer, Resource, conditional_answer, loopback_hosts
from .stories import STORIES, STORY_BY_KEY, Story, month_day

__all__ = ["DemoPage", "DemoWorld", "RequestRecord", "OUTLETS", "comparable"]

# Public description of each outlet (name, how it is discovered, its quirks).
OUTLETS: dict[str, dict] = {
    "wire": {"name": "Meridian Press", "kind": "wire service",
             "discovery": {"feeds": ["/rss.xml"]},
             "robots": "Disallow: /embargoed/ (the RSS feed lists one embargoed story there)"},
    "gazette": {"name": "The Harbor Gazette", "kind": "newspaper",
                "discovery": {"feeds": ["/atom.xml"], "sitemaps": ["/sitemap.xml"]},
                "robots": "Crawl-delay: 0.2; Sitemap: /sitemap.xml"},
    "ledger": {"name": "Northern Ledger", "kind": "newspaper",
               "discovery": {"start_urls": ["/world/", "/business/"],
                             "follow": [r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+\.html$"]},
               "robots": "Disallow: /admin/"},
    "blog": {"name": "Alder Watch", "kind": "Blogger-like blog",
             "discovery": {"feeds": ["/feeds/posts/default?alt=rss"]},
             "robots": "Disallow: /search"},
    "farm": {"name": "My Blog (newsdeskhub)", "kind": "WordPress-like content farm",
             "discovery": {"sitemaps": ["/sitemap.xml"], "start_urls": ["/"]},
             "robots": "Disallow: /wp-admin/; Sitemap: /sitemap.xml"},
}

_EPOCH = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.timezone.utc)   # Last-Modified of static resources


@dataclass(frozen=True)
class DemoPage:
    """Ground truth of one article page of the demo world."""

    outlet: str                    # "wire", "gazette", "ledger", "blog", "farm"
    path: str                      # URL path on the outlet's server
    story: str                     # story key; pages with the same story key are copies of one story
    role: str                      # "original" or "copy"
    title: str                     # the page's headline (the <h1>)
    paragraphs: tuple[str, ...]    # article body as a perfect extractor returns it (no headline)
    boilerplate: tuple[str, ...]   # visible template/leftover lines that must not be in the clean text
    published: str                 # ISO date, YYYY-MM-DD
    disallowed: bool = False       # robots.txt disallows it (never fetch it)
    # --- additions (all have defaults) ---
    published_time: str = ""       # ISO 8601 datetime in UTC, as in article:published_time
    author: str = ""               # the author named in the page metadata
    description: str = ""          # meta description
    event: str = ""                # stories with the same event (and different story) are hard negatives
    quirks: tuple[str, ...] = ()   # e.g. "trimmed:2", "appended-line", "entity-debris", "script-tail", "windows-1252"
    batch: int = 0                 # 0 = published at start; n = published by the n-th publish_more()

    @property
    def text(self) -> str:
        """The expected clean text: paragraphs joined by newlines (the corpus `text` format)."""
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class RequestRecord:
    outlet: str
    method: str
    path: str                      # the request target as sent (path and query)
    headers: dict                  # request headers as received
    time: float                    # time.time() when received

    @property
    def conditional(self) -> bool:
        keys = {k.lower() for k in self.headers}
        return "if-none-match" in keys or "if-modified-since" in keys


# --------------------------------------------------------------------------- copies (reprints, reposts)
@dataclass(frozen=True)
class _Copy:
    story: str
    outlet: str
    headline: str | None = None    # None: keep the wire headline (farm: Title Case of it)
    trim: int = 0                  # paragraphs cut at the end
    append: str | None = None      # an editor's line appended as the last paragraph
    edits: tuple[tuple[str, str], ...] = ()   # regex substitutions (light edits)
    debris: bool = False           # machine-translation entity debris
    delay: float = 3.0             # hours after the original


_PER_CENT = ((r"\bpercent\b", "per cent"),)
_MT_EDITS = (
    (r"burst its banks", "broke its banks"),
    (r"\bresidents\b", "inhabitants"),
    (r"Rescue crews", "Rescue teams"),
    (r"\breporters\b", "journalists"),
    (r"\bwarned\b", "notified"),
)

COPIES: tuple[_Copy, ...] = (
    # The Harbor Gazette reprints
    _Copy("port-strike-walkout", "gazette", "Dockers down tools at Port Alden as pay talks fail",
          append="Additional reporting by Sanna Lindqvist in Port Alden.", delay=1.5),
    _Copy("port-strike-supply", "gazette", "Strike sends ships to Corvanian ports as freight costs climb",
          trim=2, delay=3),
    _Copy("border-standoff", "gazette", "Troops gather at Sarn Pass after drone is shot down", delay=4),
    _Copy("tech-merger", "gazette", "Halvard to swallow rival Qorra in 14 billion crown deal", trim=1, delay=2.5),
    _Copy("port-strike-deal", "gazette", "Dockers vote to end strike as port prepares to reopen",
          append="This story has been updated with the result of the ballot.", delay=1),
    # Northern Ledger reprints
    _Copy("flood-rescue", "ledger", "Eleven dead and thousands evacuated as the Varn floods Kessling",
          append="Readers who need help can call the municipal flood line on 0800 412 300, open around the clock.",
          delay=1),
    _Copy("flood-insurance", "ledger", "Insurers face flood claims of up to 1.2 billion crowns",
          trim=1, edits=_PER_CENT, delay=3),
    _Copy("election-result", "ledger", "Social Alliance first, but no majority in sight", trim=1,
          edits=_PER_CENT, delay=5),
    _Copy("court-ruling", "ledger", "Top court curbs security service's data powers", delay=2),
    _Copy("merger-regulator", "ledger", "Watchdog to dig deeper into Halvard's takeover of Qorra", trim=1,
          edits=_PER_CENT, delay=2),
    # Alder Watch (Blogger-like) reposts
    _Copy("border-standoff", "blog", delay=8),
    _Copy("flood-rescue", "blog", "Eleven killed as river Varn breaks its banks in north Aldermark",
          edits=_MT_EDITS, debris=True, delay=20),
    _Copy("cup-final", "blog", delay=6),
    _Copy("election-result", "blog", delay=10),
    _Copy("merger-regulator", "blog", delay=6),
    # My Blog / newsdeskhub (WordPress-like content farm) copies
    _Copy("port-strike-walkout", "farm", trim=1, delay=9),
    _Copy("border-talks", "farm", delay=7),
    _Copy("tech-merger", "farm", delay=12),
    _Copy("flood-insurance", "farm", trim=1, delay=15),
    _Copy("cup-final", "farm", trim=2, delay=14),
    _Copy("port-strike-deal", "farm", trim=1, delay=5),
)

_RELATED_COUNT = {"wire": 4, "gazette": 3, "ledger": 3, "blog": 0, "farm": 3}
_BLOG_LABELS = {"world": ("world", "Aldermark"), "business": ("business", "economy")}


def comparable(text: str) -> str:
    """Normalise text for comparing extracted text with ground truth.

    Unescapes HTML entities to a fixpoint (so ``&amp;quot;`` debris, which extractors unescape
    to different depths, compares equal whether kept, unescaped or repaired), maps the
    ``,quot;`` debris back to ``,"``, straightens curly quotes and collapses whitespace.
    Apply it to both sides of a comparison.
    """
    prev = None
    while prev != text:
        prev, text = text, html_unescape(text)
    text = text.replace(",quot;", ',"')
    text = text.translate(_QUOTES)
    return " ".join(text.split())


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


def _slugify(text: str, words: int = 9) -> str:
    text = text.lower().replace("'", "").replace("’", "")
    parts = re.findall(r"[a-z0-9]+", text)
    return "-".join(parts[:words])


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _parse_iso(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


def _debris(p: str) -> str:
    """Entity debris of a machine-translated repost: '&quot;' mangled to ',quot;' or double-escaped."""
    p = p.replace(',"', ",quot;")
    return p.replace('"', "&amp;quot;")


def _dedupe(lines: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for line in lines:
        if line not in out:
            out.append(line)
    return tuple(out)


def _build(seed: int) -> list[PageInfo]:
    rng = random.Random(seed)
    infos: list[PageInfo] = []
    used_nums: set[int] = set()

    def num() -> int:
        while True:
            n = rng.randint(100000, 999999)
            if n not in used_nums:
                used_nums.add(n)
                return n

    def when(st: Story, delay_h: float = 0.0) -> dt.datetime:
        t = dt.datetime.fromisoformat(f"{st.date}T{st.time}:00+00:00")
        return t + dt.timedelta(hours=delay_h)

    def path_for(outlet: str, title: str, t: dt.datetime, n: int, section: str, embargoed=False,
                 local=False) -> str:
        slug = _slugify(title)
        if outlet == "wire":
            return f"/{'embargoed' if embargoed else 'stories'}/{t:%Y-%m-%d}/{slug}"
        if outlet == "gazette":
            return f"/news/{'local' if local else section}/{_slugify(title, 7)}-{n}"
        if outlet == "ledger":
            return f"/{t:%Y/%m/%d}/{slug}.html"
        if outlet == "blog":
            return f"/{t:%Y/%m}/{_slugify(title, 6)}.html"
        if outlet == "farm":
            return f"/{t:%Y/%m/%d}/{slug}/"
        raise ValueError(outlet)

    # originals: wire stories and the newspapers' own stories
    for st in STORIES:
        t = when(st)
        n = num()
        if st.outlet == "wire":
            paras = (f"{st.city}, {month_day(st.date)} (Meridian Press) — {st.lede}",) + st.body
        else:
            paras = (st.lede,) + st.body
        quirks = ("embargoed",) if st.embargoed else ()
        if st.outlet == "ledger":
            quirks += ("windows-1252",)
        infos.append(PageInfo(
            outlet=st.outlet, path=path_for(st.outlet, st.headline, t, n, st.section, st.embargoed,
                                            local=st.outlet == "gazette"),
            story=st.key, role="original", title=st.headline, paragraphs=paras, author=st.author,
            published_time=_iso(t), description=st.description, section=st.section, batch=st.batch,
            disallowed=st.embargoed, num=n, quirks=quirks,
            labels=_BLOG_LABELS[st.section],
        ))

    # copies
    for cp in COPIES:
        st = STORY_BY_KEY[cp.story]
        t = when(st, cp.delay)
        n = num()
        md = month_day(st.date)
        quirks: list[str] = []
        if cp.outlet == "gazette":
            first = f"{st.city}, {md} (Meridian) — {st.lede}"
            quirks.append("dateline-changed")
        elif cp.outlet == "ledger":
            first = f"{st.city} (Meridian Press) – {st.lede}"
            quirks += ["dateline-changed", "windows-1252"]
        elif cp.outlet == "blog":
            first = f"{st.city}, {md} (Meridian Press) — {st.lede}"
        else:
            first = st.lede
            quirks += ["no-dateline", "script-tail", "tracking-params"]
        paras = [first, *st.body]
        if cp.trim:
            paras = paras[: len(paras) - cp.trim]
            quirks.append(f"trimmed:{cp.trim}")
        for pat, rep in cp.edits:
            paras = [re.sub(pat, rep, p) for p in paras]
        if cp.edits:
            quirks.append("light-edits")
        if cp.debris:
            paras = [_debris(p) for p in paras]
            quirks.append("entity-debris")
        if cp.append:
            paras.append(cp.append)
            quirks.append("appended-line")
        headline = cp.headline or st.headline
        if cp.outlet == "farm":
            headline = farm_title(headline)
            desc = st.lede[:150].rsplit(" ", 1)[0] + " […]"
        else:
            desc = st.description
        if headline != st.headline:
            quirks.append("new-headline")
        infos.append(PageInfo(
            outlet=cp.outlet, path=path_for(cp.outlet, headline, t, n, st.section),
            story=st.key, role="copy", title=headline, paragraphs=tuple(paras),
            author=st.author if cp.outlet != "farm" else "admin",
            published_time=_iso(t), description=desc, section=st.section, batch=st.batch,
            num=n, quirks=tuple(quirks), labels=_BLOG_LABELS[st.section],
        ))

    # related-story boxes: other pages of the same outlet that are already out
    for info in infos:
        k = _RELATED_COUNT[info.outlet]
        if not k:
            continue
        candidates = [o for o in infos if o.outlet == info.outlet and o is not info and not o.disallowed
                      and o.batch <= info.batch]
        candidates.sort(key=lambda o: o.path)
        picked = rng.sample(candidates, min(k, len(candidates)))
        info.related = [(o.title, o.path) for o in picked]

    infos.sort(key=lambda i: (i.published_time, i.outlet, i.path))
    paths = [i.path for i in infos]
    assert len(set(paths)) == len(paths), "page paths must be unique across all outlets"
    return infos


# --------------------------------------------------------------------------- the HTTP side
_Resource = Resource


class DemoWorld:
    """Five fake news outlets with syndicated copies, served on loopback, with exact ground truth."""

    max_batch = 2

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._infos = _build(seed)
        self._info_by_key = {(i.outlet, i.path): i for i in self._infos}
        self._pages: list[DemoPage] = []
        for info in self._infos:
            _, bp = ARTICLE_TEMPLATES[info.outlet](info, FALLBACK_BASES[info.outlet])
            st = STORY_BY_KEY[info.story]
            self._pages.append(DemoPage(
                outlet=info.outlet, path=info.path, story=info.story, role=info.role, title=info.title,
                paragraphs=tuple(info.paragraphs), boilerplate=_dedupe(bp), published=info.date,
                disallowed=info.disallowed, published_time=info.published_time, author=info.author,
                description=info.description, event=st.event, quirks=info.quirks, batch=info.batch,
            ))
        self._batch = 0
        # the gazette index's <lastmod>s: when its sitemaps last changed, on the real clock (the
        # protocol's meaning), not the fixed dates of the stories in them
        self._changed_at = dt.datetime.now(dt.timezone.utc)
        self._lock = threading.RLock()
        self._requests: list[RequestRecord] = []
        self._servers: dict[str, LoopbackServer] = {}
        self._urls: dict[str, str] = {}
        self.in_flight = InFlight()     # requests in flight per host, measured at the servers

    # ------------------------------------------------------------------ lifecycle
    def start(self, host: str | None = None) -> None:
        """Start one HTTP server per outlet (random free ports, daemon threads). Each outlet gets a
        loopback address of its own (127.0.0.2 to 127.0.0.6), so every outlet is its own site;
        where only 127.0.0.1 can be bound they share it. ``host`` puts them all on one address."""
        with self._lock:
            if self._servers:
                return
            hosts = [host] * len(OUTLET_KEYS) if host else loopback_hosts(len(OUTLET_KEYS))
            try:
                for outlet, h in zip(OUTLET_KEYS, hosts):
                    srv = LoopbackServer(outlet, self._responder(outlet), host=h, meter=self.in_flight,
                                         on_request=self._logger(outlet))
                    srv.start()
                    self._servers[outlet] = srv
                    self._urls[outlet] = srv.base
            except Exception:
                self.stop()
                raise

    def stop(self) -> None:
        with self._lock:
            servers, self._servers = self._servers, {}
            self._urls = {}
        for srv in servers.values():
            srv.stop()

    def _responder(self, outlet: str):
        return lambda method, raw_path, headers: self._respond(outlet, raw_path, headers)

    def _logger(self, outlet: str):
        return lambda method, raw_path, headers: self._log(outlet, method, raw_path, headers)

    def __enter__(self) -> "DemoWorld":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return bool(self._servers)

    # ------------------------------------------------------------------ ground truth
    @property
    def urls(self) -> dict[str, str]:
        """outlet -> base URL ("http://127.0.0.N:PORT"); while not started, stable *.example hosts."""
        with self._lock:
            return dict(self._urls) if self._urls else dict(FALLBACK_BASES)

    @property
    def batch(self) -> int:
        """How many publish_more() batches are out (0 at start)."""
        return self._batch

    def pages(self, *, published_only: bool = True) -> list[DemoPage]:
        """Article pages (ground truth), oldest first. Includes the robots-disallowed embargoed wire
        story (``disallowed=True``): filter it out for what a polite crawler should store."""
        with self._lock:
            b = self._batch
        return [p for p in self._pages if not published_only or p.batch <= b]

    def page(self, outlet: str, path: str) -> DemoPage:
        for p in self._pages:
            if p.outlet == outlet and p.path == path.split("?", 1)[0]:
                return p
        raise KeyError((outlet, path))

    def page_for_url(self, url: str) -> DemoPage | None:
        """The page a URL (live, fallback or canonical, tracking parameters ignored) points to."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        for outlet, b in list(self.urls.items()) + list(FALLBACK_BASES.items()):
            if b == base:
                try:
                    return self.page(outlet, parts.path)
                except KeyError:
                    return None
        return None

    def url(self, page: DemoPage) -> str:
        return self.urls[page.outlet] + page.path

    def stories(self, *, published_only: bool = True) -> dict[str, list[DemoPage]]:
        """story key -> its pages (original first)."""
        out: dict[str, list[DemoPage]] = {}
        for p in self.pages(published_only=published_only):
            out.setdefault(p.story, []).append(p)
        for v in out.values():
            v.sort(key=lambda p: (p.role != "original", p.published_time))
        return out

    def hard_negatives(self, *, published_only: bool = True) -> list[tuple[str, str]]:
        """Pairs of distinct story keys about the same event (must NOT be grouped), sorted."""
        by_event: dict[str, set[str]] = {}
        for p in self.pages(published_only=published_only):
            if not p.disallowed:
                by_event.setdefault(p.event, set()).add(p.story)
        pairs = []
        for stories in by_event.values():
            s = sorted(stories)
            pairs += [(a, b) for i, a in enumerate(s) for b in s[i + 1:]]
        return sorted(pairs)

    def ground_truth(self, *, published_only: bool = True) -> dict:
        """JSON-serialisable ground truth (pages with their URLs, hard-negative pairs)."""
        pages = []
        for p in self.pages(published_only=published_only):
            d = {k: getattr(p, k) for k in DemoPage.__dataclass_fields__}
            d["paragraphs"] = list(p.paragraphs)
            d["boilerplate"] = list(p.boilerplate)
            d["quirks"] = list(p.quirks)
            d["url"] = self.url(p)
            pages.append(d)
        return {"urls": self.urls, "batch": self._batch, "pages": pages,
                "hard_negatives": [list(x) for x in self.hard_negatives(published_only=published_only)]}

    # ------------------------------------------------------------------ change over time
    def publish_more(self) -> list[DemoPage]:
        """Publish the next held-back batch (feeds, sitemaps and section pages change with it)."""
        with self._lock:
            if self._batch >= self.max_batch:
                return []
            self._batch += 1
            self._changed_at = dt.datetime.now(dt.timezone.utc)
            b = self._batch
        return [p for p in self._pages if p.batch == b]

    # ------------------------------------------------------------------ output
    def render(self, page: DemoPage) -> bytes:
        """The page's HTML, encoded as served (the Ledger in windows-1252, the rest UTF-8)."""
        info = self._info_by_key[(page.outlet, page.path)]
        html, _ = ARTICLE_TEMPLATES[page.outlet](info, self.urls[page.outlet])
        return html.encode(ENCODINGS[page.outlet])

    def write_static(self, directory) -> dict[str, DemoPage]:
        """Write every published, robots-allowed article page as ``<outlet>__<path>.html`` into
        ``directory``; returns file name (relative to directory) -> page. Canonical links use
        the live URLs when started, otherwise the stable *.example hosts."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        out: dict[str, DemoPage] = {}
        for p in self.pages():
            if p.disallowed:
                continue
            name = f"{p.outlet}__{p.path.strip('/').replace('/', '_').removesuffix('.html')}.html"
            (d / name).write_bytes(self.render(p))
            out[name] = p
        return out

    def config_toml(self, corpus: str, *, interval: str = "30s") -> str:
        """A copydesk config with one [[sources]] per outlet (source name = outlet key)."""
        u = self.urls
        q = json.dumps
        lines = [
            f"corpus = {q(str(corpus))}",
            "",
            "[crawl]",
            'user_agent = "copydesk-demo (+http://127.0.0.1/)"',
            "obey_robots = true",
            "timeout = 10",
            "",
            "[schedule]",
            f"interval = {q(interval)}",
        ]
        for outlet in OUTLET_KEYS:
            disc = OUTLETS[outlet]["discovery"]
            lines += ["", "[[sources]]", f"name = {q(outlet)}"]
            if outlet == "farm":   # the home page's links carry tracking parameters: sitemap only
                disc = {"sitemaps": disc["sitemaps"]}
            for key in ("feeds", "sitemaps", "start_urls"):
                if key in disc:
                    lines.append(f"{key} = [{', '.join(q(u[outlet] + x) for x in disc[key])}]")
            if "follow" in disc:
                lines.append(f"follow = [{', '.join(repr_toml_literal(x) for x in disc['follow'])}]")
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ request log
    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _log(self, outlet: str, method: str, path: str, headers: dict) -> None:
        with self._lock:
            self._requests.append(RequestRecord(outlet, method, path, headers, time.time()))

    # ------------------------------------------------------------------ serving
    def _published_infos(self, outlet: str) -> list[PageInfo]:
        b = self._batch
        return [i for i in self._infos if i.outlet == outlet and i.batch <= b]

    def _respond(self, outlet: str, raw_path: str, headers) -> tuple[int, list[tuple[str, str]], bytes]:
        path = urlsplit(raw_path).path or "/"
        with self._lock:
            res = self._resource(outlet, path)
        if res is None:
            return NOT_FOUND
        return conditional_answer(res, headers)

    def _resource(self, outlet: str, path: str) -> _Resource | None:
        base = self._urls.get(outlet) or FALLBACK_BASES[outlet]
        infos = self._published_infos(outlet)
        if path == "/robots.txt":
            return _Resource("text/plain; charset=utf-8", _robots(outlet, base).encode(), _EPOCH)
        for info in infos:
            if info.path == path:
                html, _ = ARTICLE_TEMPLATES[outlet](info, base)
                ctype = "text/html" if outlet == "ledger" else "text/html; charset=utf-8"
                return _Resource(ctype, html.encode(ENCODINGS[outlet]), _parse_iso(info.published_time))
        builder = _ROUTES.get(outlet, {}).get(path)
        if builder is None:
            return None
        return builder(self, base, infos)


def repr_toml_literal(s: str) -> str:
    """A TOML literal string (no escapes; the regex cannot contain a single quote)."""
    assert "'" not in s and "\n" not in s
    return f"'{s}'"


# --------------------------------------------------------------------------- robots, feeds, sitemaps, lists
def _robots(outlet: str, base: str) -> str:
    if outlet == "wire":
        return ("# Meridian Press\nUser-agent: *\nDisallow: /embargoed/\nDisallow: /clients/\n")
    if outlet == "gazette":
        return (f"User-agent: *\nCrawl-delay: 0.2\nDisallow: /search\nDisallow: /subscribe/\n\n"
                f"Sitemap: {base}/sitemap.xml\n")
    if outlet == "ledger":
        return "User-agent: *\nDisallow: /admin/\n"
    if outlet == "blog":
        return "User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\nDisallow: /search\nAllow: /\n"
    if outlet == "farm":
        return (f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                f"Sitemap: {base}/sitemap.xml\n")
    raise ValueError(outlet)


def _x(s: str) -> str:
    return xml_escape(s, {'"': "&quot;"})


def _latest(infos: list[PageInfo]) -> dt.datetime:
    return max((_parse_iso(i.published_time) for i in infos), default=_EPOCH)


def _newest_first(infos: list[PageInfo]) -> list[PageInfo]:
    return sorted(infos, key=lambda i: (i.published_time, i.path), reverse=True)


def _rss(world: DemoWorld, base: str, infos: list[PageInfo], title: str, desc: str, self_path: str) -> _Resource:
    items = []
    for i in _newest_first(infos):
        url = base + i.path
        pub = email.utils.format_datetime(_parse_iso(i.published_time))
        items.append(
            "<item>\n"
            f"  <title>{_x(i.title)}</title>\n"
            f"  <link>{_x(url)}</link>\n"
            f'  <guid isPermaLink="true">{_x(url)}</guid>\n'
            f"  <pubDate>{pub}</pubDate>\n"
            f"  <dc:creator>{_x(i.author)}</dc:creator>\n"
            f"  <category>{_x(i.section.title())}</category>\n"
            f"  <description>{_x(i.description)}</description>\n"
            "</item>"
        )
    last = _latest(infos)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        "<channel>\n"
        f"<title>{_x(title)}</title>\n<link>{_x(base)}/</link>\n<description>{_x(desc)}</description>\n"
        f"<language>en</language>\n<lastBuildDate>{email.utils.format_datetime(last)}</lastBuildDate>\n"
        f'<atom:link href="{_x(base + self_path)}" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(items) + "\n</channel>\n</rss>\n"
    )
    return _Resource("application/rss+xml; charset=utf-8", body.encode("utf-8"), last)


def _wire_rss(world, base, infos):
    return _rss(world, base, infos, "Meridian Press - Top News",
                "The latest stories from the Meridian Press wire.", "/rss.xml")


def _blog_rss(world, base, infos):
    return _rss(world, base, infos, "Alder Watch",
                "News from Aldermark and the neighbourhood, collected for friends abroad.",
                "/feeds/posts/default?alt=rss")


def _gazette_atom(world, base, infos):
    last = _latest(infos)
    entries = []
    for i in _newest_first(infos):
        url = base + i.path
        entries.append(
            "<entry>\n"
            f"  <id>tag:harborgazette.example,2026:{i.num}</id>\n"
            f"  <title>{_x(i.title)}</title>\n"
            f'  <link rel="alternate" type="text/html" href="{_x(url)}"/>\n'
            f"  <published>{i.published_time}</published>\n"
            f"  <updated>{i.published_time}</updated>\n"
            f"  <author><name>{_x(i.author)}</name></author>\n"
            f"  <summary>{_x(i.description)}</summary>\n"
            "</entry>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">\n'
        "<title>The Harbor Gazette</title>\n"
        f"<id>{_x(base)}/</id>\n"
        f'<link rel="self" href="{_x(base)}/atom.xml"/>\n'
        f'<link rel="alternate" href="{_x(base)}/"/>\n'
        f"<updated>{_iso(last)}</updated>\n"
        + "\n".join(entries) + "\n</feed>\n"
    )
    return _Resource("application/atom+xml; charset=utf-8", body.encode("utf-8"), last)


def _gazette_index(world, base, infos):
    # microseconds: batches published within a second still change the index
    last, changed = _latest(infos), world._changed_at.isoformat(timespec="microseconds")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<sitemap><loc>{_x(base)}/news-sitemap.xml</loc><lastmod>{changed}</lastmod></sitemap>\n"
        f"<sitemap><loc>{_x(base)}/sitemap-pages.xml.gz</loc><lastmod>{changed}</lastmod></sitemap>\n"
        "</sitemapindex>\n"
    )
    return _Resource("application/xml; charset=utf-8", body.encode("utf-8"), last)


def _gazette_news_sitemap(world, base, infos):
    last = _latest(infos)
    urls = []
    for i in _newest_first(infos):
        urls.append(
            "<url>\n"
            f"  <loc>{_x(base + i.path)}</loc>\n"
            "  <news:news>\n"
            "    <news:publication>\n"
            "      <news:name>The Harbor Gazette</news:name>\n"
            "      <news:language>en</news:language>\n"
            "    </news:publication>\n"
            f"    <news:publication_date>{i.published_time}</news:publication_date>\n"
            f"    <news:title>{_x(i.title)}</news:title>\n"
            "  </news:news>\n"
            "</url>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "\n".join(urls) + "\n</urlset>\n"
    )
    return _Resource("application/xml; charset=utf-8", body.encode("utf-8"), last)


def _urlset(base: str, infos: list[PageInfo]) -> tuple[bytes, dt.datetime]:
    last = _latest(infos)
    urls = "\n".join(
        f"<url><loc>{_x(base + i.path)}</loc><lastmod>{i.published_time}</lastmod>"
        f"<changefreq>never</changefreq></url>" for i in _newest_first(infos)
    )
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n")
    return body.encode("utf-8"), last


def _gazette_pages_sitemap(world, base, infos):
    body, last = _urlset(base, infos)
    return _Resource("application/xml; charset=utf-8", body, last)


def _gazette_pages_sitemap_gz(world, base, infos):
    body, last = _urlset(base, infos)
    return _Resource("application/x-gzip", gzip.compress(body, mtime=0), last)


def _farm_sitemap(world, base, infos):
    body, last = _urlset(base, infos)
    return _Resource("application/xml; charset=UTF-8", body, last)


def _listing(title: str, heading: str, links: list[tuple[str, str]], extra: list[tuple[str, str]],
             lang: str = "en", encoding: str = "utf-8") -> bytes:
    items = "\n".join(f'<li><a href="{escape(h)}">{escape(t)}</a></li>' for t, h in links)
    more = "\n".join(f'<li><a href="{escape(h)}">{escape(t)}</a></li>' for t, h in extra)
    meta = ('<meta charset="utf-8">' if encoding == "utf-8"
            else f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">')
    html = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{meta}\n<title>{escape(title)}</title>\n</head>\n'
            f'<body>\n<h1>{escape(heading)}</h1>\n<ul class="articles">\n{items}\n</ul>\n'
            f'<ul class="more">\n{more}\n</ul>\n</body>\n</html>\n')
    return html.encode(encoding)


def _simple_listing(outlet: str, title: str, suffix: str = "") -> Callable:
    def build(world, base, infos):
        enc = ENCODINGS[outlet]
        links = [(i.title, i.path + suffix) for i in _newest_first(infos) if not i.disallowed]
        body = _listing(title, title, links, [("About", "/about/")], encoding=enc)
        ctype = "text/html" if outlet == "ledger" else "text/html; charset=utf-8"
        return _Resource(ctype, body, _latest(infos))
    return build


def _ledger_section(section: str) -> Callable:
    def build(world, base, infos):
        mine = [i for i in infos if i.section == section]
        links = [(i.title, i.path) for i in _newest_first(mine)]
        extra = [(t, f"/tag/{t.lower().replace(' ', '-')}/") for t in LEDGER_TAGS[section]]
        extra += [("About the Ledger", "/about/"), ("Contact", "/contact/"),
                  ("World", "/world/"), ("Business", "/business/"), ("Older stories", f"/{section}/?page=2")]
        body = _listing(f"{section.title()} - Northern Ledger", section.title(), links, extra,
                        encoding="windows-1252")
        return _Resource("text/html", body, _latest(mine or infos))
    return build


def _ledger_static(title: str, text: str) -> Callable:
    def build(world, base, infos):
        body = _listing(f"{title} - Northern Ledger", title, [], [("World", "/world/"), ("Business", "/business/")],
                        encoding="windows-1252")
        body = body.replace(b"</h1>", b"</h1>\n<p>" + escape(text).encode("windows-1252") + b"</p>")
        return _Resource("text/html", body, _EPOCH)
    return build


def _ledger_tag(tag: str) -> Callable:
    def build(world, base, infos):
        section = next(s for s, tags in LEDGER_TAGS.items() if tag in tags)
        mine = [i for i in infos if i.section == section]
        body = _listing(f"{tag} - Northern Ledger", f"Stories tagged {tag}",
                        [(i.title, i.path) for i in _newest_first(mine)], [("World", "/world/")],
                        encoding="windows-1252")
        return _Resource("text/html", body, _latest(mine or infos))
    return build


def _farm_listing(title: str) -> Callable:
    def build(world, base, infos):
        links = [(i.title, f"{i.path}?utm_source=home&utm_medium=listing") for i in _newest_first(infos)]
        body = _listing(f"{title} – My Blog", title, links,
                        [("World News", "/category/world-news/?utm_source=menu"), ("Contact Us", "/contact-us/")],
                        lang="en-US")
        return _Resource("text/html; charset=UTF-8", body, _latest(infos))
    return build


_ROUTES: dict[str, dict[str, Callable]] = {
    "wire": {"/rss.xml": _wire_rss, "/": _simple_listing("wire", "Meridian Press - Latest")},
    "gazette": {
        "/atom.xml": _gazette_atom,
        "/sitemap.xml": _gazette_index,
        "/news-sitemap.xml": _gazette_news_sitemap,
        "/sitemap-pages.xml": _gazette_pages_sitemap,
        "/sitemap-pages.xml.gz": _gazette_pages_sitemap_gz,
        "/": _simple_listing("gazette", "The Harbor Gazette"),
    },
    "ledger": {
        "/world/": _ledger_section("world"),
        "/business/": _ledger_section("business"),
        "/": _simple_listing("ledger", "Northern Ledger"),
        "/about/": _ledger_static("About the Ledger", "The Northern Ledger has served Kessling since 1903."),
        "/contact/": _ledger_static("Contact", "Newsdesk: 4 Storgatan, Kessling."),
        **{f"/tag/{t.lower().replace(' ', '-')}/": _ledger_tag(t) for ts in LEDGER_TAGS.values() for t in ts},
    },
    "blog": {"/feeds/posts/default": _blog_rss, "/": _simple_listing("blog", "Alder Watch")},
    "farm": {
        "/sitemap.xml": _farm_sitemap,
        "/": _farm_listing("Latest posts"),
        "/category/world-news/": _farm_listing("World News"),
    },
}
