"""The demo world (copydesk.demo): serving, discovery documents, and the honesty of its ground truth."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from copydesk.demo import DemoPage, DemoWorld, RequestRecord

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "atom": "http://www.w3.org/2005/Atom",
}


# --------------------------------------------------------------------------- helpers
class _Visible(HTMLParser):
    """Visible text of a page (no head, script, style), chunks joined by spaces; plus links."""

    SKIP = {"script", "style", "head", "title", "textarea"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.chunks: list[str] = []
        self.canonical: list[str] = []
        self.links: list[str] = []
        self.meta_charset: str | None = None
        self.lang: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.SKIP:
            self.depth += 1
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical.append(a.get("href"))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "meta":
            if a.get("charset"):
                self.meta_charset = a["charset"]
            m = re.search(r"charset=([\w-]+)", a.get("content") or "")
            if a.get("http-equiv", "").lower() == "content-type" and m:
                self.meta_charset = m.group(1)
        if tag == "html":
            self.lang = a.get("lang")

    def handle_startendtag(self, tag, attrs):
        if tag in self.SKIP:  # void element never opened a skip region
            self.handle_starttag(tag, attrs)
            self.depth -= 1
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.chunks.append(data)


def visible(html: str) -> _Visible:
    p = _Visible()
    p.feed(html)
    p.close()
    p.text = " ".join(" ".join(p.chunks).split())  # type: ignore[attr-defined]
    return p


def norm(s: str) -> str:
    return " ".join(s.split())


def decode(page: DemoPage, body: bytes) -> str:
    m = re.search(rb'charset=["\']?([\w-]+)', body[:1024])
    return body.decode(m.group(1).decode() if m else "utf-8")


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers.items()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


def live_paths(world: DemoWorld, outlet: str) -> set[str]:
    return {p.path for p in world.pages() if p.outlet == outlet}


def feed_paths(world: DemoWorld, outlet: str) -> dict[str, set[str]]:
    """What each discovery document of an outlet lists (as paths)."""
    base = world.urls[outlet]
    out: dict[str, set[str]] = {}

    def path(u: str) -> str:
        assert u.startswith(base), u
        return u[len(base):]

    def xml(p: str) -> ET.Element:
        status, _, body = get(base + p)
        assert status == 200, p
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        return ET.fromstring(body)

    if outlet in ("wire", "blog"):
        p = "/rss.xml" if outlet == "wire" else "/feeds/posts/default?alt=rss"
        root = xml(p)
        items = root.findall("./channel/item")
        assert all(i.findtext("pubDate") for i in items)
        out[p] = {path(i.findtext("link")) for i in items}
    elif outlet == "gazette":
        root = xml("/atom.xml")
        out["/atom.xml"] = {path(e.find("atom:link", NS).get("href")) for e in root.findall("atom:entry", NS)}
        index = xml("/sitemap.xml")
        assert index.tag == f"{{{NS['sm']}}}sitemapindex"
        for loc in index.findall("sm:sitemap/sm:loc", NS):
            sub = xml(path(loc.text))
            urls = sub.findall("sm:url", NS)
            out[path(loc.text)] = {path(u.findtext("sm:loc", namespaces=NS)) for u in urls}
            if "news" in loc.text:
                for u in urls:
                    n = u.find("news:news", NS)
                    assert n.findtext("news:publication/news:name", namespaces=NS) == "The Harbor Gazette"
                    assert n.findtext("news:publication/news:language", namespaces=NS) == "en"
                    assert n.findtext("news:publication_date", namespaces=NS)
                    assert n.findtext("news:title", namespaces=NS)
        assert any(k.endswith(".gz") for k in out)
    elif outlet == "farm":
        root = xml("/sitemap.xml")
        out["/sitemap.xml"] = {path(u.findtext("sm:loc", namespaces=NS)) for u in root.findall("sm:url", NS)}
    elif outlet == "ledger":
        follow = re.compile(r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+\.html$")
        found: set[str] = set()
        for section in ("/world/", "/business/"):
            status, headers, body = get(base + section)
            assert status == 200
            links = visible(body.decode("windows-1252")).links
            assert any(not follow.search(h) for h in links), "section pages also link non-articles"
            found |= {h for h in links if follow.search(h)}
        out["sections"] = found
    return out


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def world():
    w = DemoWorld()
    w.start()
    yield w
    w.stop()


# --------------------------------------------------------------------------- tests
def test_starts_on_free_loopback_ports(world):
    """Every outlet is its own host (127.0.0.2 to .6, so the corpus `site` tells them apart)."""
    urls = world.urls
    assert set(urls) == {"wire", "gazette", "ledger", "blog", "farm"}
    hosts = set()
    for base in urls.values():
        m = re.fullmatch(r"http://(127\.0\.0\.\d+):(\d+)", base)
        assert m, base
        assert int(m.group(2)) != 0
        hosts.add(m.group(1))
    assert hosts == {f"127.0.0.{i}" for i in range(2, 7)}
    for outlet, base in urls.items():
        status, headers, body = get(base + "/robots.txt")
        assert status == 200 and b"User-agent" in body


def test_one_host_for_all_outlets_when_asked():
    w = DemoWorld()
    w.start("127.0.0.1")
    try:
        assert all(u.startswith("http://127.0.0.1:") for u in w.urls.values())
        assert len(set(w.urls.values())) == 5
        assert get(w.urls["wire"] + "/rss.xml")[0] == 200
    finally:
        w.stop()


def test_ground_truth_shape():
    w = DemoWorld()
    pages = w.pages()
    assert all(isinstance(p, DemoPage) for p in pages)
    assert len({p.path for p in w.pages(published_only=False)}) == len(w.pages(published_only=False))
    stories = w.stories()
    wire_originals = [p for p in pages if p.outlet == "wire" and p.role == "original" and not p.disallowed]
    assert len(wire_originals) >= 10
    for key, group in stories.items():
        assert sum(p.role == "original" for p in group) == 1, key
        assert group[0].role == "original"
    for outlet in ("gazette", "ledger"):
        assert sum(p.outlet == outlet and p.role == "original" for p in pages) >= 3
        assert sum(p.outlet == outlet and p.role == "copy" for p in pages) >= 3
    assert sum(p.outlet == "blog" for p in pages) >= 3
    assert sum(p.outlet == "farm" for p in pages) >= 4
    for p in w.pages(published_only=False):
        if p.outlet != "wire" or p.disallowed:
            continue
        words = len(p.text.split())
        assert 250 <= words <= 450, (p.story, words)
        assert 5 <= len(p.paragraphs) <= 9
    quirks = {q.split(":")[0] for p in pages for q in p.quirks}
    assert {"trimmed", "appended-line", "entity-debris", "script-tail", "windows-1252"} <= quirks
    debris = [p for p in pages if "entity-debris" in p.quirks]
    assert debris and ",quot;" in debris[0].text and "&amp;quot;" in debris[0].text
    # hard negatives: distinct stories of one event, all with published pages
    pairs = w.hard_negatives()
    assert len(pairs) >= 5
    for a, b in pairs:
        assert a != b and stories[a][0].event == stories[b][0].event
    # deterministic
    assert DemoWorld(seed=0).pages() == pages


def test_boilerplate_and_paragraphs_are_honest(world):
    """Every ground-truth paragraph and boilerplate line is visible text of its page, and the two
    never overlap (so 'boilerplate absent from clean text' is a sound check)."""
    for page in world.pages(published_only=False):
        html = decode(page, world.render(page))
        v = visible(html)
        for para in page.paragraphs:
            assert norm(para) in v.text, (page.path, para[:60])
        for line in page.boilerplate:
            assert norm(line) in v.text, (page.path, line)
        assert page.title and norm(page.title) in v.text
        assert page.title not in page.paragraphs
        lower = page.text.lower()
        for line in page.boilerplate:
            assert line not in page.paragraphs, (page.path, line)
            if len(line.split()) >= 3:
                assert line.lower() not in lower, (page.path, line)
        assert v.canonical == [world.url(page)]
        assert v.lang and v.lang.startswith("en")
        assert f'content="{page.published_time}"' in html
    farm = [p for p in world.pages() if p.outlet == "farm"]
    assert all("Related posts" in p.boilerplate and "Leave a Comment" in p.boilerplate for p in farm)
    assert all(any("document.getElementById" in b for b in p.boilerplate) for p in farm)
    blog = [p for p in world.pages() if p.outlet == "blog"]
    assert all({"No comments:", "Post a Comment"} <= set(p.boilerplate) for p in blog)


def test_article_pages_are_served_with_charset(world):
    for page in world.pages():
        status, headers, body = get(world.url(page))
        assert status == 200
        assert body == world.render(page)
        ctype = headers["Content-Type"]
        assert ctype.startswith("text/html")
        if page.outlet == "ledger":
            assert "charset" not in ctype
            assert visible(body.decode("windows-1252")).meta_charset == "windows-1252"
            body.decode("windows-1252")
        else:
            assert "charset=utf-8" in ctype.lower()


def test_feeds_and_sitemaps_list_exactly_the_published_articles(world):
    for outlet in ("wire", "gazette", "ledger", "blog", "farm"):
        docs = feed_paths(world, outlet)
        assert docs, outlet
        for name, paths in docs.items():
            assert paths == live_paths(world, outlet), (outlet, name)


def test_robots_disallows_the_embargoed_article_listed_in_the_feed(world):
    import urllib.robotparser

    embargoed = [p for p in world.pages() if p.disallowed]
    assert len(embargoed) == 1 and embargoed[0].outlet == "wire"
    page = embargoed[0]
    rp = urllib.robotparser.RobotFileParser()
    rp.parse(get(world.urls["wire"] + "/robots.txt")[2].decode().splitlines())
    assert not rp.can_fetch("copydesk", world.url(page))
    assert all(rp.can_fetch("copydesk", world.url(p)) for p in world.pages() if p.outlet == "wire" and not p.disallowed)
    assert page.path in feed_paths(world, "wire")["/rss.xml"]
    robots = get(world.urls["gazette"] + "/robots.txt")[2].decode()
    assert "Crawl-delay: 0.2" in robots and f"Sitemap: {world.urls['gazette']}/sitemap.xml" in robots


def test_conditional_get_and_request_log(world):
    world.clear_requests()
    for url in (world.urls["wire"] + "/rss.xml", world.urls["gazette"] + "/atom.xml",
                world.urls["gazette"] + "/news-sitemap.xml", world.urls["farm"] + "/sitemap.xml",
                world.urls["ledger"] + "/world/", world.urls["blog"] + "/feeds/posts/default?alt=rss"):
        status, headers, _ = get(url)
        assert status == 200
        etag, lm = headers["ETag"], headers["Last-Modified"]
        assert get(url, {"If-None-Match": etag})[0] == 304
        assert get(url, {"If-Modified-Since": lm})[0] == 304
        assert get(url, {"If-None-Match": '"stale"'})[0] == 200
        assert get(url, {"If-Modified-Since": "Sun, 01 Feb 2026 00:00:00 GMT"})[0] == 200
    log = world.requests
    assert all(isinstance(r, RequestRecord) for r in log)
    assert len(log) == 30
    assert sum(r.conditional for r in log) == 24
    assert {r.outlet for r in log} == {"wire", "gazette", "farm", "ledger", "blog"}
    assert log[-1].path == "/feeds/posts/default?alt=rss" and log[-1].method == "GET"
    assert get(world.urls["wire"] + "/no-such-page")[0] == 404


def test_publish_more_changes_feeds():
    w = DemoWorld(seed=0)
    with w:
        docs = [w.urls["wire"] + "/rss.xml", w.urls["gazette"] + "/atom.xml", w.urls["gazette"] + "/sitemap.xml",
                w.urls["gazette"] + "/news-sitemap.xml", w.urls["blog"] + "/feeds/posts/default?alt=rss",
                w.urls["ledger"] + "/business/", w.urls["farm"] + "/sitemap.xml"]
        before = {u: get(u)[1] for u in docs}
        seen_new: set[str] = set()
        batches = []
        while True:
            new = w.publish_more()
            if not new:
                break
            batches.append(new)
            assert sum(p.outlet == "wire" and p.role == "original" for p in new) >= 2
            assert any(p.role == "copy" for p in new)
            for p in new:
                assert get(w.url(p))[0] == 200
                seen_new.add(p.outlet)
            for outlet in {p.outlet for p in new}:
                for name, paths in feed_paths(w, outlet).items():
                    assert paths == live_paths(w, outlet), (outlet, name)
        assert len(batches) == 2 and w.publish_more() == []
        assert seen_new == {"wire", "gazette", "ledger", "blog", "farm"}
        for u in docs:
            status, headers, _ = get(u, {"If-None-Match": before[u]["ETag"]})
            assert status == 200, u
            assert headers["ETag"] != before[u]["ETag"]
            assert headers["Last-Modified"] != before[u]["Last-Modified"]
        assert len(w.pages()) == len(w.pages(published_only=False))


def test_unpublished_pages_are_not_served(world):
    held = [p for p in world.pages(published_only=False) if p.batch > world.batch]
    assert held
    assert all(get(world.url(p))[0] == 404 for p in held)


def test_write_static(tmp_path):
    w = DemoWorld()
    files = w.write_static(tmp_path)
    pages = [p for p in w.pages() if not p.disallowed]
    assert len(files) == len(pages) and set(files.values()) == set(pages)
    for name, page in files.items():
        body = (tmp_path / name).read_bytes()
        v = visible(decode(page, body))
        assert v.canonical == [w.urls[page.outlet] + page.path]
        assert w.page_for_url(v.canonical[0]) == page
        assert all(norm(x) in v.text for x in page.paragraphs)


def test_config_toml(tmp_path):
    import tomllib

    with DemoWorld() as w:
        cfg = tomllib.loads(w.config_toml(str(tmp_path / "corpus")))
        assert cfg["corpus"] == str(tmp_path / "corpus")
        names = [s["name"] for s in cfg["sources"]]
        assert names == ["wire", "gazette", "ledger", "blog", "farm"]
        for s in cfg["sources"]:
            for u in s.get("feeds", []) + s.get("sitemaps", []) + s.get("start_urls", []):
                assert u.startswith(w.urls[s["name"]]) and get(u)[0] == 200
        ledger = next(s for s in cfg["sources"] if s["name"] == "ledger")
        assert all(re.search(ledger["follow"][0], w.url(p)) for p in w.pages() if p.outlet == "ledger")


def test_comparable_neutralises_entity_debris():
    from copydesk.demo import comparable

    w = DemoWorld()
    debris = next(p for p in w.pages() if "entity-debris" in p.quirks)
    clean = '"The water came faster than any model told us it would," said'
    assert comparable(clean) in comparable(debris.text)
    # what extractors make of it: one level unescaped, or repaired
    assert comparable(debris.text.replace("&amp;quot;", "&quot;")) == comparable(debris.text)
    assert comparable(debris.text.replace("&amp;quot;", '"').replace(",quot;", ',"')) == comparable(debris.text)


# --------------------------------------------------------------------------- `copydesk demo --serve`
class _Demo:
    """`copydesk demo --serve` as a user runs it: a real process, its output read line by line."""

    def __init__(self, tmp_path, *args: str):
        import queue
        import subprocess
        import sys
        import threading

        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "copydesk.cli", "demo", "--serve", "--corpus", str(tmp_path / "demo-corpus"), *args],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match:
        import queue
        import time

        deadline = time.monotonic() + timeout
        while True:
            for line in self.seen:
                m = re.search(pattern, line)
                if m:
                    self.seen.remove(line)
                    return m
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and self.lines.empty():
                pytest.fail(f"no line matching {pattern!r} in the demo's output:\n" + "".join(self.seen))
            try:
                self.seen.append(self.lines.get(timeout=min(left, 0.5)))
            except queue.Empty:
                pass

    def stop(self, *signals: int, timeout: float = 10) -> int:
        import subprocess
        import time

        for sig in signals:
            self.proc.send_signal(sig)
            time.sleep(0.2)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"`copydesk demo --serve` still running {timeout} s after {signals}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_demo_serve_publishes_over_time_prints_its_config_and_stops_on_sigterm(tmp_path):
    """Item 13: one site per outlet, new stories published while serving, the config printed so a
    crawl (or `serve`) can be pointed at it; item 6: SIGTERM stops it with status 0."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from copydesk.storage import Corpus

    demo = _Demo(tmp_path, "--publish-every", "1")
    try:
        cfg = Path(demo.wait_for(r"copydesk serve -c (\S+)").group(1))
        assert cfg.is_file()
        demo.wait_for(r"published batch 1 of 2")
        demo.wait_for(r"every demo story is out now")
        r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert demo.stop(signal.SIGTERM) == 0, "".join(demo.seen)
    finally:
        demo.close()
    docs = list(Corpus(tmp_path / "demo-corpus").documents())
    world = DemoWorld()
    while world.publish_more():
        pass
    expected = {(p.outlet, p.path) for p in world.pages() if not p.disallowed}
    from urllib.parse import urlsplit
    assert {(d["source"], urlsplit(d["url"]).path) for d in docs} == expected, "every story, the later ones too"
    sites = {}
    for d in docs:
        sites.setdefault(d["source"], set()).add(d["site"])
    assert all(len(s) == 1 for s in sites.values()) and len(set().union(*sites.values())) == 5, sites


@pytest.mark.parametrize("signals", [("SIGINT",), ("SIGINT", "SIGINT"), ("SIGTERM", "SIGTERM")])
def test_demo_serve_stops_on_ctrl_c(tmp_path, signals):
    """Item 6: Ctrl-C (once or twice) and SIGTERM stop `demo --serve` promptly, with status 0."""
    import signal

    demo = _Demo(tmp_path)
    try:
        demo.wait_for(r"stay up until Ctrl-C")
        assert demo.stop(*(getattr(signal, s) for s in signals)) == 0
    finally:
        demo.close()
