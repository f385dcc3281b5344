#!/usr/bin/env python3
"""Redis memory of the cluster's URL decisions (copydesk/cluster/seen.py), per million URLs.

    .venv/bin/python bench/cluster_seen.py [--urls 1000000]

Starts its own redis-server (tests/redis_server.py) and stores N "stored" decisions three ways:
the RedisSeenStore's hash buckets (65,536 buckets, 80-bit hashed field), one string key per URL
named by the URL key (the obvious layout), and one string key per URL named by the same 10-byte
hash. Reports used_memory growth (what the server really spends, its key table included) and the
sum of MEMORY USAGE over the keys.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def used(c) -> int:
    return int(c.info("memory")["used_memory"])


def usage_sum(c, pattern: bytes) -> int:
    total, p, n = 0, c.pipeline(transaction=False), 0
    for k in c.scan_iter(match=pattern, count=10_000):
        p.memory_usage(k, samples=0)
        n += 1
        if n % 10_000 == 0:
            total += sum(x or 0 for x in p.execute())
    return total + sum(x or 0 for x in p.execute())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--urls", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    from copydesk.cluster.connection import Connection, keys_prefix
    from copydesk.cluster.seen import RedisSeenStore, url_slot
    from copydesk.storage.seen import StoredDoc
    from tests.redis_server import RedisServer

    n, prefix = args.urls, keys_prefix("bench")
    urls = [f"https://www.example-news-site.com/2026/03/{i % 28 + 1:02d}/story-headline-number-{i}.html" for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp, RedisServer(Path(tmp)) as srv:
        conn = Connection(srv.url)
        c = conn.client
        rows = []
        store = RedisSeenStore(conn, prefix)

        base = used(c)
        t0 = time.perf_counter()
        for i in range(0, n, 5000):
            store.commit_checkpoint(docs=[(StoredDoc(f"{j:016x}", u, "wire", None, f"{j:016x}", None, "p"), [u])
                                          for j, u in enumerate(urls[i:i + 5000], start=i)])
        dt = time.perf_counter() - t0
        rows.append(("hash buckets (RedisSeenStore: URL decisions + stored doc ids)", used(c) - base,
                     usage_sum(c, prefix.encode() + b"[ud]:*"), dt))
        rows.append(("  of which the URL decisions (u:*)", 0, usage_sum(c, prefix.encode() + b"u:*"), 0.0))
        c.flushdb()

        for label, key in (("one key per URL, named by the URL key", lambda u: prefix + "u:" + u),
                           ("one key per URL, named by its 10-byte hash", lambda u: b"".join(url_slot(prefix, u)))):
            base = used(c)
            t0 = time.perf_counter()
            p = c.pipeline(transaction=False)
            for j, u in enumerate(urls):
                p.set(key(u), f"s|{j:016x}")
                if j % 10_000 == 9_999:
                    p.execute()
            p.execute()
            dt = time.perf_counter() - t0
            rows.append((label, used(c) - base, usage_sum(c, prefix.encode() + b"u:*"), dt))
            c.flushdb()
        conn.close()
    scale = 1_000_000 / n
    print(f"{n:,} URLs stored ({urls[0]!r} ...); MB per million URLs:")
    print("| layout | used_memory growth | sum of MEMORY USAGE | write s |")
    print("|---|---|---|---|")
    for label, grown, usage, secs in rows:
        print(f"| {label} | {grown * scale / 2**20:.1f} MB | {usage * scale / 2**20:.1f} MB | {secs:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
