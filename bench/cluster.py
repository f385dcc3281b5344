"""`copydesk serve` in cluster mode with 1, 2 and 3 daemons on one redis-server (AOF on, as deployed)
against a loopback site of many host names whose responses take 100 ms (a daemon is bound by
latency and concurrency, not CPU): article pages per second, Redis round trips and milliseconds
per page (counted in each daemon's Redis client; the server's own time from INFO commandstats), and
Redis memory per URL and per stored document (INFO memory, MEMORY USAGE by key family).

    .venv/bin/python bench/cluster.py [--articles 1500] [--hosts 30] [--delay 0.1] [--workers 1 2 3]

The daemons run on this machine and share its cores; one of them also holds the writer role (dedup
and store). Each is started as `python bench/cluster.py --daemon STATS serve -c CONFIG`: the real
CLI, with redis-py's connection counting its sends (one per round trip: a pipeline is one) and
the time spent sending and reading replies (blocking reads, which wait for work, left out).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.frontier import commandstats, ping_ms  # noqa: E402
from tests.frontier_site import HostsSite  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.test_cluster_serve import LEASE, LIMIT, PREFIX, article_site, stored_urls  # noqa: E402
from tests.test_cluster_serve import write_config as serve_config  # noqa: E402


# -- inside each daemon ---------------------------------------------------------------------------
def count_redis_calls(stats_path: Path) -> None:
    """Patch redis-py's connection to count round trips and the time spent in them, written to
    ``stats_path`` every half second and at exit."""
    import atexit
    import threading

    import redis.connection as rc

    lock = threading.Lock()
    totals = {"round_trips": 0, "seconds": 0.0, "cpu_seconds": 0.0, "blocking": 0}
    local = threading.local()
    send, send_command, read = (rc.AbstractConnection.send_packed_command, rc.AbstractConnection.send_command,
                                rc.AbstractConnection.read_response)

    def add(trips: int, t: float, cpu: float) -> None:
        with lock:
            totals["round_trips"] += trips
            totals["seconds"] += time.perf_counter() - t
            totals["cpu_seconds"] += time.thread_time() - cpu

    def timed_send(self: Any, command: Any, check_health: bool = True) -> Any:
        t, cpu = time.perf_counter(), time.thread_time()
        try:
            return send(self, command, check_health)
        finally:
            add(1, t, cpu)

    def flagging_send_command(self: Any, *args: Any, **kw: Any) -> Any:
        local.blocking = any(a in (b"BLOCK", "BLOCK") for a in args)
        return send_command(self, *args, **kw)

    def timed_read(self: Any, *args: Any, **kw: Any) -> Any:
        t, cpu = time.perf_counter(), time.thread_time()
        try:
            return read(self, *args, **kw)
        finally:
            if getattr(local, "blocking", False):
                local.blocking = False
                with lock:
                    totals["blocking"] += 1
            else:
                add(0, t, cpu)

    rc.AbstractConnection.send_packed_command = timed_send
    rc.AbstractConnection.send_command = flagging_send_command
    rc.AbstractConnection.read_response = timed_read

    def dump() -> None:
        with lock:
            text = json.dumps(totals)
        tmp = stats_path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, stats_path)

    def loop() -> None:
        while True:
            time.sleep(0.5)
            dump()

    threading.Thread(target=loop, daemon=True).start()
    atexit.register(dump)


def daemon(argv: list[str]) -> int:
    stats_path = Path(argv[0])
    count_redis_calls(stats_path)
    from copydesk.cli import main as cli

    return cli(argv[1:])


# -- the bench ------------------------------------------------------------------------------------
def write_config(tmp: Path, site: HostsSite, server: RedisServer, worker: str, args: argparse.Namespace) -> Path:
    """The serve tests' cluster config (a sitemap source per host, one corpus path, the worker in
    its user agent) with the bench's limits and the default lease and checkpoint interval."""
    cfg = serve_config(tmp, site, server, worker)
    text = (cfg.read_text()
            .replace(f"per_host_concurrency = {LIMIT}\n",
                     f"per_host_concurrency = {args.host_limit}\nconcurrency = {args.concurrency}\n")
            .replace('checkpoint_interval = "1s"\n', "")
            .replace(f'lease_seconds = "{LEASE}s"', 'lease_seconds = "30s"'))
    assert f"concurrency = {args.concurrency}" in text and '"30s"' in text, "the serve tests' config changed"
    cfg.write_text(text)
    return cfg


def done(client: redis.Redis, site: HostsSite, corpus: Path) -> bool:
    return (client.xlen(PREFIX + "frontier") == 0 and client.xlen(PREFIX + "docs") == 0
            and set(site.article_fetches()) >= set(site.articles) and set(stored_urls(corpus)) >= set(site.articles))


