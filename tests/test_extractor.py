"""The extraction pool: a page past its time limit or memory limit costs that page, not the run."""
from __future__ import annotations

import time
from concurrent.futures import TimeoutError as FuturesTimeout

import pytest

from copydesk.pipeline import WORKER_MEMORY_LIMIT, Extractor


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
