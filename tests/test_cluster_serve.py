"""`copydesk serve` with [cluster]: real `copydesk serve` processes on one real redis-server crawl a
loopback site of many host names (tests/frontier_site.py: the server logs every request with the
worker that sent it, and counts requests in flight per host), measured at the server and in the
writer's corpus. docs/scale-out-serve.md."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from copydesk.demo.synth import page
from copydesk.storage import Corpus
from tests.frontier_site import HostsSite
from tests.redis_server import RedisServer, available
from tests.sites import sitemap
# a failed test leaves no daemon running: the processes in STARTED are killed after each test
from tests.test_frontier import STARTED, no_worker_left, reported_lost  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 2        # per host, cluster-wide (each daemon's own limit is the same: 3x could reach a host)
LEASE = 3        # seconds: frontier and writer leases (a killed worker's requests move after this)
NAME = "t"
PREFIX = f"copydesk:{NAME}:"

pytestmark = pytest.mark.skipif(available() is None, reason="redis-server is not installed (.ci/run installs it)")


def article_site(hosts: int, articles: int, delay: float) -> HostsSite:
    """HostsSite with real articles (distinct stories) and one sitemap per host."""
    site = HostsSite(hosts=hosts, articles=articles, delay=delay)
    for i, url in enumerate(site.articles):
        site.pages[url] = page(i, site="cluster").encode()
    for a in site.addresses:
        base = site.base[a]
        site.pages[base + "/sitemap.xml"] = sitemap([u for u in site.articles if u.startswith(base + "/")])
    return site


def write_config(tmp: Path, site: HostsSite, server: RedisServer, worker: str, interval: str = "1h") -> Path:
    """The cluster's config (one corpus path: the writer's), with the worker's own user agent so
    the server can tell the daemons apart; the worker id is given with `serve --worker`."""
    sources = "".join(f'[[sources]]\nname = "h{i}"\nsitemaps = ["{site.base[a]}/sitemap.xml"]\n'
                      for i, a in enumerate(site.addresses))
    cfg = tmp / f"{worker}.toml"
    cfg.write_text(f'corpus = "{tmp / "corpus"}"\n'
                   f'[crawl]\nuser_agent = "copydesk-test/{worker}"\nper_host_concurrency = {LIMIT}\ncheckpoint_interval = "1s"\nretries = 0\n'
                   f'[schedule]\ninterval = "{interval}"\njitter = "1s"\n'
                   f'[cluster]\nredis = "{server.url}"\nname = "{NAME}"\nlease_seconds = "{LEASE}s"\n' + sources)
    return cfg


def start_serve(tmp: Path, site: HostsSite, server: RedisServer, worker: str, *extra: str,
                interval: str = "1h") -> subprocess.Popen:
    cfg = write_config(tmp, site, server, worker, interval)
    p = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg), "--worker", worker, *extra],
                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp / f"{worker}.log", "w"))
    STARTED.append(p)
    return p


def stop(p: subprocess.Popen, tmp: Path, worker: str, sig: int | None = signal.SIGTERM) -> None:
    """Signal (unless ``sig`` is None: sent already) and wait; a second SIGTERM would stop it at once."""
    if p not in STARTED:
        return
    if sig is not None and p.poll() is None:
        p.send_signal(sig)
    rc = p.wait(60)
    STARTED.remove(p)  # stopped on purpose
    assert rc in (0, -signal.SIGKILL), (tmp / f"{worker}.log").read_text()[-3000:]


def stop_all(procs: dict[str, subprocess.Popen], tmp: Path) -> None:
    for p in procs.values():  # all at once: each takes seconds to close
        if p in STARTED and p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for w, p in procs.items():
        stop(p, tmp, w, None)


def stored_urls(corpus: Path) -> Counter[str]:
    if not (corpus / "_state").exists():
        return Counter()
    return Counter(d["url"] for d in Corpus(corpus).documents())


def wait_until(pred, timeout: float, what: str, logs: Path | None = None, state=lambda: "") -> None:
    """Fails at once when a daemon exited by itself."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline or any(p.poll() is not None for p in STARTED):
            tail = "".join(f"\n--- {f.name}\n" + f.read_text()[-1500:] for f in sorted(logs.glob("w*.log"))) if logs else ""
            raise AssertionError(f"timed out: {what} {state()}{tail}")
        time.sleep(0.5)


