"""Outlet page templates of the demo world.

Each outlet has an ``article_<key>(info, base)`` function returning ``(html, boilerplate)``:
the page's HTML as str and the visible template lines on it (in page order).  The boilerplate
list is produced by the very code that writes the HTML, so the ground truth cannot drift from
the page.  Boilerplate never depends on ``base`` (the server's URL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from typing import Callable

OUTLET_KEYS = ("wire", "gazette", "ledger", "blog", "farm")

OUTLET_NAMES = {
    "wire": "Meridian Press",
    "gazette": "The Harbor Gazette",
    "ledger": "Northern Ledger",
    "blog": "Alder Watch",
    "farm": "My Blog",
}

# Base URLs used when the world is not serving (e.g. for write_static without start()).
FALLBACK_BASES = {
    "wire": "http://www.meridianpress.example",
    "gazette": "http://www.harborgazette.example",
    "ledger": "http://www.northernledger.example",
    "blog": "http://alderwatch.blogspot.example",
    "farm": "http://newsdeskhub.example",
}

# How article pages are encoded on the wire / on disk.
ENCODINGS = {"wire": "utf-8", "gazette": "utf-8", "ledger": "windows-1252", "blog": "utf-8", "farm": "utf-8"}

FARM_SITE_LABEL = "newsdeskhub"
FARM_TRACKING = "utm_source=newsdeskhub&utm_medium=related"

FARM_SCRIPT_TAIL = (
    '`; document.getElementById("promo-box").innerHTML = cont; var d = document.getElementById("promo-link"); '
    'if (d !== null && d !== undefined) { d.style.textAlign = "center"; d.style.marginTop = "12px"; '
    'd.style.backgroundColor = "#1d3557"; } } (function (v, i) { });'
)

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass
class PageInfo:
    """Everything a template needs about one article page (internal)."""

    outlet: str
    path: str
    story: str
    role: str
    title: str
    paragraphs: tuple[str, ...]
    author: str
    published_time: str           # ISO 8601, UTC, e.g. 2026-03-03T07:05:00+00:00
    description: str
    section: str
    batch: int
    disallowed: bool = False
    num: int = 0                  # a per-page number used in ids
    quirks: tuple[str, ...] = ()
    related: list[tuple[str, str]] = field(default_factory=list)   # (title, path)
    labels: tuple[str, ...] = ()

    @property
    def date(self) -> str:
        return self.published_time[:10]

    def ymd(self) -> tuple[int, int, int]:
        y, m, d = self.date.split("-")
        return int(y), int(m), int(d)

    def hm(self) -> tuple[int, int]:
        return int(self.published_time[11:13]), int(self.published_time[14:16])


def _e(s: str) -> str:
    return escape(s, quote=True)


def _weekday(y: int, m: int, d: int) -> str:
    import datetime as _dt
    return DAYS[_dt.date(y, m, d).weekday()]


def _og(info: PageInfo, url: str, site: str, image: str | None = None) -> str:
    tags = [
        f'<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{_e(info.title)}">',
        f'<meta property="og:description" content="{_e(info.description)}">',
        f'<meta property="og:url" content="{_e(url)}">',
        f'<meta property="og:site_name" content="{_e(site)}">',
        f'<meta property="article:published_time" content="{info.published_time}">',
        f'<meta property="article:section" content="{_e(info.section.title())}">',
    ]
    if image:
        tags.append(f'<meta property="og:image" content="{_e(image)}">')
    return "\n".join(tags)


def _jsonld(info: PageInfo, url: str, publisher: str, base: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": info.title,
        "description": info.description,
        "datePublished": info.published_time,
        "dateModified": info.published_time,
        "author": [{"@type": "Person", "name": info.author}],
        "publisher": {"@type": "Organization", "name": publisher,
                      "logo": {"@type": "ImageObject", "url": base + "/static/logo.png"}},
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "inLanguage": "en",
    }
    # "</" would end the script element early
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


class _BP:
    """Collects boilerplate lines while a template is written."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str) -> str:
        """Record a visible template line and return it HTML-escaped."""
        if text not in self.lines:
            self.lines.append(text)
        return _e(text)


