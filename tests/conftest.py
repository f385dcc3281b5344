"""Fixtures shared by the tests (docs/testing.md): the bench site in its own process, and a canary
HTTP server that must never be asked for anything."""
from __future__ import annotations

from typing import Callable, Iterator

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