def settled(server: RedisServer) -> bool:
    c = redis.Redis.from_url(server.url)
    try:
        return c.xlen(PREFIX + "frontier") == 0 and c.xlen(PREFIX + "docs") == 0
    finally:
        c.close()


def redis_state(server: RedisServer) -> str:
    c = client(server)
    return " ".join(f"{s}: {c.xlen(PREFIX + s)} queued, {c.xpending(PREFIX + s, g)['pending']} pending;"
                    for s, g in (("frontier", "fetchers"), ("docs", "writer")) if c.exists(PREFIX + s))


def crawl_done(server: RedisServer, site: HostsSite, corpus: Path) -> bool:
    return settled(server) and set(stored_urls(corpus)) >= set(site.articles)


def client(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url)


def writer_of(server: RedisServer) -> str | None:
    v = client(server).get(PREFIX + "lock:writer")
    return v.decode() if v else None


def lost_by(tmp: Path, workers) -> set[str]:
    """URLs fetched under a lease a daemon renewed too late (tests.test_frontier.reported_lost)."""
    return reported_lost(tmp / f"{w}.log" for w in workers)


def started(server: RedisServer, site: HostsSite, corpus: Path, fetched: int, stored: int) -> bool:
    """The crawl is under way: this many articles fetched and stored, and a writer holds its lease."""
    return (sum(site.article_fetches().values()) >= fetched and len(stored_urls(corpus)) >= stored
            and writer_of(server) is not None)


# 600 articles on 10 hosts here (the file's run time); bench/cluster.py runs the 2,000+
def test_three_daemons_fetch_every_article_once_within_the_cluster_host_limit(tmp_path):
    with RedisServer(tmp_path / "redis") as server, article_site(10, 600, delay=0.005) as site:
        procs = {w: start_serve(tmp_path, site, server, w) for w in ("w1", "w2", "w3")}
        wait_until(lambda: crawl_done(server, site, tmp_path / "corpus"), 150, "every article stored", tmp_path,
                   lambda: redis_state(server))
        stop_all(procs, tmp_path)
        fetched, by_worker = site.article_fetches(), site.fetches_by()
        c = redis.Redis.from_url(server.url)
        seen = c.scard(PREFIX + "seen")
        workers = c.hgetall(PREFIX + "workers")
        url_keys = c.get(PREFIX + "url_keys")
    assert set(fetched) == set(site.articles)
    twice = {u for u, n in fetched.items() if n > 1}
    assert twice <= lost_by(tmp_path, procs), sorted(twice - lost_by(tmp_path, procs))[:10]
    # every daemon took part. Not an equal share: a daemon whose start (the serve preload: seconds of
    # CPU) is late on a loaded machine finds most of the frontier taken (22 of 600 in one such run);
    # bench/cluster.py measures the balance
    assert len(by_worker) == 3 and min(sum(c.values()) for c in by_worker.values()) > len(site.articles) // 100, \
        {w: sum(c.values()) for w, c in by_worker.items()}
    assert max(site.max_in_flight.values()) <= LIMIT, dict(site.max_in_flight)
    assert stored_urls(tmp_path / "corpus") == Counter({u: 1 for u in site.articles})
    assert seen == len(site.articles)  # queued once each, cluster-wide
    assert workers == {}  # a graceful stop leaves the registry
    assert url_keys == b"2"  # the writer's start marked Redis' decisions as keyed by URL keys version 2


