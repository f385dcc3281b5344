"""Cookie-consent walls (copydesk/consent.py) are not stored: an article URL redirected to a consent
page, or a page whose text is a consent notice, fails as `consent_wall` and is fetched again by the
next run; articles about cookies and privacy are stored (tests/fixtures/consent)."""
from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from urllib.parse import quote

import pytest

from copydesk import cleaning
from copydesk.consent import is_consent_text, is_consent_url, redirected_to_consent, score
from copydesk.storage import Corpus
from sites import Route, Site, rss
from tests.run_cli import copydesk

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WALLS = sorted((FIXTURES / "consent").glob("wall-*.txt"))
ARTICLES = sorted((FIXTURES / "consent").glob("article-*.txt"))
DATE = "Mon, 02 Nov 2026 08:00:00 GMT"


def lang(path: Path) -> str:
    return path.stem.split("-")[1]


def wall_html(path: Path) -> str:
    """A consent wall as such pages come: a dialog, its buttons, the site's furniture around it."""
    title, *lines = path.read_text(encoding="utf-8").strip().split("\n")
    body = "".join(
        "<div class='buttons'>" + "".join(f"<button>{escape(b)}</button>" for b in re.findall(r"\[([^]]+)\]", line))
        + "</div>" if line.startswith("[") else f"<p>{escape(line)}</p>" for line in lines)
    return (f"<!doctype html><html lang='{lang(path)}'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title></head><body><header><a href='/'>Home</a></header>"
            f"<div class='consent' role='dialog'><h1>{escape(title)}</h1>{body}</div>"
            "<footer>Imprint · Privacy policy</footer></body></html>")


def article_page(path: Path) -> tuple[str, str]:
    title, *paras = path.read_text(encoding="utf-8").strip().split("\n")
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return title, (f"<!doctype html><html lang='{lang(path)}'><head><meta charset='utf-8'>"
                   f"<title>{escape(title)}</title>"
                   "<meta property='article:published_time' content='2026-11-02T08:00:00Z'></head>"
                   f"<body><nav><a href='/'>Home</a> <a href='/tech/'>Tech</a></nav>"
                   f"<article><h1>{escape(title)}</h1>{body}</article><footer>© 2026 Test Site</footer></body></html>")


