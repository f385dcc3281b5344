"""Fixtures shared by the tests (docs/testing.md): the bench site in its own process, a canary
HTTP server that must never be asked for anything, and a crawl of the demo world that tests only read."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.loopback import Recorder
from tests.news_site import start_site


@pytest.fixture
def news_site() -> Iterator[Callable[..., str]]:
    """Starts the bench site (tests/news_site.py) in its own process: ``base = news_site(300, delay=0.03)``;
    stopped after the test."""
    started = []

    def start(n: int, delay: float = 0.0, page_kb: int = 0) -> str:
        proc, base = start_site(n, delay, page_kb)
        started.append(proc)
        return base

    yield start
    for proc in started:
        proc.terminate()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A running loopback server that records every request (``recorder.hits``) and answers 200."""
    with Recorder() as server:
        yield server


@pytest.fixture(scope="session")
def demo_crawled(tmp_path_factory) -> tuple[Path, list[Any], dict[tuple[str, str], str]]:
    """The demo world crawled twice by `copydesk crawl` (the second crawl gets 304s and stores nothing):
    its config (the corpus next to it), the world's pages robots.txt allows and their URLs by (outlet,
    path). Once per session, for tests that only read the corpus (test_report.py, test_stories.py);
    the world is stopped after."""
    from copydesk.demo import DemoWorld

    tmp = tmp_path_factory.mktemp("demo-crawled")
    with DemoWorld() as world:
        cfg = tmp / "copydesk.toml"
        cfg.write_text(world.config_toml(str(tmp / "corpus")))
        for _ in range(2):
            r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(cfg)], capture_output=True,
                               text=True, timeout=300)
            assert r.returncode == 0, r.stderr[-3000:]
        pages = [p for p in world.pages() if not p.disallowed]
        urls = {(p.outlet, p.path): world.url(p) for p in pages}
    return cfg, pages, urls