def test_a_killed_workers_leases_are_fetched_by_the_others(tmp_path):
    corpus = tmp_path / "corpus"
    with RedisServer(tmp_path / "redis") as server, article_site(10, 200, delay=0.02) as site:
        procs = {w: start_serve(tmp_path, site, server, w) for w in ("w1", "w2", "w3")}
        wait_until(lambda: started(server, site, corpus, 40, 1), 90, "the crawl under way", tmp_path)
        victim = next(w for w in procs if w != writer_of(server))
        stop(procs[victim], tmp_path, victim, signal.SIGKILL)
        c = client(server)
        leased = [e["message_id"] for e in c.xpending_range(PREFIX + "frontier", "fetchers", "-", "+", 1000,
                                                              consumername=victim)]
        wait_until(lambda: crawl_done(server, site, corpus), 120, "every article stored", tmp_path,
                   lambda: redis_state(server))
        # its leases expired and were fetched by the others, and acked
        assert c.xlen(PREFIX + "frontier") == 0 and c.xpending(PREFIX + "frontier", "fetchers")["pending"] == 0
        stop_all(procs, tmp_path)
        fetched, by_worker = site.article_fetches(), site.fetches_by()
    assert leased, "the killed worker held leases"
    assert set(fetched) == set(site.articles)
    survivors = sum((by_worker.get(w, Counter()) for w in procs if w != victim), Counter())
    # the survivors never fetch a URL twice between them, unless one renewed its lease too late and said so
    lost = lost_by(tmp_path, [w for w in procs if w != victim])
    assert {u for u, n in survivors.items() if n > 1} <= lost, sorted({u for u, n in survivors.items() if n > 1} - lost)
    twice = [u for u, n in fetched.items() if n > 1]
    assert all(by_worker[victim][u] == 1 or u in lost for u in twice), twice  # a URL fetched twice was the victim's
    assert stored_urls(corpus) == Counter({u: 1 for u in site.articles})  # complete, no URL twice


def test_a_stopped_writer_leaves_queue_seen_set_and_index_to_the_others(tmp_path):
    corpus = tmp_path / "corpus"
    # slow pages (0.5 s, 20 in flight at most): the crawl outlasts the writer's stop
    with RedisServer(tmp_path / "redis") as server, article_site(10, 300, delay=0.5) as site:
        procs = {w: start_serve(tmp_path, site, server, w) for w in ("w1", "w2")}  # two suffice here
        wait_until(lambda: started(server, site, corpus, 20, 1), 90, "the crawl under way", tmp_path)
        first = writer_of(server)
        stop(procs[first], tmp_path, first)  # SIGTERM: in-flight pages finish, the corpus is closed
        c = client(server)
        groups = [g["name"] for g in c.xinfo_groups(PREFIX + "frontier")]
        seen, queued = c.scard(PREFIX + "seen"), c.xlen(PREFIX + "frontier")
        held = c.xpending_range(PREFIX + "frontier", "fetchers", "-", "+", 1000, consumername=first)
        stored_at_stop = set(stored_urls(corpus))
        stopped_at = time.monotonic()
        wait_until(lambda: crawl_done(server, site, corpus), 120, "every article stored", tmp_path,
                   lambda: redis_state(server))
        second = writer_of(server)
        stop_all(procs, tmp_path)
        fetched = site.article_fetches()
    assert groups == [b"fetchers"] and seen == len(site.articles) and queued > 0  # the shared state stays
    assert held == []  # what it had read ahead went back to the queue at once
    assert second not in (None, first)  # another daemon took the writer role, on the same corpus
    assert stored_at_stop <= set(stored_urls(corpus))
    assert set(fetched) == set(site.articles)  # a graceful stop refetches nothing (a lease renewed too late aside)
    assert {u for u, n in fetched.items() if n > 1} <= lost_by(tmp_path, procs)
    assert sum(f.start > stopped_at and f.path.startswith("/a/") for f in site.log) > 50  # the others went on
    assert stored_urls(corpus) == Counter({u: 1 for u in site.articles})
    # the dedup index was closed and reopened intact: the next writer's start-up repaired nothing
    log = (tmp_path / f"{second}.log").read_text()
    assert "start-up repair" not in log and "Traceback" not in log, log[-3000:]