def memory_by_family(client: redis.Redis) -> dict[str, int]:
    """MEMORY USAGE of every key of the cluster, summed by family (seen set, URL decision buckets,
    document id buckets, streams, the rest)."""
    fam: Counter[str] = Counter()
    for k in client.scan_iter(match=PREFIX + "*", count=1000):
        name = k[len(PREFIX):]  # bytes: bucket keys end in binary hash bytes
        head = name.split(b":")[0].decode()
        family = head if head == name.decode(errors="replace") else head + ":*"
        fam[family] += client.memory_usage(k, samples=0) or 0
    return dict(fam)


def run(workers: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    tmp = tmp / f"w{workers}"
    tmp.mkdir()
    with RedisServer(tmp / "redis", appendonly=True) as server, \
            article_site(args.hosts, args.articles, args.delay) as site:
        client = redis.Redis.from_url(server.url)
        before = client.info("memory")["used_memory"]
        client.config_resetstat()
        names = [f"w{i + 1}" for i in range(workers)]
        t0 = time.monotonic()
        procs = {w: subprocess.Popen([sys.executable, __file__, "--daemon", str(tmp / f"{w}.json"), "serve", "-c",
                                      str(write_config(tmp, site, server, w, args)), "--worker", w],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp / f"{w}.log", "w"))
                 for w in names}
        try:
            deadline = time.monotonic() + args.timeout
            while not done(client, site, tmp / "corpus"):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs.values()):
                    tail = "".join(f"\n--- {w}\n" + (tmp / f"{w}.log").read_text()[-1500:] for w in names)
                    raise SystemExit(f"{workers} workers: not done in {args.timeout} s{tail}")
                time.sleep(0.5)
            stored_at = time.monotonic() - t0
            cmd = commandstats(client)
            used = client.info("memory")["used_memory"] - before
            family = memory_by_family(client)
            urls = client.scard(PREFIX + "seen")
            rtt = ping_ms(client)
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            codes = Counter(p.wait(120) for p in procs.values())
        with site.lock:
            fetches = [f for f in site.log if f.path.startswith("/a/")]
        fetched = site.article_fetches()
        span = max(f.end for f in fetches) - min(f.start for f in fetches)
        pages = len(fetched)
        daemons = [json.loads((tmp / f"{w}.json").read_text()) for w in names]
        trips = sum(d["round_trips"] for d in daemons)
        return {
            "workers": workers, "pages": pages, "twice": sum(1 for n in fetched.values() if n > 1),
            "pages_per_s": pages / span, "fetch_span_s": span, "all_stored_s": stored_at,
            "max_in_flight": max(site.max_in_flight.values()),
            # article pages each daemon fetched (the balance tests/test_cluster_serve.py leaves to this bench)
            "pages_by_worker": "/".join(str(sum(c.values())) for _w, c in sorted(site.fetches_by().items())),
            "round_trips_per_page": trips / pages,
            # wall time in redis-py (sending, waiting, parsing: includes waiting for the GIL in a busy
            # daemon), its CPU part, and what the round trips cost at an idle PING's time
            "client_redis_ms_per_page": 1000 * sum(d["seconds"] for d in daemons) / pages,
            "client_redis_cpu_ms_per_page": 1000 * sum(d["cpu_seconds"] for d in daemons) / pages,
            "trips_x_ping_ms_per_page": trips / pages * rtt,
            "server_commands_per_page": sum(v["calls"] for v in cmd.values()) / pages,
            "server_redis_ms_per_page": sum(v["usec"] for v in cmd.values()) / 1000 / pages,
            "urls": urls, "used_memory_bytes_per_url": used / max(urls, 1),
            **{f"mem[{k}]_bytes_per_url": v / max(urls, 1) for k, v in sorted(family.items())},
            "exit_codes": dict(codes),
        }


def main() -> None:
    if sys.argv[1:2] == ["--daemon"]:
        sys.exit(daemon(sys.argv[2:]))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1500)
    ap.add_argument("--hosts", type=int, default=30)
    ap.add_argument("--host-limit", type=int, default=4, help="per_host_concurrency (cluster-wide)")
    ap.add_argument("--concurrency", type=int, default=16, help="each daemon's concurrent requests")
    ap.add_argument("--delay", type=float, default=0.1, help="seconds the site takes per response")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rows = [run(w, args, Path(d)) for w in args.workers]
    for r in rows:
        print("  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    if len(rows) > 1:
        print(f"speed-up 1 -> {rows[-1]['workers']} workers: {rows[-1]['pages_per_s'] / rows[0]['pages_per_s']:.2f}x")


if __name__ == "__main__":
    main()
