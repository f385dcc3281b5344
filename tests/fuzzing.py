#!/usr/bin/env python3
"""Fuzz copydesk's hostile-input surfaces: cleaning, feed/sitemap/robots discovery, config loading.

    python -m tests.fuzzing --target cleaning|discovery|config|all --seconds N [--out DIR]
                              [--engine mutate|atheris] [--seed S] [--slow 2.0] [--max-rss-mb 2048]

Contracts checked on every input (see RELIABILITY.md, "Hostile and broken input"):

  cleaning   analyze()/extract()/clean_text()/decode_html() never raise; analyze returns an
             Article (non-empty text, no blank lines, no NUL) or a Rejected with a reason.
  discovery  parse_feed/parse_sitemap/robots_sitemaps/gunzip raise nothing but DiscoveryError;
             no external entity, DTD, XInclude or stylesheet is ever read: the content of a
             canary file never appears in the output and a loopback HTTP server that every
             injected reference points at records no request; gunzip never returns more than
             max_size bytes.
  config     config.load(file of arbitrary bytes) and config.from_dict(arbitrary TOML-like
             dict built from the real key names) raise nothing but ConfigError.

Every input is timed; one over --slow seconds (default 2 s; production abandons a page after
crawl.extract_timeout = 20 s) is a "slow" finding, one over --hang seconds (30 s) is stopped by a
watchdog and reported as "hang". Peak RSS is sampled (psutil) and an input that pushes RSS past
--max-rss-mb is a "memory" finding. Every finding's input is saved under --out.

Engines: "mutate" (default) is a structure-aware mutation loop over seed documents (the fixture
pages in tests/fixtures/cleaning and tests/fixtures/fuzz, the demo world's rendered pages, feeds
and sitemaps), with byte flips, inserts, deletes, chunk duplication, truncation, splicing, deep
nesting, huge attributes, NUL bytes, invalid UTF-8, UTF-16/32 re-encoding, mixed encodings and
XML entity/DTD/XInclude injection. "atheris" is coverage-guided libFuzzer (atheris 3.0.0, when
installed) seeded with the same documents; it prints libFuzzer's own statistics as well.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file (python tests/fuzzing.py) rather than with -m
    sys.path.insert(0, str(ROOT))

from tests.loopback import Recorder  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"

# ----------------------------------------------------------------------------- canaries


class Canary:
    """A temp file whose content must never show up in output, and a loopback HTTP server that
    must never be asked for anything. Every injected external reference points at one of them."""

    def __init__(self) -> None:
        self.token = "CANARY" + hashlib.sha1(os.urandom(8)).hexdigest()[:16]
        fd, path = tempfile.mkstemp(prefix="copydesk-fuzz-canary-", suffix=".txt")
        os.write(fd, self.token.encode())
        os.close(fd)
        self.path = path
        self.server = Recorder(f'<!ENTITY leak "{self.token}">'.encode())
        self.server.start()
        self.hits = self.server.hits
        self.url = self.server.base

    def close(self) -> None:
        self.server.stop()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def xml_tokens(self) -> list[bytes]:
        f, u = self.path, self.url
        return [s.encode() for s in (
            f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{f}">]>',
            f'<!DOCTYPE r [<!ENTITY x SYSTEM "{u}/ext">]>',
            f'<!DOCTYPE r SYSTEM "{u}/dtd">',
            f'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "{u}/rss-0.91.dtd">',
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{u}/param"> %p;]>',
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{f}"> <!ENTITY % q "<!ENTITY x SYSTEM \'{u}/?%p;\'>"> %q;]>',
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{f}" parse="text"/>',
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{u}/xinclude"/>',
            f'<?xml-stylesheet type="text/xsl" href="{u}/xsl"?>',
            f'<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x {u}/xsd"/>',
            '&x;', '&leak;', '&lol9;', '&a;',
            '<!DOCTYPE l [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
            '<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>',
            '<!DOCTYPE q [<!ENTITY a "' + "A" * 50_000 + '">]>',
        )]

    def html_tokens(self) -> list[bytes]:
        u, f = self.url, self.path
        return [s.encode() for s in (
            f'<img src="{u}/img.png">', f'<link rel="stylesheet" href="{u}/style.css">',
            f'<iframe src="{u}/frame"></iframe>', f'<script src="{u}/js"></script>',
            f'<meta http-equiv="refresh" content="0;url={u}/refresh">', f'<base href="{u}/">',
            f'<object data="file://{f}"></object>', f'<link rel="canonical" href="{u}/canonical">',
            f'<!DOCTYPE html [<!ENTITY x SYSTEM "file://{f}">]>', '&x;',
        )]


# ----------------------------------------------------------------------------- seeds


def html_seeds() -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted((FIXTURES / "cleaning" / "html").glob("*.html"))]
    seeds += [p.read_bytes() for p in sorted((FIXTURES / "fuzz").glob("*.html"))]
    try:
        from copydesk.demo import DemoWorld

        world = DemoWorld()
        seeds += [world.render(page) for page in world.pages()]
    except Exception:  # the demo is a convenience source of seeds, not a requirement
        pass
    return [s if isinstance(s, bytes) else s.encode() for s in seeds]


def feed_seeds() -> list[bytes]:
    return [(FIXTURES / "fuzz" / n).read_bytes() for n in ("rss.xml", "atom.xml", "rdf.xml")]


def sitemap_seeds() -> list[bytes]:
    return [(FIXTURES / "fuzz" / n).read_bytes() for n in ("sitemap-news.xml", "sitemap-index.xml")]


def robots_seeds() -> list[bytes]:
    return [(FIXTURES / "fuzz" / "robots.txt").read_bytes()]


def config_seeds() -> list[bytes]:
    return [(FIXTURES / "fuzz" / "config.toml").read_bytes()]


# ----------------------------------------------------------------------------- mutations

HTML_TOKENS = [
    b"<div>", b"</div>", b"<p>", b"</p>", b"<script>", b"</script>", b"<style>", b"<!--", b"-->", b"<![CDATA[",
    b"]]>", b"<table><tr><td>", b"</td></tr></table>", b"<title>", b"<textarea>", b"<noscript>", b"<svg><math>",
    b"<article>", b"</article>", b"<html>", b"<body>", b"<head>", b"<br>", b"&amp;", b"&#0;", b"&#x110000;",
    b"&#xD800;", b"&nbsp;", b"&quot;", b",quot;", b"<?xml version='1.0' encoding='utf-16'?>",
    b'<meta charset="utf-7">', b'<meta charset="x-unknown-charset">', b'<meta charset="utf-16">',
    b'<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">', b"\x00", b"\xff\xfe", b"\xfe\xff",
    b"\xef\xbb\xbf", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x80\xa8", "\u202e".encode(),
    b"<h1>", b"</h1>", b"<a href='", b"'>", b"No comments:", b"Post a Comment", b"Related posts", b"function(){",
    b"<!DOCTYPE html>", b"<html lang='zz'>", b"<pre>", b"<template>", b"<frameset>", b"<plaintext>",
]
XML_TOKENS = [
    b"<url>", b"</url>", b"<loc>", b"</loc>", b"<item>", b"</item>", b"<entry>", b"</entry>", b"<link>", b"</link>",
    b'<link href="', b'"/>', b"<![CDATA[", b"]]>", b"<?xml version='1.0'?>", b"<?xml version='1.0' encoding='utf-16'?>",
    b"<?xml version='1.0' encoding='ebcdic-cp-us'?>", b"<?xml version='1.1'?>", b"&amp;", b"&#0;", b"&#x1;",
    b"http://[::1", b"http://[", b"javascript:alert(1)", b"<sitemapindex>", b"<urlset>", b"</urlset>",
    b"<news:news>", b"<news:publication_date>", b"9999-99-99T99:99:99Z", b"<pubDate>", b"<updated>", b"<rss version='2.0'>",
    b"<feed xmlns='http://www.w3.org/2005/Atom'>", b"xmlns:a='", b"<a:b>", b"\x00", b"\xff\xfe", b"\xc3\x28",
    b"<!--", b"-->", b"<!DOCTYPE", b"<!ENTITY", b"<!ELEMENT", b"<!ATTLIST", b"SYSTEM", b"PUBLIC", b"%",
]
TOML_TOKENS = [
    b"[crawl]", b"[schedule]", b"[filter]", b"[dedup]", b"[[sources]]", b"[sources.x]", b"name = ", b"feeds = ",
    b"sitemaps = ", b"start_urls = ", b"follow = ", b"interval = ", b"cron = ", b"timeout = ", b"threshold = ",
    b"corpus = ", b"since = ", b"jitter = ", b"window = ", b"keywords = ", b"languages = ", b"user_agent = ",
    b"max_page_bytes = ", b"concurrency = ", b"extract_timeout = ", b"checkpoint_interval = ", b"retries = ",
    b"obey_robots = ", b"per_host_concurrency = ", b"inf", b"nan", b"-inf", b"1e999", b"9" * 40, b"9" * 5000,
    b"0x7fffffffffffffff", b"-0", b"true", b"1979-05-27T07:32:00Z", b"07:32:00", b"1979-05-27", b'"~nobody/x"',
    b'"\\u0000"', b'"http://[::1/"', b'"(" ', b'"a{99999999999}"', b'"*/0 * * * *"', b"[", b"]", b"{", b"}",
    b"[" * 3000, b"{a=" * 500, b'"""', b"'''", b"\x00", b"\xff", b"\r", b"\\",
]