def test_a_redis_restart_pauses_the_cluster_and_loses_nothing_stored(tmp_path):
    corpus = tmp_path / "corpus"
    with RedisServer(tmp_path / "redis", appendonly=True) as server, article_site(10, 200, delay=0.02) as site:
        procs = {w: start_serve(tmp_path, site, server, w) for w in ("w1", "w2")}  # two suffice here
        wait_until(lambda: started(server, site, corpus, 40, 10), 90, "the crawl under way", tmp_path)
        server.stop()  # SIGTERM: the AOF is flushed
        stored_before = set(stored_urls(corpus))
        time.sleep(2)
        server.start()
        wait_until(lambda: crawl_done(server, site, corpus), 120, "every article stored", tmp_path,
                   lambda: redis_state(server))
        stop_all(procs, tmp_path)
    assert stored_before <= set(stored_urls(corpus))  # nothing reported stored is lost
    assert stored_urls(corpus) == Counter({u: 1 for u in site.articles})
    for w in procs:
        log = (tmp_path / f"{w}.log").read_text()
        assert log.count("redis unavailable at") == 1 and log.count("redis back: resuming") == 1, log[-3000:]


LOST = "redis lost the cluster's data (no copydesk:t:origin): pausing; run `copydesk cluster migrate` to reseed it"


def test_redis_that_lost_its_data_pauses_the_cluster_in_one_line_until_cluster_migrate_reseeds_it(tmp_path):
    """docs/scale-out.md, "Failures": Redis restarted without its data (no AOF) under two daemons. Each
    logs one line and pauses (the writer closes the corpus for the migration); `cluster migrate` from
    the writer's corpus reseeds Redis; the daemons resume and the sources' next discovery queues
    again what was lost with the queue: every article stored exactly once, no traceback."""
    corpus = tmp_path / "corpus"
    with RedisServer(tmp_path / "redis") as server, article_site(4, 80, delay=0.05) as site:
        procs = {w: start_serve(tmp_path, site, server, w, interval="4s") for w in ("w1", "w2")}
        wait_until(lambda: started(server, site, corpus, 20, 5), 60, "the crawl under way", tmp_path)
        server.restart()  # no AOF, no snapshot: it comes back empty
        logs = {w: tmp_path / f"{w}.log" for w in procs}
        wait_until(lambda: all(LOST in f.read_text() for f in logs.values()), 30, "both daemons paused", tmp_path)
        paused = {w: f.read_text() for w, f in logs.items()}
        keys = sorted(client(server).keys())  # what the daemons wrote before they noticed, if anything
        time.sleep(2)  # paused: nothing written to Redis (only the marker is looked for)
        assert sorted(client(server).keys()) == keys
        deadline = time.monotonic() + 20
        while True:  # the writer gives the corpus up as it notices
            r = subprocess.run([sys.executable, "-m", "copydesk.cli", "cluster", "migrate", "-c",
                                str(tmp_path / "w1.toml")], cwd=ROOT, capture_output=True, text=True)
            if r.returncode == 0 or "in use by" not in r.stderr or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert r.returncode == 0, r.stderr
        wait_until(lambda: crawl_done(server, site, corpus), 60, "every article stored", tmp_path,
                   lambda: redis_state(server))
        stop_all(procs, tmp_path)
    assert stored_urls(corpus) == Counter({u: 1 for u in site.articles})
    for w, f in logs.items():
        log = f.read_text()
        assert "Traceback" not in log and "Unhandled error" not in log, log[-3000:]
        assert log.count(LOST) == 1 and paused[w].count(LOST) == 1, log[-3000:]
        assert "redis holds the cluster's data again: resuming" in log, log[-3000:]
        assert "giving the writer role up" not in log, log[-3000:]


