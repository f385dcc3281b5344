"""The extraction pool: a page past its time limit or memory limit costs that page, not the run."""
from __future__ import annotations

import time
from concurrent.futures import TimeoutError as FuturesTimeout

import pytest

from copydesk.extraction import WORKER_MEMORY_LIMIT, Extractor
from copydesk.pipeline import Page


@pytest.fixture(scope="module")
def pool():
    ex = Extractor(1, timeout=2.0)
    yield ex
    ex.close()


def test_time_limit_kills_a_stuck_task_and_the_pool_goes_on(pool):
    t = time.monotonic()
    with pytest.raises(FuturesTimeout):
        pool.call(time.sleep, 30).result()
    assert time.monotonic() - t < 15
    assert pool.call(sum, [1, 2, 3]).result() == 6


def test_memory_limit(pool):
    with pytest.raises(MemoryError):
        pool.call(bytearray, WORKER_MEMORY_LIMIT + 2**30).result()
    assert pool.call(len, "still alive").result() == 11


def test_article_results_carry_the_per_text_work():
    """A worker returns the WARC record, template line keys and dedup features of the article."""
    import datetime as dt

    from copydesk import cleaning
    from copydesk import dedup
    from copydesk.extraction import _extract
    from copydesk.pipeline import Page

    body = ("<html><head><title>Ferry timetable changes</title></head><body><article>"
            + "".join(f"<p>Paragraph {i} of the ferry story says the harbour timetable will change on Monday "
                      f"for the winter season, the operator said in a statement.</p>" for i in range(8))
            + "</article></body></html>").encode()
    out = _extract(Page("https://harbour.example/ferry", body, "s", dt.datetime.now(dt.timezone.utc)))
    assert isinstance(out.result, cleaning.Article)
    assert out.warc and out.line_keys == cleaning.line_keys(out.result.text)
    assert dedup.Preparer().fits(out.features, out.result.text)
    rejected = _extract(Page("https://harbour.example/empty", b"", "s", dt.datetime.now(dt.timezone.utc)))
    assert not rejected.result and rejected.warc is None and rejected.features is None


def _language_model_loaded() -> bool:
    import py3langid.langid

    return py3langid.langid.IDENTIFIER is not None


def test_workers_start_with_the_language_model(pool):
    """Loaded once in the forkserver (cleaning.preload), not per worker on its first page."""
    assert pool.call(_language_model_loaded).result()


def _suffix_list_loaded() -> bool:
    import tld.utils

    return bool(tld.utils.get_tld_names_container())


def test_workers_start_with_the_public_suffix_list(pool):
    """trafilatura's site names go through courlan/tld, which reads the public suffix list on its
    first use: once in the forkserver, not on every worker's first page."""
    assert pool.call(_suffix_list_loaded).result()


def _pages(n: int, size: int, pulled: list[int]):
    import datetime as dt

    for i in range(n):
        pulled.append(i)
        yield Page(f"http://example.test/{i}", b"x" * size, "t", dt.datetime.now(dt.timezone.utc))


def test_run_keeps_a_window_of_pages_in_flight_bounded_by_count_and_bytes():
    """Pages are read ahead of the results (so workers keep busy while the caller checkpoints), up
    to ``window_pages`` per worker and never more than ``window_bytes`` of bodies."""
    ex = Extractor(0)
    pulled: list[int] = []
    results = ex.run(_pages(100, 1_000, pulled), window_pages=8, window_bytes=10**6)
    next(results)
    assert len(pulled) == 8
    pulled.clear()
    results = ex.run(_pages(100, 400_000, pulled), window_pages=8, window_bytes=10**6)
    next(results)
    assert len(pulled) == 3  # the third page took the bodies past 1 MB
    assert len(list(results)) == 99
