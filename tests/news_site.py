"""The bench site: robots.txt, a sitemap index of sitemaps and N synthetic article pages in a few
templates (copydesk.demo.synth), 10% of them syndicated copies, served from its own process by
tests/loopback.py. Crawled by bench/crawl.py, bench/scrapy_floor.py, bench/kill_trials.py and
tests/test_kill.py."""
from __future__ import annotations

import multiprocessing

from copydesk.demo.synth import page
from tests.loopback import start_static

PER_SITEMAP = 500
OWN_WORDS = 200


def build_site(n: int, base: str, page_kb: int = 0) -> dict[str, tuple[bytes, str]]:
    routes: dict[str, tuple[bytes, str]] = {"/robots.txt": (b"User-agent: *\nAllow: /\n", "text/plain")}
    paths = [f"/2026/11/{i // 100:02d}/story-{i}.html" for i in range(n)]
    for i, p in enumerate(paths):
        html = page(i, site="benchsite", url=base + p, copy_of=(i - 1) if i % 10 == 9 else None)
        # The generator builds every story from one small pool of sentences: two unrelated pages
        # share ~19 % of their character 4-grams (median; real unrelated news articles: ~7 %), so
        # each page would be a dedup candidate of a third of the site. A paragraph of the story's
        # own words brings that to ~12 % (p99 0.15, real 0.18). A copy carries its original's.
        own = _own_words(i - 1 if i % 10 == 9 else i, OWN_WORDS)
        html = html.replace("</article>", f"<p>{own}</p></article>")
        if page_kb:
            html = _with_chrome(html, i, page_kb, paths)
        routes[p] = (html.encode(), "text/html; charset=utf-8")
    children = []
    for k in range(0, n, PER_SITEMAP):
        name = f"/sitemap-{k // PER_SITEMAP}.xml"
        children.append(name)
        urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths[k:k + PER_SITEMAP])
        routes[name] = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
                        f"</urlset>".encode(), "application/xml")
    index = "".join(f"<sitemap><loc>{base}{c}</loc></sitemap>" for c in children)
    routes["/sitemap.xml"] = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                              f"{index}</sitemapindex>".encode(), "application/xml")
    return routes


def _with_chrome(html: str, i: int, kb: int, paths: list[str]) -> str:
    """The page grown to about `kb` KB with what a news site's article page carries besides the
    article (the generator's pages are ~3 KB; real ones are ~50-200 KB): meta tags and JSON-LD,
    inline CSS and JavaScript, a menu of sections, related stories, reader comments, a footer."""
    import random

    r = random.Random(i)
    sections = [f"{w}-{k}" for k in range(12) for w in ("world", "business", "sport", "culture", "science", "opinion")]
    head = "".join(f'<meta name="bench:{k}" content="value {k} of page {i}">' for k in range(30))
    head += ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "story %d", "publisher": '
             '{"name": "benchsite"}, "keywords": [%s]}</script>' % (i, ", ".join(f'"{s}"' for s in sections[:20])))
    css = "".join(f".c{k} .item-{k} > a:hover {{ color: #{k * 4099 % 16777215:06x}; margin: {k % 9}px; }}\n"
                  for k in range(150))
    nav = "<nav class='mega'>" + "".join(f"<a href='/section/{s}/'>{s.title()}</a> " for s in sections) + "</nav>"
    related = "<aside class='related'><h3>Related stories</h3><ul>" + "".join(
        f"<li><a href='{paths[r.randrange(len(paths))]}'>Related story {r.randrange(10**6)}</a></li>" for _ in range(12)
    ) + "</ul></aside>"
    comments = "<section class='comments'><h3>Comments</h3>" + "".join(
        f"<div class='comment'><b>reader{r.randrange(999)}</b><p>{_own_words(i * 31 + c, 25)}</p></div>" for c in range(6)
    ) + "</section>"
    footer = "<footer class='site'>" + "".join(f"<a href='/about/{k}'>About link {k}</a> " for k in range(60)) + "</footer>"
    html = html.replace("</head>", f"{head}<style>{css}</style></head>", 1)
    html = html.replace("<body>", f"<body>{nav}", 1)
    html = html.replace("</body>", f"{related}{comments}{footer}</body>", 1)
    script_bytes = max(0, kb * 1024 - len(html.encode()))
    lines, size = [], 0
    while size < script_bytes:  # analytics and ad code, inline as on most news pages
        k = len(lines)
        line = f"window.__bench{k % 97} = (function(a, b) {{ return a * {k} + b.length; }})({i}, 'slot-{k}');\n"
        lines.append(line)
        size += len(line)
    return html.replace("</body>", f"<script>{''.join(lines)}</script></body>", 1)


def _own_words(seed: int, n: int = 90) -> str:
    import random

    r = random.Random(seed)
    letters = "abcdefghijklmnoprstuvwy"
    words = ["".join(r.choice(letters) for _ in range(r.randint(3, 9))) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def start_site(n: int, delay: float = 0.0, page_kb: int = 0) -> tuple[multiprocessing.Process, str]:
    """The site of ``n`` articles in its own process (so it does not share the crawler's GIL);
    returns (process, base URL). ``delay``: seconds before each article's answer."""
    return start_static(lambda base: build_site(n, base, page_kb), delay)
