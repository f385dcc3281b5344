"""The shared frontier's throughput and Redis cost: 1, 2 and 3 worker processes
(tests/frontier_worker.py: crawler.frontier + crawler.politeness) crawl a loopback site whose
responses take 100 ms, so a worker is bound by latency and concurrency, not CPU; Redis commands
and round trips per page from INFO commandstats; the dupefilter's memory per million URLs. Fails
(exit status 1) when an article was never fetched or fetched twice, or a host saw more than
--host-limit requests at once: tests/test_frontier.py's claims at scale.

    .venv/bin/python bench/frontier.py [--articles 10000] [--hosts 30] [--delay 0.1] [--workers 1 2 3]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.frontier_site import HostsSite  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

# commands that only run inside the frontier's Lua scripts and MULTI blocks: not round trips
INSIDE = {"get", "set", "time", "zremrangebyscore", "zcard", "zadd", "pexpire", "sadd", "xadd", "xpending",
          "xclaim", "xack", "xdel", "multi"}


def crawl(workers: int, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    with RedisServer(tmp / f"redis{workers}") as server, \
            HostsSite(args.hosts, args.articles, delay=args.delay) as site:
        client = redis.Redis.from_url(server.url)
        client.config_resetstat()
        env = {**os.environ, "LEASE": "30", "HOST_LIMIT": str(args.host_limit),
               "CONCURRENCY": str(args.concurrency)}
        t0 = time.monotonic()
        procs = [subprocess.Popen([sys.executable, str(ROOT / "tests/frontier_worker.py"), server.url, "b:",
                                   str(tmp / f"{workers}-{i}.out"), *site.indexes],
                                  cwd=ROOT, env={**env, "WORKER": f"w{i}"}, stderr=subprocess.DEVNULL)
                 for i in range(workers)]
        cpu = 0.0
        for p in procs:
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
        took = time.monotonic() - t0
        fetched = site.article_fetches()
        stats = {k: v["calls"] for k, v in commandstats(client).items()}
        pages = len(fetched)
        trips = sum(n for k, n in stats.items() if k not in INSIDE)
        rtt_ms = ping_ms(client)
        # what tests/test_frontier.py asserts on 600 articles, checked here at scale
        twice = sum(1 for n in fetched.values() if n > 1)
        over = max(site.max_in_flight.values()) > args.host_limit
        if set(fetched) != set(site.articles) or twice or over:
            raise SystemExit(f"{workers} workers: {len(set(site.articles) - set(fetched))} articles never fetched, "
                             f"{twice} fetched twice, max in flight per host {max(site.max_in_flight.values())} "
                             f"(limit {args.host_limit})")
        return {"workers": workers, "pages": pages, "twice": twice,
                "seconds": took, "pages_per_s": pages / took, "cpu_ms_per_page": 1000 * cpu / pages,
                "commands_per_page": sum(stats.values()) / pages, "round_trips_per_page": trips / pages,
                "redis_ms_per_page": trips / pages * rtt_ms, "max_in_flight": max(site.max_in_flight.values()),
                "codes": str(Counter(p.returncode for p in procs))}


def commandstats(client: redis.Redis) -> dict[str, dict[str, float]]:
    """INFO commandstats by command name: calls and usec (server time), since CONFIG RESETSTAT."""
    return {k.removeprefix("cmdstat_"): v for k, v in client.info("commandstats").items()}


def ping_ms(client: redis.Redis, n: int = 1000) -> float:
    """A round trip costs the worker about what a PING costs it: ms per PING."""
    t = time.perf_counter()
    for _ in range(n):
        client.ping()
    return (time.perf_counter() - t) * 1000 / n


def seen_memory(n: int, tmp: Path) -> dict[str, float]:
    """Bytes per fingerprint in the seen SET (20-byte fingerprints, as the dupefilter stores them)."""
    import hashlib

    with RedisServer(tmp / "redis-mem") as server:
        client = redis.Redis.from_url(server.url)
        before = client.info("memory")["used_memory"]
        pipe = client.pipeline(transaction=False)
        for i in range(n):
            pipe.sadd("m:seen", hashlib.sha1(str(i).encode()).digest())
            if i % 10_000 == 9_999:
                pipe.execute()
        pipe.execute()
        used = client.info("memory")["used_memory"] - before
        usage = client.memory_usage("m:seen", samples=0)
        return {"fingerprints": n, "bytes_each_used_memory": used / n, "bytes_each_memory_usage": usage / n,
                "mib_per_million": usage / n * 1e6 / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--hosts", type=int, default=30)
    ap.add_argument("--host-limit", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--seen", type=int, default=1_000_000, help="fingerprints for the memory figure (0: skip)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = [crawl(w, args, tmp) for w in args.workers]
        for r in rows:
            print("  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
        if len(rows) > 1:
            print(f"speed-up 1 -> {rows[-1]['workers']} workers: {rows[-1]['pages_per_s'] / rows[0]['pages_per_s']:.2f}x")
        if args.seen:
            print("  ".join(f"{k}={v:.1f}" for k, v in seen_memory(args.seen, tmp).items()))


if __name__ == "__main__":
    main()