def test_a_daemon_that_may_not_write_fetches_but_never_opens_the_corpus(tmp_path):
    """`serve --no-writer` (a host without the corpus): it fetches and publishes, the writer lease
    stays free and no corpus appears until a writer-capable daemon joins and stores everything."""
    corpus = tmp_path / "corpus"
    with RedisServer(tmp_path / "redis") as server, article_site(2, 30, delay=0.005) as site:
        procs = {"w1": start_serve(tmp_path, site, server, "w1", "--no-writer")}
        c = client(server)
        wait_until(lambda: c.exists(PREFIX + "docs") and c.xlen(PREFIX + "docs") >= len(site.articles), 90,
                   "every article published to the doc stream", tmp_path, lambda: redis_state(server))
        time.sleep(2 * LEASE)  # longer than a lease: a writer-capable daemon would have taken it by now
        assert writer_of(server) is None and not corpus.exists()
        procs["w2"] = start_serve(tmp_path, site, server, "w2")
        wait_until(lambda: crawl_done(server, site, corpus), 90, "every article stored", tmp_path,
                   lambda: redis_state(server))
        assert writer_of(server) == "w2"
        stop_all(procs, tmp_path)
        fetched = site.article_fetches()
    assert set(fetched) == set(site.articles) and {u for u, n in fetched.items() if n > 1} <= lost_by(tmp_path, procs)
    assert stored_urls(corpus) == Counter({u: 1 for u in site.articles})


def status(cfg: Path, *extra: str) -> str:
    return subprocess.run([sys.executable, "-m", "copydesk.cli", "status", "-c", str(cfg), *extra], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def test_status_on_the_cluster_merges_discovery_the_writer_and_the_fetch_crawls_failures(tmp_path):
    """`copydesk status` on the cluster (docs/scale-out-serve.md): the last run shows discovery's
    counts (from Redis) merged with what the writer stored, the two article links that answered 404
    (failed in the shared fetch crawl, recorded only in Redis) as failed by reason and in recent
    errors, and the next run from the cluster's last completed run."""
    corpus = tmp_path / "corpus"
    with RedisServer(tmp_path / "redis") as server, article_site(1, 8, delay=0.001) as site:
        base = site.base[site.addresses[0]]
        missing = [base + "/a/missing1.html", base + "/a/missing2.html"]  # not in site.pages: 404
        site.pages[base + "/sitemap.xml"] = sitemap(site.articles + missing)
        procs = {"w1": start_serve(tmp_path, site, server, "w1")}
        wait_until(lambda: crawl_done(server, site, corpus) and all(site.article_fetches()[u] for u in missing),
                   60, "every article stored and both missing links fetched", tmp_path, lambda: redis_state(server))
        c = client(server)
        wait_until(lambda: c.hexists(PREFIX + "runs:last", "h0") and c.llen(PREFIX + "errors") >= 2, 20,
                   "the discovery run and the failures recorded", tmp_path)
        db = corpus / "_state" / "state.sqlite3"
        wait_until(lambda: db.exists() and any(r[0] == "completed" for r in sqlite3.connect(db).execute(
            "SELECT status FROM runs WHERE source='h0'")), 30, "the writer's run ended", tmp_path)
        info, table = json.loads(status(tmp_path / "w1.toml", "--json")), status(tmp_path / "w1.toml")
        stop_all(procs, tmp_path)
        # stopped, status computes the next run: from the cluster's last completed run (what the
        # daemons schedule from), not the writer's; moved back to tell the two apart
        completed = float(c.hget(PREFIX + "runs:last_completed", "h0")) - 600
        c.hset(PREFIX + "runs:last_completed", "h0", repr(completed))
        stopped = json.loads(status(tmp_path / "w1.toml", "--json"))
    src = next(s for s in info["sources"] if s["name"] == "h0")
    counts = src["last_run"]["counts"]
    assert counts["discovered"] == len(site.articles) + 2 and counts["discovery_ok"] == 1, counts
    assert counts["requests"] >= len(site.articles) + 3, counts  # the sitemap, the articles, the 404s
    assert counts["stored_new"] == len(site.articles), counts
    assert counts["failed"] == {"http_404": 2}, counts
    errs = {e["url"]: e for e in info["recent_errors"]}
    assert set(missing) <= set(errs) and all(errs[u]["reason"] == "http_404" and errs[u]["source"] == "h0"
                                             for u in missing), info["recent_errors"]
    assert "missing1.html" in table and "http_404" in table, table
    assert src["next_run"] is not None
    assert next(s for s in stopped["sources"] if s["name"] == "h0")["next_run"] == \
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(completed + 3600))
