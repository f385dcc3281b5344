"""`copydesk report` on a real crawl of the demo world, opened in a real headless Chromium over the
DevTools protocol (tests/browser.py): no console error, no request beyond the file itself, every
chart drawn with a size, and the syndication view names the wire as the origin of the reposts."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from browser import Browser, chromium
from tests.run_cli import copydesk

CHARTS = {"per-day", "who-copies-whom", "largest-stories", "lags", "crawl-health"}


@pytest.fixture(scope="module")
def demo(demo_crawled, tmp_path_factory):
    """The demo world crawled twice (the second crawl gets 304s: conftest's demo_crawled), and its report."""
    cfg, pages, _ = demo_crawled
    out = tmp_path_factory.mktemp("report") / "report.html"
    r = copydesk("report", "-c", cfg, "-o", out)
    assert r.returncode == 0, r.stderr
    assert "report:" in r.stdout
    return cfg, out, pages


def test_the_report_is_one_self_contained_file(demo):
    _, out, pages = demo
    html = out.read_text()
    # nothing is loaded from anywhere: no src/href to a URL, no script, no external style sheet or font
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?!#|data:)[a-z]+:""", html, re.I)
    assert "<script" not in html.lower() and "@import" not in html
    assert not re.search(r"""url\(\s*["']?(?!#|data:)""", html)  # only the SVGs' own clip paths
    assert html.count('<figure class="chart"') == len(CHARTS)
    for copy in (p for p in pages if p.role == "copy"):
        assert copy.outlet in html
    assert "Dedup and filter settings" in html and "threshold" in html


@pytest.mark.skipif(not chromium() and not os.environ.get("CI"), reason="chromium not installed (.ci/run installs it)")
def test_the_report_in_a_headless_chromium(demo, tmp_path):
    _, out, pages = demo
    with Browser() as b:
        page = b.open(out.as_uri())
        assert page.console_errors() == []
        outside = [u for u in page.requests() if u != out.as_uri() and not u.startswith("data:")]
        assert outside == [], outside
        sizes = page.evaluate("Array.from(document.querySelectorAll('figure.chart')).map(f => {"
                              "const r = f.querySelector('svg').getBoundingClientRect();"
                              "return [f.dataset.chart, r.width, r.height]})")
        assert {name for name, _, _ in sizes} == CHARTS
        assert all(w > 100 and h > 100 for _, w, h in sizes), sizes
        # every chart has drawn marks, not only axes
        marks = page.evaluate("Array.from(document.querySelectorAll('figure.chart svg')).map("
                              "s => s.querySelectorAll('path, rect, use, image').length)")
        assert all(n > 10 for n in marks), marks
        rows = page.evaluate("Array.from(document.querySelectorAll('#who-copies-whom tbody tr')).map("
                             "tr => Array.from(tr.cells).map(c => c.textContent))")
        copiers = {p.outlet for p in pages if p.role == "copy"}
        assert {r[0] for r in rows} == copiers and {r[1] for r in rows} == {"wire"}, rows
        per_outlet = {r[0]: int(r[2]) for r in rows}
        assert per_outlet == {o: sum(p.outlet == o and p.role == "copy" for p in pages) for o in copiers}
        matrix_text = page.evaluate("document.querySelector('figure[data-chart=\"who-copies-whom\"] svg').textContent")
        assert "wire" in matrix_text and "origin" in matrix_text
        health = page.evaluate("Array.from(document.querySelectorAll('#crawl-health-table tbody tr')).map("
                               "tr => Array.from(tr.cells).map(c => c.textContent))")
        assert {h[0] for h in health} == {"wire", "gazette", "ledger", "blog", "farm"}
        assert all(h[1] == "2" and h[2] == "2" and h[7] != "0 %" and h[8] != "never" for h in health), health


def test_report_since_and_bad_input(demo, tmp_path):
    cfg, _, pages = demo
    out = tmp_path / "late.html"
    r = copydesk("report", "-c", cfg, "--since", "2026-03-05", "-o", out)
    assert r.returncode == 0, r.stderr
    late = {p.title for p in pages if p.role == "original" and p.published_time >= "2026-03-05"}
    early = {p.title for p in pages if p.role == "original" and p.published_time < "2026-03-04"}
    html = out.read_text()
    assert late and early
    assert all(t.replace("'", "&#x27;") in html for t in late if any(
        q.story == next(p.story for p in pages if p.title == t) and q.role == "copy" for q in pages))
    assert not any(t.replace("'", "&#x27;") in html for t in early)
    for args, words in ((["--since", "last tuesday", "-o", tmp_path / "x.html"], "--since"),
                        (["-o", tmp_path], "directory"), (["-o", tmp_path / "no" / "such" / "r.html"], "no such directory")):
        r = copydesk("report", "-c", cfg, *args)
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = copydesk("report", "--corpus", tmp_path / "nothing", "-o", tmp_path / "x.html")
    assert r.returncode == 2 and "no corpus" in r.stderr


def test_the_documented_examples_run(demo, tmp_path):
    """README's "Stories, syndication and the report" commands and docs/corpus.md's stories examples."""
    import shlex

    cfg, _, _ = demo
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "demo-corpus").symlink_to(cfg.parent / "corpus")
    readme = (root / "README.md").read_text()
    section = readme.split("## Stories, syndication and the report", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    assert len(lines) == 3
    for line in lines:
        r = subprocess.run(
            [sys.executable, "-m", "copydesk.cli", *shlex.split(line)[1:]], cwd=tmp_path, capture_output=True,
            text=True, timeout=300)
        assert r.returncode == 0, (line, r.stderr)
    assert (tmp_path / "report.html").exists()
    corpus_md = (root / "docs" / "corpus.md").read_text().split("## Stories: who was first", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"```python\n(.*?)```", corpus_md, re.S)
    assert len(examples) == 2
    for code in examples:
        r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "PYTHONPATH": str(root)})
        assert r.returncode == 0 and "wire" in r.stdout, r.stderr[-2000:]
