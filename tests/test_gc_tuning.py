"""The crawler's garbage-collector settings: the start-up heap frozen, young collections rarer, and
cyclic garbage made later still collected. Each check runs in a process of its own (the settings
are process-wide)."""
from __future__ import annotations

import subprocess
import sys

from copydesk.demo.synth import article_html
from sites import Route, Site
from test_crawl import copydesk, feed_config


def run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_settle_gc_freezes_the_heap_and_still_collects_new_cycles():
    out = run(
        "import gc, weakref\n"
        "from copydesk.gc_tuning import settle_gc, YOUNG_THRESHOLD\n"
        "loaded = [[i] for i in range(50_000)]\n"  # what a process keeps from its start-up
        "settle_gc()\n"
        "print(gc.get_freeze_count() >= 50_000, gc.get_threshold()[0] == YOUNG_THRESHOLD)\n"
        "class Node: pass\n"
        "collected = []\n"
        "a, b = Node(), Node()\n"
        "a.other, b.other = b, a\n"  # a cycle: reference counting alone never frees it
        "weakref.finalize(a, collected.append, 'a')\n"
        "del a, b\n"
        "keep = [[i] for i in range(3 * YOUNG_THRESHOLD)]\n"  # allocations, no explicit collect
        "print(collected == ['a'])\n")
    assert out.split() == ["True", "True", "True"]


def test_crawl_settles_the_gc_before_its_run(tmp_path):
    with Site() as site:
        site.routes["/robots.txt"] = Route(b"", content_type="text/plain")
        site.routes["/a.html"] = Route(article_html(1).encode())
        cfg = feed_config(site, tmp_path, "one", ["/a.html"])
        r = copydesk("--log-level", "DEBUG", "crawl", "-c", cfg)
    assert r.returncode == 0, r.stderr
    assert "objects frozen, thresholds (10000," in r.stderr