@pytest.mark.parametrize("path", WALLS, ids=lambda p: p.stem)
def test_a_consent_notice_in_each_language_is_recognised_after_cleaning(path):
    result = cleaning.analyze(wall_html(path).encode(), "https://news.example/2026/11/story.html")
    assert result, f"cleaning rejected the wall ({result.reason}): the test would not reach the detector"
    assert is_consent_text(result.text, result.title), score(f"{result.title}\n{result.text}")


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_articles_about_cookies_and_privacy_are_not_consent_notices(path):
    title, html = article_page(path)
    result = cleaning.analyze(html.encode(), "https://news.example/2026/11/story.html")
    assert result and result.title == title
    assert not is_consent_text(result.text, result.title), score(f"{result.title}\n{result.text}")
    # not by length alone: a third of the article, its densest paragraphs, is no notice either
    paras = sorted(result.text.split("\n"), key=lambda p: -score(p).density)
    assert not is_consent_text("\n".join(paras[: max(2, len(paras) // 3)]), result.title)


def test_the_cleaning_development_pages_are_not_consent_notices():
    """copydesk's 64 cleaning pages, one of them a news CMS page with a cookie banner, as cleaned."""
    flagged = []
    for line in (FIXTURES / "cleaning" / "cases.jsonl").read_text().splitlines():
        case = json.loads(line)
        result = cleaning.analyze((FIXTURES / "cleaning" / case["html_path"]).read_bytes(), case["url"])
        if result and is_consent_text(result.text, result.title):
            flagged.append(case["id"])
    assert flagged == []


@pytest.mark.parametrize("final, requested, wall", [
    ("https://news.example/consent?return=%2Fnews%2Fa.html", "https://news.example/news/a.html", True),
    ("https://consent.portal.example/v2/collectConsent?sessionId=3", "https://news.portal.example/a.html", True),
    ("https://news.example/de/einwilligung/", "https://news.example/de/politik/a.html", True),
    ("https://news.example/privacy-choices?continue=x", "https://news.example/a.html", True),
    ("https://news.example/cookie-settings", "https://news.example/a.html", True),
    # not consent pages, or not reached from another URL
    ("https://news.example/news/a.html", "http://news.example/news/a.html", False),     # http -> https
    ("https://news.example/consent", "http://news.example/consent", False),             # the same page
    ("https://news.example/privacy-policy", "https://news.example/a.html", False),      # a policy, no choice
    ("https://news.example/food/cookies/oat-cookies-win", "https://news.example/a.html", False),
    ("https://news.example/2026/privacy-law-passes-in-parliament", "https://news.example/a.html", False),
    ("https://news.example/consent", None, False),
])
def test_a_redirect_to_a_consent_page(final, requested, wall):
    assert redirected_to_consent(final, requested) is wall
    assert is_consent_url("https://news.example/tech/consent-banner-fines-rise") is False


def test_a_crawl_stores_no_consent_wall_and_fetches_the_article_again(tmp_path):
    """Three articles redirected to the site's consent page (one of them too short to be taken for
    an article at all), walls in five languages served at article URLs themselves, and six articles
    about cookies and privacy. The walls fail as consent_wall; once the walls are gone, the next
    run fetches those articles again and stores them."""
    redirected = ["/news/a.html", "/news/b.html", "/news/c.html"]
    in_place = {f"/news/wall-{p.stem.removeprefix('wall-')}.html": p for p in WALLS if lang(p) != "en"}
    about = {f"/tech/{p.stem}.html": p for p in ARTICLES}
    with Site() as site:
        for path in redirected:
            consent = f"/consent?return={quote(path, safe='')}"
            site.routes[path] = Route(redirect=site.url(consent))
            site.routes[consent] = Route(wall_html(WALLS[0]).encode() if path != "/news/c.html" else
                                         b"<html><body><p>We use cookies.</p><button>Accept all</button>"
                                         b"<button>Manage choices</button></body></html>")
        for path, wall in in_place.items():
            site.routes[path] = Route(wall_html(wall).encode())
        for path, article in about.items():
            site.routes[path] = Route(article_page(article)[1].encode())
        listed = [*redirected, *in_place, *about]
        site.routes["/rss.xml"] = Route(rss([(site.url(p), p, DATE) for p in listed]),
                                        content_type="application/rss+xml")
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[crawl]\nretries = 0\n[[sources]]\nname = "walls"\n'
                       f'feeds = ["{site.url("/rss.xml")}"]\n')

        def stored() -> list[str]:
            return sorted(d["url"].removeprefix(site.base) for d in Corpus(tmp_path / "corpus").documents())

        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr[-3000:]
        assert stored() == sorted(about), r.stdout[-3000:]
        st = json.loads(copydesk("status", "-c", cfg, "--json").stdout)
        assert st["sources"][0]["last_run"]["counts"]["failed"] == {"consent_wall": len(redirected) + len(in_place)}
        errors = {e["url"].removeprefix(site.base): e for e in st["recent_errors"]}
        # counted under the article URL, with the consent page it was sent to
        assert errors["/news/a.html"]["reason"] == "consent_wall"
        assert errors["/news/a.html"]["detail"] == f"redirected to {site.url('/consent?return=%2Fnews%2Fa.html')}"
        assert not any(u.startswith("/consent") for u in errors)

        # the walls are lifted (consent given, or gone): the failed article URLs are fetched again
        for i, path in enumerate([*redirected, *in_place]):
            site.routes[path] = Route(article_page(ARTICLES[i % len(ARTICLES)])[1]
                                      .replace("</article>", f"<p>Update {i}: the ferry timetable for the "
                                               f"winter months was published on Friday.</p></article>").encode())
        consent_hits = sum(len(site.requested(f"/consent?return={quote(p, safe='')}")) for p in redirected)
        r = copydesk("crawl", "-c", cfg)
        assert r.returncode == 0, r.stderr[-3000:]
        assert stored() == sorted(listed)
        # the consent page was never taken for an article URL to retry
        assert sum(len(site.requested(f"/consent?return={quote(p, safe='')}")) for p in redirected) == consent_hits
        assert all(len(site.requested(p)) == 2 for p in [*redirected, *in_place])
        assert all(len(site.requested(p)) == 1 for p in about)