# --------------------------------------------------------------------------- wire: divs with classes
def article_wire(info: PageInfo, base: str) -> tuple[str, list[str]]:
    bp = _BP()
    url = base + info.path
    y, m, d = info.ymd()
    hh, mm = info.hm()
    shown = f"{MONTHS[m - 1]} {d}, {y} {hh:02d}:{mm:02d} UTC"
    paras = "\n".join(f'<p class="story-paragraph">{_e(p)}</p>' for p in info.paragraphs)
    related = "\n".join(
        f'<li class="most-read-item"><a href="{_e(path)}">{bp(title)}</a></li>' for title, path in info.related
    )
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(info.title)} | Meridian Press</title>
<meta name="description" content="{_e(info.description)}">
<meta name="author" content="{_e(info.author)}">
{_og(info, url, "Meridian Press")}
<link rel="canonical" href="{_e(url)}">
<link rel="alternate" type="application/rss+xml" title="Meridian Press top news" href="{_e(base)}/rss.xml">
<script type="application/ld+json">{_jsonld(info, url, "Meridian Press", base)}</script>
<style>body{{font-family:Georgia,serif;margin:0}} .site-header{{background:#0b2545;color:#fff;padding:8px 16px}} .main{{display:flex}} .story{{max-width:720px;padding:16px}} .sidebar{{width:280px;padding:16px}}</style>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag("js", new Date());</script>
</head>
<body>
<div class="site-header">
  <div class="logo"><a href="/">{bp("MERIDIAN PRESS")}</a></div>
  <div class="tagline">{bp("Independent news agency since 1952")}</div>
  <ul class="nav">
    <li><a href="/">{bp("Latest")}</a></li>
    <li><a href="/world/">{bp("World")}</a></li>
    <li><a href="/markets/">{bp("Markets")}</a></li>
    <li><a href="/sport/">{bp("Sport")}</a></li>
    <li><a href="/clients/">{bp("For clients")}</a></li>
  </ul>
</div>
<div class="main">
  <div class="story">
    <div class="story-kicker">{bp(info.section.title())}</div>
    <h1 class="story-headline">{_e(info.title)}</h1>
    <div class="story-byline">{bp("By " + info.author)}</div>
    <div class="story-time"><time datetime="{info.published_time}">{bp(shown)}</time></div>
    <div class="story-body">
{paras}
    </div>
    <div class="story-tools">
      <a class="tool" href="/licensing/">{bp("Purchase licensing rights")}</a>
      <a class="tool" href="/corrections/">{bp("Report an error in this story")}</a>
    </div>
    <div class="trust">{bp("Our standards: The Meridian Press Trust Principles.")}</div>
  </div>
  <div class="sidebar">
    <h2>{bp("Most read")}</h2>
    <ul class="most-read">
{related}
    </ul>
  </div>
</div>
<div class="site-footer">
  <p>{bp("© 2026 Meridian Press. All rights reserved.")}</p>
  <p>{bp("All quotes delayed a minimum of 15 minutes.")}</p>
  <ul>
    <li><a href="/terms/">{bp("Terms of use")}</a></li>
    <li><a href="/privacy/">{bp("Privacy statement")}</a></li>
    <li><a href="/contact/">{bp("Contact the newsdesk")}</a></li>
  </ul>
</div>
</body>
</html>
"""
    return html, bp.lines


# --------------------------------------------------------------------------- gazette: semantic <article>
def article_gazette(info: PageInfo, base: str) -> tuple[str, list[str]]:
    bp = _BP()
    url = base + info.path
    y, m, d = info.ymd()
    hh, mm = info.hm()
    shown = f"Published {d} {MONTHS[m - 1]} {y}, {hh:02d}:{mm:02d}"
    kicker = "Local" if info.role == "original" else info.section.title()
    byline = "By " + info.author if info.role == "original" else f"By {info.author}, Meridian Press"
    body_parts: list[str] = []
    for i, p in enumerate(info.paragraphs):
        body_parts.append(f"<p>{_e(p)}</p>")
        if i == 2:
            body_parts.append(
                '<aside class="newsletter-inline">'
                f'<h3>{bp("The Morning Tide")}</h3>'
                f'<p>{bp("Get the day’s essential Port Alden news in your inbox every morning.")}</p>'
                '<form action="/newsletter/" method="post"><input type="email" name="email" '
                f'placeholder="Your email address"><button type="submit">{bp("Sign up")}</button></form>'
                '</aside>'
            )
    body = "\n".join(body_parts)
    related = "\n".join(f'<li><a href="{_e(path)}">{bp(title)}</a></li>' for title, path in info.related)
    html = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(info.title)} | The Harbor Gazette</title>
<meta name="description" content="{_e(info.description)}">
<meta name="author" content="{_e(info.author)}">
{_og(info, url, "The Harbor Gazette", base + "/images/og-default.jpg")}
<meta name="twitter:card" content="summary_large_image">
<link rel="canonical" href="{_e(url)}">
<link rel="alternate" type="application/atom+xml" title="The Harbor Gazette" href="{_e(base)}/atom.xml">
<script type="application/ld+json">{_jsonld(info, url, "The Harbor Gazette", base)}</script>
<link rel="stylesheet" href="/static/gazette.css">
</head>
<body class="article-page">
<div id="cookie-banner" class="cookie-consent" role="dialog">
  <p>{bp("We use cookies to personalise content and ads and to analyse our traffic.")}</p>
  <button type="button">{bp("Accept all cookies")}</button>
  <button type="button">{bp("Manage preferences")}</button>
</div>
<header class="masthead">
  <a class="brand" href="/">{bp("The Harbor Gazette")}</a>
  <p class="strap">{bp("Port Alden’s newspaper since 1887")}</p>
  <nav class="primary">
    <ul>
      <li><a href="/">{bp("Home")}</a></li>
      <li><a href="/news/local/">{bp("Local")}</a></li>
      <li><a href="/news/world/">{bp("World")}</a></li>
      <li><a href="/news/business/">{bp("Business")}</a></li>
      <li><a href="/sport/">{bp("Sport")}</a></li>
      <li><a href="/opinion/">{bp("Opinion")}</a></li>
      <li><a href="/harbour-life/">{bp("Harbour Life")}</a></li>
    </ul>
  </nav>
  <a class="subscribe-cta" href="/subscribe/">{bp("Subscribe from 1 crown a week")}</a>
</header>
<main id="content">
<article class="article">
  <header class="article-header">
    <p class="kicker">{bp(kicker)}</p>
    <h1 class="headline">{_e(info.title)}</h1>
    <p class="byline">{bp(byline)}</p>
    <p class="pubdate"><time datetime="{info.published_time}">{bp(shown)}</time></p>
  </header>
  <div class="share-bar">
    <a href="#share-facebook">{bp("Share on Facebook")}</a>
    <a href="#share-x">{bp("Share on X")}</a>
    <a href="#share-email">{bp("Share via email")}</a>
    <a href="#copy">{bp("Copy link")}</a>
  </div>
  <div class="article-body">
{body}
  </div>
  <aside class="related-stories">
    <h2>{bp("Related stories")}</h2>
    <ul>
{related}
    </ul>
  </aside>
</article>
</main>
<footer class="site-footer">
  <p>{bp("© 2026 The Harbor Gazette Ltd. All rights reserved.")}</p>
  <ul>
    <li><a href="/about/">{bp("About us")}</a></li>
    <li><a href="/contact/">{bp("Contact the newsroom")}</a></li>
    <li><a href="/privacy/">{bp("Privacy policy")}</a></li>
    <li><a href="/cookies/">{bp("Cookie settings")}</a></li>
  </ul>
  <p>{bp("Registered office: 12 Customs House Quay, Port Alden.")}</p>
</footer>
<script src="/static/consent.js" async></script>
</body>
</html>
"""
    return html, bp.lines


# --------------------------------------------------------------------------- ledger: table layout, windows-1252
LEDGER_TAGS = {"world": ("Kessling", "Varn valley"), "business": ("Economy", "Jobs")}


def article_ledger(info: PageInfo, base: str) -> tuple[str, list[str]]:
    bp = _BP()
    url = base + info.path
    y, m, d = info.ymd()
    shown = f"{_weekday(y, m, d)}, {MONTHS[m - 1]} {d}, {y}"
    byline = "By " + info.author if info.role == "original" else "From Meridian Press"
    paras = "\n".join(f"<p>{_e(p)}</p>" for p in info.paragraphs)
    related = "\n".join(f'<li><a href="{_e(path)}">{bp(title)}</a></li>' for title, path in info.related)
    tags = "<br>\n".join(
        f'<a href="/tag/{t.lower().replace(" ", "-")}/">{bp(t)}</a>' for t in LEDGER_TAGS[info.section]
    )
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>{_e(info.title)} - Northern Ledger</title>
<meta name="description" content="{_e(info.description)}">
<meta name="author" content="{_e(info.author)}">
{_og(info, url, "Northern Ledger")}
<link rel="canonical" href="{_e(url)}">
<style type="text/css">body{{margin:0;font-family:Verdana,sans-serif;font-size:13px}} td.story{{padding:10px}} td.sidebar{{background:#f2efe6;padding:10px}}</style>
</head>
<body bgcolor="#ffffff">
<table class="layout" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr>
  <td colspan="2" class="masthead"><a href="/"><b>{bp("Northern Ledger")}</b></a><br>
  <span class="motto">{bp("Kessling and the Varn valley since 1903")}</span></td>
</tr>
<tr>
  <td colspan="2" class="menu"><a href="/world/">{bp("World")}</a> <a href="/business/">{bp("Business")}</a> <a href="/tag/kessling/">{bp("Kessling")}</a> <a href="/about/">{bp("About the Ledger")}</a></td>
</tr>
<tr>
  <td class="story" width="70%" valign="top">
<h1>{_e(info.title)}</h1>
<p class="by">{bp(byline)}</p>
<p class="date">{bp(shown)}</p>
{paras}
<p class="cookie-note">{bp("This site uses cookies. By continuing to browse you agree to our use of cookies.")}</p>
  </td>
  <td class="sidebar" width="30%" valign="top">
<h3>{bp("Related stories")}</h3>
<ul>
{related}
</ul>
<h3>{bp("Topics")}</h3>
{tags}
<h3>{bp("Share this story")}</h3>
<a href="#facebook">{bp("Facebook")}</a><br>
<a href="#email">{bp("Email a friend")}</a><br>
<a href="javascript:window.print()">{bp("Print this page")}</a>
<h3>{bp("Ledger Newsletter")}</h3>
<p>{bp("Get the Ledger’s top stories every weekday at 7am.")}</p>
<a href="/newsletter/">{bp("Sign up free")}</a>
  </td>
</tr>
<tr>
  <td colspan="2" class="footer">{bp("Copyright © 2026 Northern Ledger Newspapers. All rights reserved.")}<br>
  {bp("Northern Ledger, 4 Storgatan, Kessling.")}</td>
</tr>
</table>
</body>
</html>
"""
    return html, bp.lines


# --------------------------------------------------------------------------- blog: Blogger-like
def _blog_time(info: PageInfo) -> str:
    hh, mm = info.hm()
    suffix = "AM" if hh < 12 else "PM"
    h12 = hh % 12 or 12
    return f"{h12}:{mm:02d} {suffix}"


def article_blog(info: PageInfo, base: str) -> tuple[str, list[str]]:
    bp = _BP()
    url = base + info.path
    y, m, d = info.ymd()
    date_header = f"{_weekday(y, m, d)}, {MONTHS[m - 1]} {d}, {y}"
    body = "<br />\n<br />\n".join(_e(p) for p in info.paragraphs)
    labels = ", ".join(info.labels) if info.labels else "news"
    html = f"""<!DOCTYPE html>
<html class="v2" dir="ltr" lang="en">
<head>
<meta content="width=1100" name="viewport">
<meta content="text/html; charset=UTF-8" http-equiv="Content-Type">
<meta content="blogger" name="generator">
<link href="{_e(base)}/favicon.ico" rel="icon" type="image/x-icon">
<link href="{_e(url)}" rel="canonical">
<link rel="alternate" type="application/rss+xml" title="Alder Watch - RSS" href="{_e(base)}/feeds/posts/default?alt=rss">
<meta content="{_e(info.description)}" name="description">
<meta content="{_e(url)}" property="og:url">
<meta content="{_e(info.title)}" property="og:title">
<meta content="{_e(info.description)}" property="og:description">
<meta content="article" property="og:type">
<meta content="{info.published_time}" property="article:published_time">
<title>Alder Watch: {_e(info.title)}</title>
<style id="page-skin-1" type="text/css">body{{font:normal normal 14px Arial,sans-serif;background:#eeeeee}} .post-body{{line-height:1.4}}</style>
</head>
<body class="loading">
<div class="navbar section" id="navbar"><div class="widget Navbar"><a href="https://www.blogger.example/">{bp("Create Blog")}</a> <a href="https://www.blogger.example/signin">{bp("Sign In")}</a></div></div>
<div class="header-outer"><div class="Header widget">
  <h1 class="title"><a href="/">{bp("Alder Watch")}</a></h1>
  <p class="description"><span>{bp("News from Aldermark and the neighbourhood, collected for friends abroad.")}</span></p>
</div></div>
<div class="main-outer"><div class="main-inner">
<div class="date-outer">
<h2 class="date-header"><span>{bp(date_header)}</span></h2>
<div class="date-posts"><div class="post-outer">
<div class="post hentry uncustomized-post-template" itemprop="blogPost" itemscope itemtype="http://schema.org/BlogPosting">
<meta content="{_e(info.author)}" itemprop="author">
<a name="{info.num}"></a>
<h3 class="post-title entry-title" itemprop="name">{_e(info.title)}</h3>
<div class="post-header"><div class="post-header-line-1"></div></div>
<div class="post-body entry-content" id="post-body-{info.num}" itemprop="description articleBody">
{body}
</div>
<div class="post-footer">
<div class="post-footer-line post-footer-line-1">
<span class="post-author vcard">{bp("Posted by Alder Watcher at " + _blog_time(info))}</span>
</div>
<div class="post-share-buttons goog-inline-block">
<a class="share-button sb-email" href="#email">{bp("Email This")}</a>
<a class="share-button sb-blog" href="#blogthis">{bp("BlogThis!")}</a>
<a class="share-button sb-twitter" href="#x">{bp("Share to X")}</a>
<a class="share-button sb-facebook" href="#fb">{bp("Share to Facebook")}</a>
</div>
<div class="post-footer-line post-footer-line-2"><span class="post-labels">{bp("Labels: " + labels)}</span></div>
</div>
</div>
<div class="comments" id="comments">
<a name="comments"></a>
<h4>{bp("No comments:")}</h4>
<div id="Blog1_comments-block-wrapper"><dl class="avatar-comment-indent" id="comments-block"></dl></div>
<p class="comment-footer"><a href="https://www.blogger.example/comment/fullpage/post/{info.num}">{bp("Post a Comment")}</a></p>
</div>
</div></div>
</div>
<div class="blog-pager" id="blog-pager">
<span id="blog-pager-newer-link"><a class="blog-pager-newer-link" href="/">{bp("Newer Post")}</a></span>
<span id="blog-pager-older-link"><a class="blog-pager-older-link" href="/">{bp("Older Post")}</a></span>
<a class="home-link" href="/">{bp("Home")}</a>
</div>
<div class="post-feeds"><div class="feed-links">{bp("Subscribe to: Post Comments (Atom)")}</div></div>
</div></div>
<div class="sidebar-outer">
<div class="widget BlogArchive"><h2>{bp("Blog Archive")}</h2><ul><li><a href="/2026/03/">{bp(f"{MONTHS[m - 1]} {y}")}</a></li><li><a href="/2026/02/">{bp("February 2026")}</a></li></ul></div>
<div class="widget Profile"><h2>{bp("About Me")}</h2>
<p>{bp("Retired schoolteacher in Brenna. I repost the news I think my friends abroad should read.")}</p>
<a href="https://www.blogger.example/profile/1">{bp("View my complete profile")}</a></div>
</div>
<div class="footer-outer"><div class="widget Attribution">{bp("Simple theme. Powered by Blogger.")}</div></div>
<script type="text/javascript">window['__wavt'] = 'AOuZoY4'; _WidgetManager._Init('//www.blogger.example/rearrange?blogID=1');</script>
</body>
</html>
"""
    return html, bp.lines


# --------------------------------------------------------------------------- farm: WordPress-like
def farm_title(headline: str) -> str:
    """Content-farm Title Case: every word capitalised."""
    return " ".join(w[0].upper() + w[1:] for w in headline.split())


def article_farm(info: PageInfo, base: str) -> tuple[str, list[str]]:
    bp = _BP()
    url = base + info.path
    y, m, d = info.ymd()
    shown = f"{MONTHS[m - 1]} {d}, {y}"
    paras = "\n".join(f"<p>{_e(p)}</p>" for p in info.paragraphs)
    related_items = []
    for title, path in info.related:
        related_items.append(
            f'<div class="related-post"><h4><a href="{_e(path)}?{_e(FARM_TRACKING)}">{bp(title)}</a></h4>'
            f'<p class="related-source">{bp(FARM_SITE_LABEL)}</p></div>'
        )
    related = "\n".join(related_items)
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Article", "headline": info.title, "datePublished": info.published_time,
             "author": {"@type": "Person", "name": "admin"}, "mainEntityOfPage": url,
             "publisher": {"@type": "Organization", "name": "My Blog"}},
            {"@type": "WebSite", "url": base + "/", "name": "My Blog"},
        ],
    }
    graph_json = json.dumps(graph).replace("</", "<\\/")
    html = f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(info.title)} &#8211; My Blog</title>
<meta name="description" content="{_e(info.description)}">
<link rel="canonical" href="{_e(url)}">
<meta property="og:locale" content="en_US">
{_og(info, url, "My Blog")}
<meta name="author" content="admin">
<script type="application/ld+json" class="yoast-schema-graph">{graph_json}</script>
<link rel="stylesheet" id="astra-theme-css-css" href="/wp-content/themes/astra/assets/css/minified/main.min.css?ver=4.6.4" media="all">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>
<body class="post-template-default single single-post postid-{info.num} single-format-standard">
<div id="page" class="hfeed site">
<header id="masthead" class="site-header">
  <div class="site-branding">
    <p class="site-title"><a href="/?utm_source=header" rel="home">{bp("My Blog")}</a></p>
    <p class="site-description">{bp("Just another WordPress site")}</p>
  </div>
  <nav id="site-navigation" class="main-navigation">
    <ul id="primary-menu" class="menu">
      <li class="menu-item"><a href="/?utm_source=menu">{bp("Home")}</a></li>
      <li class="menu-item"><a href="/category/world-news/?utm_source=menu">{bp("World News")}</a></li>
      <li class="menu-item"><a href="/category/business/?utm_source=menu">{bp("Business")}</a></li>
      <li class="menu-item"><a href="/contact-us/?utm_source=menu">{bp("Contact Us")}</a></li>
    </ul>
  </nav>
</header>
<div id="content" class="site-content">
<main id="main" class="site-main">
<article id="post-{info.num}" class="post-{info.num} post type-post status-publish format-standard hentry category-world-news">
  <header class="entry-header">
    <span class="cat-links"><a href="/category/world-news/?{_e(FARM_TRACKING)}" rel="category tag">{bp("World News")}</a></span>
    <h1 class="entry-title">{_e(info.title)}</h1>
    <div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{info.published_time}">{bp(shown)}</time></span> <span class="byline">{bp("by admin")}</span></div>
  </header>
  <div class="entry-content">
{paras}
<p>{bp(FARM_SCRIPT_TAIL)}</p>
<div class="related-posts">
<h3 class="related-posts-title">{bp("Related posts")}</h3>
{related}
</div>
  </div>
  <footer class="entry-footer"><span class="cat-links">{bp("Posted in World News")}</span></footer>
</article>
<div id="comments" class="comments-area">
  <div id="respond" class="comment-respond">
    <h3 id="reply-title" class="comment-reply-title">{bp("Leave a Comment")}</h3>
    <form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
      <p class="comment-notes">{bp("Your email address will not be published. Required fields are marked *")}</p>
      <p class="comment-form-comment"><label for="comment">{bp("Comment")}</label><textarea id="comment" name="comment" cols="45" rows="8"></textarea></p>
      <p class="comment-form-author"><label for="author">{bp("Name")}</label><input id="author" name="author" type="text"></p>
      <p class="comment-form-email"><label for="email">{bp("Email")}</label><input id="email" name="email" type="email"></p>
      <p class="comment-form-url"><label for="url">{bp("Website")}</label><input id="url" name="url" type="url"></p>
      <p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" name="wp-comment-cookies-consent" type="checkbox" value="yes"><label for="wp-comment-cookies-consent">{bp("Save my name, email, and website in this browser for the next time I comment.")}</label></p>
      <p class="form-submit"><button name="submit" type="submit" id="submit" class="submit">{bp("Post Comment")}</button></p>
    </form>
  </div>
</div>
</main>
</div>
<footer id="colophon" class="site-footer">
  <div class="site-info">{bp("Copyright © 2026 My Blog | Powered by Astra WordPress Theme")}</div>
</footer>
</div>
<script id="astra-theme-js-js-extra">var astra = {{"break_point":"921","isRtl":"","is_scroll_to_id":"1"}};</script>
</body>
</html>
"""
    return html, bp.lines


ARTICLE_TEMPLATES: dict[str, Callable[[PageInfo, str], tuple[str, list[str]]]] = {
    "wire": article_wire,
    "gazette": article_gazette,
    "ledger": article_ledger,
    "blog": article_blog,
    "farm": article_farm,
}
