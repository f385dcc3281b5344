"""Time of the one-off re-keying of a state database written with URL keys version 1 (the first
writer start of copydesk with URL keys version 2; storage.state._rekey).

    python bench/rekey.py [--urls 1000000] [--with-query 0.3] [--ambiguous 0.05]

Builds a version-1 state of ``--urls`` stored URL decisions (a fraction ``--with-query`` of them
with a query string, ``--ambiguous`` of all with ``?source=``, a parameter version 1 took for
tracking) and opens it with StateStore, as a writer does; prints the time and the rows copied.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from copydesk.storage import StateStore  # noqa: E402
from copydesk.storage.urls import url_key_v1  # noqa: E402


def build(path: Path, n: int, with_query: float, ambiguous: float) -> None:
    StateStore(path).close()
    db = sqlite3.connect(path)
    q_every, a_every = round(1 / with_query) if with_query else 0, round(1 / ambiguous) if ambiguous else 0
    rows = []
    for i in range(n):
        url = f"https://news{i % 50}.example/2026/12/story-{i}.html"
        if a_every and i % a_every == 0:
            url = f"https://news{i % 50}.example/2026/12/story-{i}.html?source=rss&utm_medium=feed"
        elif q_every and i % q_every == 0:
            url += f"?page=1&id={i}&utm_medium=feed"
        rows.append((url_key_v1(url), url, f"{i:016x}"))
    db.executemany("INSERT OR IGNORE INTO urls(key, url, status, doc_id, source, decided_at) VALUES (?,?,'stored',?,'s',0)", rows)
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--urls", type=int, default=1_000_000)
    ap.add_argument("--with-query", type=float, default=0.3)
    ap.add_argument("--ambiguous", type=float, default=0.05)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "state.sqlite3"
        build(path, a.urls, a.with_query, a.ambiguous)
        t0 = time.perf_counter()
        state = StateStore(path)
        took = time.perf_counter() - t0
        print(f"{a.urls} URL decisions ({a.with_query:.0%} with a query, {a.ambiguous:.0%} re-keyed): "
              f"opened and re-keyed in {took:.1f} s; copied under v2 keys: {state.rekeyed}")
        t0 = time.perf_counter()
        state.close()
        StateStore(path).close()
        print(f"next open: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