def _pos(data: bytes, r: random.Random) -> int:
    return r.randint(0, len(data)) if data else 0


def mutate(data: bytes, r: random.Random, *, tokens: list[bytes], seeds: list[bytes], max_len: int) -> bytes:
    """1-4 random mutations; occasionally a structural one that makes the input huge or deep."""
    for _ in range(r.randint(1, 4)):
        op = r.randrange(20)
        p = _pos(data, r)
        if op == 0 and data:  # flip bits
            b = bytearray(data)
            for _ in range(r.randint(1, 8)):
                i = r.randrange(len(b))
                b[i] ^= 1 << r.randrange(8)
            data = bytes(b)
        elif op == 1:  # random bytes
            data = data[:p] + r.randbytes(r.randint(1, 64)) + data[p:]
        elif op == 2 and data:  # delete a chunk
            data = data[:p] + data[p + r.randint(1, max(1, len(data) // 8)):]
        elif op == 3 and data:  # duplicate a chunk
            q = _pos(data, r)
            a, b2 = min(p, q), max(p, q)
            data = data[:b2] + data[a:b2] * r.randint(1, 8) + data[b2:]
        elif op == 4:  # truncate
            data = data[:p]
        elif op in (5, 6, 7):  # a token from the dictionary
            data = data[:p] + r.choice(tokens) + data[p:]
        elif op == 8 and seeds:  # splice with another seed
            other = r.choice(seeds)
            data = data[:p] + other[_pos(other, r):]
        elif op == 9:  # NUL bytes / invalid UTF-8 runs
            junk = r.choice([b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80", b"\x1b$B"]) * r.randint(1, 512)
            data = data[:p] + junk + data[p:]
        elif op == 10:  # re-encode (UTF-16/32 with or without BOM, EBCDIC, latin-1 round trip)
            enc = r.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp037", "latin-1", "utf-7", "shift_jis"])
            try:
                data = data.decode("utf-8", "replace").encode(enc, "replace")
            except Exception:
                pass
        elif op == 11:  # mixed encodings: one half re-encoded
            half = len(data) // 2
            data = data[:half] + data[half:].decode("utf-8", "replace").encode("cp1252", "replace")
        elif op == 12 and r.random() < 0.3:  # deep nesting (lxml/libxml2 depth limits, recursion)
            tag = r.choice([b"div", b"span", b"table", b"b", b"ul", b"blockquote", b"item", b"url", b"a"])
            n = r.choice([100, 1000, 10_000, 100_000])
            close = r.random() < 0.5
            data = data[:p] + b"<" + tag + b">" * 1 + (b"<" + tag + b">") * n + (b"</" + tag + b">") * (n if close else 0) + data[p:]
        elif op == 13 and r.random() < 0.3:  # huge attribute / many attributes / huge text run
            kind = r.randrange(3)
            if kind == 0:
                blob = b'<div class="' + b"a" * r.choice([10_000, 1_000_000]) + b'">'
            elif kind == 1:
                blob = b"<div " + b" ".join(b"a%d=1" % i for i in range(r.choice([100, 5000]))) + b">"
            else:
                blob = b"<p>" + r.choice([b"x", b"word ", b"&amp;", b"<", b"["]) * r.choice([10_000, 500_000]) + b"</p>"
            data = data[:p] + blob + data[p:]
        elif op == 14:  # BOM prefix
            data = r.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]) + data
        elif op == 15 and data:  # swap two chunks
            q = _pos(data, r)
            a, b2 = min(p, q), max(p, q)
            data = data[b2:] + data[a:b2] + data[:a]
        elif op == 16:  # repeat a token many times
            data = data[:p] + r.choice(tokens) * r.randint(2, 2000) + data[p:]
        elif op == 17 and data:  # overwrite a byte with an interesting value
            b = bytearray(data)
            b[r.randrange(len(b))] = r.choice([0, 0x0B, 0x0C, 0x1B, 0x22, 0x26, 0x27, 0x3C, 0x3E, 0x7F, 0x80, 0xC0, 0xFF])
            data = bytes(b)
        elif op == 18:  # case change (tags, keywords)
            data = data.swapcase() if r.random() < 0.5 else data.upper()
        else:  # a token pair around a chunk
            data = data[:p] + r.choice(tokens) + data[p:p + r.randint(0, 200)] + r.choice(tokens) + data[p:]
        data = data[:max_len]  # after every step: chained growth (a 50 KB token x 2,000, then x 8) took ~1 GB
    return data


# ----------------------------------------------------------------------------- findings


class Finding(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


class Hang(BaseException):
    """Raised by the watchdog; a BaseException so `except Exception` in library code cannot hide it."""


# ----------------------------------------------------------------------------- targets

CONTENT_TYPES = [None, "text/html", "text/html; charset=utf-8", "text/html; charset=iso-8859-1",
                 "text/html; charset=utf-16", "text/html; charset=bogus", "application/xhtml+xml",
                 "application/octet-stream", "text/plain; charset=shift_jis", "text/html; charset=\"", "image/png"]
FEED_TYPES = [None, "application/rss+xml", "application/atom+xml; charset=utf-8", "text/xml", "text/html",
              "application/xml; charset=utf-16", "text/xml; charset=utf-7", "application/xml; charset=ebcdic-cp-us",
              "application/xml; charset=bogus"]


class CleaningTarget:
    name = "cleaning"
    max_len = 2_000_000

    def __init__(self, canary: Canary) -> None:
        from copydesk import cleaning

        self.cleaning = cleaning
        self.canary = canary
        self.seeds = html_seeds()
        self.tokens = HTML_TOKENS + canary.html_tokens()

    def run(self, data: bytes, r: random.Random) -> str:
        c = self.cleaning
        ct = r.choice(CONTENT_TYPES)
        result = c.analyze(data, "https://news.example/2026/11/01/story.html", content_type=ct)
        self._check(result)
        text = c.decode_html(data, ct)
        if not isinstance(text, str):
            raise Finding("bad_result", f"decode_html returned {type(text).__name__}")
        if r.random() < 0.25:  # the str path (a caller that decoded itself) and the plain-text path
            self._check(c.analyze(text, None))
            cleaned = c.clean_text(text[:200_000])
            if not isinstance(cleaned, str) or "\n\n" in cleaned:
                raise Finding("bad_result", "clean_text returned blank lines or a non-str")
        if self.canary.token in repr(result):
            raise Finding("leak", "canary file content in the extraction result")
        return result.reason if not result else "article"

    def _check(self, result: object) -> None:
        c = self.cleaning
        if isinstance(result, c.Rejected):
            if not result.reason or not isinstance(result.reason, str):
                raise Finding("bad_result", "Rejected without a reason")
            return
        if not isinstance(result, c.Article):
            raise Finding("bad_result", f"analyze returned {type(result).__name__}")
        if not result.text or "\n\n" in result.text or "\x00" in result.text:
            raise Finding("bad_result", "Article text empty, with blank lines or with NUL")


class DiscoveryTarget:
    name = "discovery"
    max_len = 1_000_000

    def __init__(self, canary: Canary) -> None:
        from copydesk.crawler import discovery

        self.d = discovery
        self.canary = canary
        self.feeds, self.sitemaps, self.robots = feed_seeds(), sitemap_seeds(), robots_seeds()
        self.seeds = self.feeds + self.sitemaps + self.robots
        self.tokens = XML_TOKENS + canary.xml_tokens()

    def run(self, data: bytes, r: random.Random) -> str:
        d = self.d
        which = r.randrange(5)
        try:
            if which in (0, 1):
                out = d.parse_feed(data, "https://news.example/feed/", content_type=r.choice(FEED_TYPES))
                self._check_links(out)
            elif which in (2, 3):
                body = data
                if r.random() < 0.2:  # a .xml.gz sitemap, sometimes truncated or corrupted
                    body = gzip.compress(data)
                    if r.random() < 0.3:
                        body = mutate(body, r, tokens=[b"\x00", b"\xff"], seeds=[], max_len=self.max_len)
                max_size = r.choice([1024, 65536, 50_000_000])
                out = d.parse_sitemap(body, "https://news.example/sitemap.xml", max_size=max_size)
                if not isinstance(out, d.Sitemap) or out.kind not in ("index", "urlset"):
                    raise Finding("bad_result", f"parse_sitemap returned {out!r:.200}")
                self._check_links(out.links)
                if not all(isinstance(u, str) for u in out.sitemaps):
                    raise Finding("bad_result", "non-str child sitemap")
            else:
                out = d.robots_sitemaps(data, "https://news.example/robots.txt")
                if not all(isinstance(u, str) for u in out):
                    raise Finding("bad_result", "non-str sitemap URL")
                size = r.choice([1, 1024, 1_000_000])
                try:
                    raw = d.gunzip(gzip.compress(data) if r.random() < 0.7 else data, size)
                except d.DiscoveryError:
                    raw = b""
                if len(raw) > size:
                    raise Finding("bad_result", f"gunzip returned {len(raw)} bytes > max_size {size}")
        except d.DiscoveryError as e:
            if not e.reason:
                raise Finding("bad_result", "DiscoveryError without a reason") from None
            out = e.reason
        if self.canary.token in repr(out):
            raise Finding("leak", "canary file content in the parse result")
        if self.canary.hits:
            hits, self.canary.hits[:] = list(self.canary.hits), []
            raise Finding("fetch", f"the loopback server was asked for {hits}")
        return out if isinstance(out, str) else type(out).__name__

    def _check_links(self, links: object) -> None:
        if not isinstance(links, list) or not all(isinstance(x, self.d.Link) and isinstance(x.url, str) for x in links):
            raise Finding("bad_result", f"links are not a list of Link: {links!r:.200}")


class ConfigTarget:
    name = "config"
    max_len = 200_000

    def __init__(self, canary: Canary) -> None:
        from copydesk import config

        self.config = config
        self.seeds = config_seeds()
        self.tokens = TOML_TOKENS
        self.dir = tempfile.mkdtemp(prefix="copydesk-fuzz-config-")
        self.path = Path(self.dir) / "copydesk.toml"

    def run(self, data: bytes, r: random.Random) -> str:
        c = self.config
        if r.random() < 0.5:
            self.path.write_bytes(data)
            try:
                c.load(self.path)
                return "ok"
            except c.ConfigError as e:
                self._check_error(e)
                return f"file:{e.key or 'toml'}"
        d = random_config(r)
        try:
            c.from_dict(d, base=Path(self.dir))
            return "ok"
        except c.ConfigError as e:
            self._check_error(e)
            return f"dict:{e.key.split('[')[0] or '?'}"

    @staticmethod
    def _check_error(e: Exception) -> None:
        if not (getattr(e, "key", "") or str(e)):
            raise Finding("bad_result", "ConfigError with neither key nor message")


# The real key names, and values of every TOML type (plus the corner values of each).
CONFIG_KEYS = {
    "": ["corpus", "crawl", "schedule", "filter", "dedup", "sources"],
    "crawl": ["user_agent", "obey_robots", "concurrency", "per_host_concurrency", "timeout", "max_page_bytes",
              "retries", "extract_timeout", "checkpoint_interval"],
    "schedule": ["interval", "jitter"],
    "filter": ["keywords", "languages", "since"],
    "dedup": ["threshold", "window"],
    "sources": ["name", "feeds", "sitemaps", "start_urls", "follow", "interval", "cron"],
}


def random_scalar(r: random.Random) -> object:
    import datetime as dt
    import math

    k = r.randrange(14)
    if k == 0:
        return r.choice([0, 1, -1, 2**63 - 1, -(2**63), 10**400, -10**400, 1024, 1023])
    if k == 1:
        return r.choice([0.0, -0.0, 0.5, 1.0, 1.0000001, math.inf, -math.inf, math.nan, 1e308, 5e-324])
    if k == 2:
        return r.choice([True, False])
    if k == 3:
        return r.choice(["", " ", "15m", "90s", "2h", "1d", "0s", "1.5h", "-1m", "9" * 400 + "d", "1e3s", "15 m",
                         "nan", "inf", "15M", "\x00", "~nosuchuser/x", "a\x00b", "/", ".", "en", "EN", "e", "eng",
                         "2026-01-31", "2026-02-30", "2026-01-31T10:00:00", "*/15 * * * *", "*/0 * * * *",
                         "0 0 31 2 *", "(", "a{99999999999}", "(" * 2000 + ")" * 2000, "http://[::1/",
                         "https://example.org/feed.xml", "ftp://x/", "http:///", "wire", "a\n", "-x", "x" * 65])
    if k == 4:
        return "".join(chr(r.randrange(0x110000)) if r.random() < 0.3 else r.choice("abc/*:[]{}()\\ 0123456789")
                       for _ in range(r.randint(0, 30))).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if k == 5:
        return dt.date(r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28))
    if k == 6:
        return dt.datetime(r.randint(1, 9999), 1, 1, tzinfo=r.choice([None, dt.timezone.utc]))
    if k == 7:
        return dt.time(r.randint(0, 23), r.randint(0, 59))
    if k == 8:
        return r.randint(-10**6, 10**6)
    if k == 9:
        return r.uniform(-1e6, 1e6)
    return r.choice(["https://ex.example/feed", "https://ex.example/", "15m", "en", "x"])


def random_value(r: random.Random, depth: int = 0) -> object:
    k = r.randrange(6) if depth < 3 else 5
    if k == 0:
        return [random_value(r, depth + 1) for _ in range(r.randint(0, 3))]
    if k == 1:
        return {r.choice(sum(CONFIG_KEYS.values(), []) + ["x", ""]): random_value(r, depth + 1) for _ in range(r.randint(0, 3))}
    return random_scalar(r)


def random_config(r: random.Random) -> dict:
    """A TOML-like dict: mostly the real key names, with valid or hostile values."""
    d: dict = {}
    for key in CONFIG_KEYS[""]:
        if r.random() < 0.5:
            continue
        if key in ("crawl", "schedule", "filter", "dedup"):
            if r.random() < 0.9:
                d[key] = {k: random_value(r, 1) for k in CONFIG_KEYS[key] if r.random() < 0.4}
            else:
                d[key] = random_value(r, 1)
        elif key == "sources":
            if r.random() < 0.9:
                d[key] = [{k: random_source_value(r, k) for k in CONFIG_KEYS["sources"] if r.random() < 0.5}
                          for _ in range(r.randint(0, 3))]
            else:
                d[key] = random_value(r, 1)
        else:
            d[key] = random_value(r, 1)
    if r.random() < 0.1:
        d[r.choice(["unknown", "crawl.timeout", "Corpus", ""])] = random_value(r, 1)
    return d


def random_source_value(r: random.Random, key: str) -> object:
    if key in ("feeds", "sitemaps", "start_urls", "follow") and r.random() < 0.7:
        return [random_scalar(r) if r.random() < 0.3 else r.choice(["https://ex.example/f", "/\\d{4}/", "("])
                for _ in range(r.randint(0, 3))]
    if key == "name" and r.random() < 0.5:
        return r.choice(["wire", "wire", "a.b_c-d", "", "a\n", "x" * 64, "x" * 65, "é"])
    return random_value(r, 1)


TARGETS = {"cleaning": CleaningTarget, "discovery": DiscoveryTarget, "config": ConfigTarget}


# ----------------------------------------------------------------------------- the mutation engine


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def save(out: Path, target: str, kind: str, data: bytes, detail: str) -> Path:
    h = hashlib.sha1(data).hexdigest()[:12]
    p = out / f"{target}-{kind}-{h}.bin"
    p.write_bytes(data)
    p.with_suffix(".txt").write_text(detail)
    return p


def run_mutate(target_name: str, seconds: float, out: Path, seed: int, slow: float, hang: float,
               max_rss_mb: float, canary: Canary) -> dict:
    target = TARGETS[target_name](canary)
    r = random.Random(seed)
    corpus = list(target.seeds)
    outcomes: dict[str, int] = {}
    findings: list[dict] = []
    seen_findings: set[tuple[str, str]] = set()
    slowest: list[tuple[float, int, str]] = []  # (seconds, size, saved path)
    rss_start = rss_mb()
    peak = rss_start
    rss_samples: list[float] = []
    import resource

    execs = 0
    total_bytes = 0
    rss_jumps: list[dict] = []
    last_hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    largest = 0

    def on_alarm(signum, frame):
        raise Hang()

    signal.signal(signal.SIGALRM, on_alarm)
    t_start = time.monotonic()
    deadline = t_start + seconds
    while time.monotonic() < deadline:
        base = r.choice(corpus)
        data = mutate(base, r, tokens=target.tokens, seeds=target.seeds, max_len=target.max_len)
        # `kind` of the inputs: every 50th is pure random bytes, no seed at all
        if execs % 50 == 49:
            data = r.randbytes(r.randint(0, 4096))
        execs += 1
        total_bytes += len(data)
        largest = max(largest, len(data))
        exec_rng = random.Random(r.random())
        t0 = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, hang)
        try:
            outcome = target.run(data, exec_rng)
            error = None
        except Hang:
            outcome, error = "hang", ("hang", f"stopped after {hang:.0f} s")
        except Finding as f:
            outcome, error = f.kind, (f.kind, f.detail)
        except BaseException as e:  # noqa: BLE001 - anything else escaping is exactly what we look for
            if isinstance(e, KeyboardInterrupt):
                raise
            outcome = "exception"
            error = ("exception", f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        dt_ = time.perf_counter() - t0
        if outcome not in outcomes and len(corpus) < 500 and len(data) < 100_000 and error is None:
            corpus.append(data)  # a new outcome: keep the input as a seed (poor man's feedback)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if dt_ > slow and error is None:
            error = ("slow", f"{dt_:.2f} s for {len(data)} bytes")
        if len(slowest) < 5 or dt_ > slowest[-1][0]:
            path = save(out, target_name, "slowest", data, f"{dt_:.3f} s, {len(data)} bytes") if dt_ > 0.5 else None
            slowest.append((dt_, len(data), str(path) if path else ""))
            slowest.sort(reverse=True)
            del slowest[5:]
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # high-water mark, MB
        if hwm - last_hwm > 100 and execs > 1:  # this input raised the process's peak by > 100 MB: keep it
            path = save(out, target_name, "rss_jump", data, f"peak RSS {last_hwm:.0f} -> {hwm:.0f} MB, {len(data)} bytes, "
                        f"{dt_:.2f} s, outcome {outcome}")
            rss_jumps.append({"from_mb": round(last_hwm), "to_mb": round(hwm), "bytes": len(data), "input": str(path)})
        last_hwm = hwm
        if execs % 20 == 0 or dt_ > 0.5:
            now = rss_mb()
            peak = max(peak, now)
            rss_samples.append(now)
            if now > max_rss_mb and error is None:
                error = ("memory", f"RSS {now:.0f} MB after this input ({len(data)} bytes)")
        if error is not None:
            kind, detail = error
            first_line = detail.split("\n", 1)[0][:120]
            key = (kind, first_line if kind != "slow" else "")
            path = save(out, target_name, kind, data, detail)
            if key not in seen_findings or kind == "slow":
                seen_findings.add(key)
                findings.append({"kind": kind, "detail": first_line, "input": str(path), "size": len(data),
                                 "seconds": round(dt_, 3)})
                print(f"[{target_name}] FINDING {kind}: {first_line} -> {path}", flush=True)
    elapsed = time.monotonic() - t_start
    tail = rss_samples[-max(1, len(rss_samples) // 10):] if rss_samples else [peak]
    head = rss_samples[: max(1, len(rss_samples) // 10)] if rss_samples else [rss_start]
    return {
        "target": target_name, "engine": "mutate", "seed": seed, "seconds": round(elapsed, 1), "executions": execs,
        "exec_per_s": round(execs / elapsed, 1) if elapsed else 0, "mean_input_bytes": total_bytes // max(1, execs),
        "largest_input_bytes": largest, "corpus_size": len(corpus),
        "slowest": [{"seconds": round(s, 3), "bytes": n, "input": p} for s, n, p in slowest],
        "rss_mb": {"start": round(rss_start), "peak_sampled": round(peak),
                   "ru_maxrss": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                   "first_tenth_mean": round(sum(head) / len(head)), "last_tenth_mean": round(sum(tail) / len(tail))},
        "outcomes": dict(sorted(outcomes.items(), key=lambda kv: -kv[1])[:25]),
        "rss_jumps": rss_jumps, "network_hits": len(canary.hits), "findings": findings,
    }


# ----------------------------------------------------------------------------- the atheris engine


def run_atheris(target_name: str, seconds: float, out: Path, slow: float, max_rss_mb: float, canary: Canary) -> None:
    """Coverage-guided: libFuzzer mutates, our modules (and feedparser/tomllib) are instrumented.

    libFuzzer ends the process itself and prints its statistics (stat::number_of_executed_units,
    average_exec_per_sec, slowest_unit_time_sec, peak_rss_mb); a summary of our own timing is
    rewritten to OUT/summary-atheris-TARGET.json every 50 inputs.
    """
    import atheris

    with atheris.instrument_imports(include=["copydesk", "feedparser", "tomllib"]):
        from copydesk import cleaning  # noqa: F401
        import copydesk.config  # noqa: F401
        import copydesk.crawler.discovery  # noqa: F401
        import feedparser  # noqa: F401
    target = TARGETS[target_name](canary)
    seed_dir = out / f"corpus-{target_name}"
    seed_dir.mkdir(parents=True, exist_ok=True)
    for s in target.seeds:
        (seed_dir / hashlib.sha1(s).hexdigest()[:16]).write_bytes(s)
    state = {"execs": 0, "slowest": 0.0, "t0": time.monotonic(), "outcomes": {}}
    summary_path = out / f"summary-atheris-{target_name}.json"

    def one(data: bytes) -> None:
        fdp_seed = int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "little")
        t0 = time.perf_counter()
        try:
            outcome = target.run(data, random.Random(fdp_seed))
        except Finding as f:
            save(out, target_name, f.kind, data, f.detail)
            raise
        dt_ = time.perf_counter() - t0
        state["execs"] += 1
        state["outcomes"][outcome] = state["outcomes"].get(outcome, 0) + 1
        if dt_ > state["slowest"]:
            state["slowest"] = dt_
            if dt_ > 0.5:
                save(out, target_name, "slowest", data, f"{dt_:.3f} s")
        if dt_ > slow:
            save(out, target_name, "slow", data, f"{dt_:.3f} s")
        if state["execs"] % 50 == 0:
            el = time.monotonic() - state["t0"]
            summary_path.write_text(json.dumps({
                "target": target_name, "engine": "atheris", "executions": state["execs"], "seconds": round(el, 1),
                "exec_per_s": round(state["execs"] / el, 1), "slowest_s": round(state["slowest"], 3),
                "rss_mb": round(rss_mb()), "network_hits": len(canary.hits),
                "outcomes": dict(sorted(state["outcomes"].items(), key=lambda kv: -kv[1])[:25])}, indent=1))

    max_len = {"cleaning": 262_144, "discovery": 65_536, "config": 16_384}[target_name]
    atheris.Setup([sys.argv[0], f"-max_total_time={int(seconds)}", "-timeout=30", f"-rss_limit_mb={int(max_rss_mb)}",
                   f"-max_len={max_len}", f"-artifact_prefix={out}/atheris-{target_name}-", "-print_final_stats=1",
                   str(seed_dir)], one)
    atheris.Fuzz()


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    ap.add_argument("--seconds", type=float, default=60.0, help="per target")
    ap.add_argument("--out", type=Path, default=Path("fuzz-out"))
    ap.add_argument("--engine", choices=["mutate", "atheris"], default="mutate")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--slow", type=float, default=2.0, help="seconds: an input slower than this is a finding")
    ap.add_argument("--hang", type=float, default=30.0, help="seconds: the watchdog stops an input after this")
    ap.add_argument("--max-rss-mb", type=float, default=2048.0)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    canary = Canary()
    targets = list(TARGETS) if args.target == "all" else [args.target]
    if args.engine == "atheris":
        if len(targets) != 1:
            ap.error("--engine atheris fuzzes one --target per process (libFuzzer exits when done)")
        run_atheris(targets[0], args.seconds, args.out, args.slow, args.max_rss_mb, canary)
        return 0
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    summaries = []
    try:
        for name in targets:
            s = run_mutate(name, args.seconds, args.out, seed, args.slow, args.hang, args.max_rss_mb, canary)
            summaries.append(s)
            (args.out / f"summary-{name}.json").write_text(json.dumps(s, indent=1))
            print(json.dumps(s, indent=1), flush=True)
    finally:
        canary.close()
    bad = [f for s in summaries for f in s["findings"] if f["kind"] != "slow"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
