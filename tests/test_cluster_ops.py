"""Operating a cluster on a real redis-server: `copydesk status` shows the workers, the frontier,
the docs waiting and the writer (written through copydesk.cluster and the real frontier scheduler,
run through the CLI as a subprocess); Redis unreachable is one line; /metrics carries the worker id
and the cluster gauges."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from copydesk.cluster.connection import Connection, keys_prefix
from copydesk.cluster.docstream import Publisher
from copydesk.cluster.lease import writer_lease
from copydesk.cluster.registry import Heartbeat, Registry
from copydesk.config import load
from copydesk.crawler.frontier import StreamScheduler, frontier_settings
from tests.redis_server import available, free_port, redis_server  # noqa: F401
from tests.test_cluster_core import article_page
from tests.run_cli import copydesk

pytestmark = pytest.mark.skipif(available() is None, reason="redis-server is not installed (.ci/run installs it)")

NAME = "ops"
P = keys_prefix(NAME)


def cluster_config(tmp_path: Path, url: str, corpus: str = "corpus") -> Path:
    cfg = tmp_path / "cluster.toml"
    cfg.write_text(f'corpus = "{corpus}"\n[cluster]\nredis = "{url}"\nname = "{NAME}"\nworker = "here"\n')
    return cfg


class _Spider(Spider):
    name = "ops"

    def parse(self, response):  # pragma: no cover - nothing is downloaded here
        pass


@pytest.fixture
def busy_cluster(redis_server):  # noqa: F811
    """Two workers beating (one holds the writer lease), 5 article requests queued through the real
    frontier scheduler of which one worker leased 2, and 3 docs published for the writer."""
    conn = Connection(redis_server.url)
    stop = threading.Event()
    lease = writer_lease(conn, P, "w-writer", 60)
    assert lease.acquire()
    beats = [Heartbeat(Registry(conn, P, "w-writer"), lambda: "writer", lambda: 42.0, stop).start()]
    Registry(conn, P, "w-fetch").beat("worker", 17.5)
    crawler = get_crawler(_Spider, {**frontier_settings(redis_server.url, prefix=P, worker="w-fetch", politeness=False),
                                    "FRONTIER_BATCH": 2})
    spider = _Spider()
    scheduler = StreamScheduler.from_crawler(crawler)
    scheduler.open(spider)
    for i in range(5):
        assert scheduler.enqueue_request(Request(f"https://a.example/{i}.html", callback=spider.parse))
    assert scheduler.next_request() is not None  # reads FRONTIER_BATCH=2 entries: both leased
    publisher = Publisher(conn, P)
    for i in range(3):
        publisher.publish(*article_page(i, f"story {i} " * 50))
    yield conn
    scheduler._timer.stop()
    stop.set()
    for b in beats:
        b.close()
    conn.close()


def test_status_shows_the_cluster_from_a_worker_host(busy_cluster, redis_server, tmp_path):  # noqa: F811
    cfg = cluster_config(tmp_path, redis_server.url)  # no corpus here: a worker host
    r = copydesk("status", "-c", cfg, "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    c = info["cluster"]
    assert info["corpus_here"] is False and c["name"] == NAME and c["redis"] == redis_server.url
    workers = {w["id"]: w for w in c["workers"]}
    assert set(workers) == {"w-writer", "w-fetch"}
    assert workers["w-writer"]["role"] == "writer" and workers["w-writer"]["pages_per_min"] == 42.0
    assert workers["w-fetch"]["role"] == "worker" and workers["w-fetch"]["pages_per_min"] == 17.5
    assert all(w["pid"] > 0 and w["host"] and 0 <= w["age"] < 15 and not w["stale"] for w in workers.values())
    assert c["frontier"]["length"] == 5 and c["frontier"]["pending"] == 2
    assert c["docs"]["length"] == 3
    assert c["writer"]["holder"] == "w-writer" and 0 < c["writer"]["expires_in"] <= 60

    r = copydesk("status", "-c", cfg)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert f"cluster {NAME} on {redis_server.url}" in out
    assert "writer: w-writer (lease" in out
    assert "frontier: 5 requests (2 leased to workers, 3 queued) · docs waiting for the writer: 3" in out
    assert "w-fetch" in out and "w-writer" in out and "17.5" in out
    assert "not on this host" in out


def test_status_on_the_writer_host_shows_cluster_and_corpus(busy_cluster, redis_server, tmp_path):  # noqa: F811
    (tmp_path / "corpus" / "_state").mkdir(parents=True)
    cfg = cluster_config(tmp_path, redis_server.url)
    info = json.loads(copydesk("status", "-c", cfg, "--json").stdout)
    assert info["corpus_here"] is True and info["daemon"] == {"running": False}
    assert info["cluster"]["docs"]["length"] == 3
    r = copydesk("status", "-c", cfg)
    assert "cluster ops" in r.stdout and "corpus " in r.stdout and "daemon: not running" in r.stdout


def test_status_with_redis_unreachable_is_one_line(tmp_path):
    cfg = cluster_config(tmp_path, f"redis://:secret@127.0.0.1:{free_port()}/0")
    for extra in ((), ("--json",)):
        r = copydesk("status", "-c", cfg, *extra)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r.stderr and r.stdout == ""
        assert lines[0].startswith("copydesk: redis unavailable at redis://:***@127.0.0.1:")
        assert "secret" not in r.stderr


# -- metrics per worker ---------------------------------------------------------------------------
def scrape(port: int) -> dict[tuple[str, tuple], float]:
    from prometheus_client.parser import text_string_to_metric_families

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_metrics_carry_the_worker_id_and_the_cluster_gauges(busy_cluster, redis_server, tmp_path):  # noqa: F811
    from copydesk.metrics import Metrics

    cfg = load(cluster_config(tmp_path, redis_server.url))
    cfg = dataclasses.replace(cfg, cluster=dataclasses.replace(cfg.cluster, worker="w-writer"))  # the writer's daemon
    daemon = SimpleNamespace(cfg=cfg, pipeline=None, status=lambda: {"status": "ok"})
    m = Metrics(daemon, 0)
    try:
        port = m.server.server_address[1]
        s = scrape(port)
        w = (("worker", "w-writer"),)
        info = [k for k in s if k[0] == "copydesk_worker_info"]
        assert len(info) == 1 and dict(info[0][1])["worker"] == "w-writer" and dict(info[0][1])["cluster"] == NAME
        assert s[("copydesk_cluster_up", w)] == 1
        assert s[("copydesk_cluster_frontier_requests", w)] == 5
        assert s[("copydesk_cluster_frontier_leased", w)] == 2
        assert s[("copydesk_cluster_docs_waiting", w)] == 3
        assert s[("copydesk_cluster_frontier_dead", w)] == 0
        assert s[("copydesk_cluster_workers", w)] == 2
        assert s[("copydesk_cluster_writer", w)] == 1
        assert ("process_resident_memory_bytes", ()) in s  # the daemon's own metrics are still there

        redis_server.stop()  # a scrape during an outage answers at once: up 0, no cluster gauges
        t = time.monotonic()
        s = scrape(port)
        assert time.monotonic() - t < 5
        assert s[("copydesk_cluster_up", w)] == 0 and ("copydesk_cluster_docs_waiting", w) not in s
        redis_server.start()  # (the fixture's teardown leaves the registry through it)
    finally:
        m.close()


def test_a_daemon_dead_letters_a_request_its_workers_died_on(redis_server, tmp_path):  # noqa: F811
    """A real `copydesk serve` in cluster mode, on a Redis whose frontier holds an article request
    already taken `max_deliveries` times by workers that died with it: the daemon claims it when its
    lease has run out and moves it to the dead-letter stream instead of fetching it, logs it once
    with its URL, and `status` and /metrics count it."""
    import redis
    import signal

    from copydesk.crawler.frontier import FIELD, GROUP

    c = redis.Redis.from_url(redis_server.url)
    stream, url = P + "frontier", "http://127.0.0.1:9/poison.html"
    c.xgroup_create(stream, GROUP, id="0", mkstream=True)
    entry = c.xadd(stream, {FIELD: json.dumps({"url": url, "meta": {"kind": "article"}})})
    c.xreadgroup(GROUP, "gone-1", {stream: ">"}, count=1)  # taken, and its worker died
    c.xclaim(stream, GROUP, "gone-2", 0, [entry])  # taken again, by a worker that died too
    cfg = tmp_path / "cluster.toml"
    cfg.write_text(f'corpus = "{tmp_path / "corpus"}"\n[schedule]\ninterval = "1h"\n'
                   '[[sources]]\nname = "a"\nfeeds = ["http://127.0.0.1:9/rss.xml"]\n'
                   f'[cluster]\nredis = "{redis_server.url}"\nname = "{NAME}"\nlease_seconds = "1s"\nmax_deliveries = 2\n')
    port = free_port()
    log = tmp_path / "w1.log"
    proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg), "--worker", "w1",
                             "--metrics-port", str(port)], stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    try:
        deadline = time.monotonic() + 60
        while c.xlen(P + "frontier:dead") == 0:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        status = copydesk("status", "-c", cfg)
        metrics = scrape(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(60)
    (_, dead), = c.xrange(P + "frontier:dead")
    assert dead[b"entry"] == entry and dead[b"reason"] == b"delivered 3 times, never finished"
    assert c.xlen(stream) == 0  # acked and deleted: no worker takes it again
    assert rc == 0 and log.read_text().count(url) == 1 and f"({url}) taken 3 times and never finished" in log.read_text()
    assert "frontier dead letters: 1" in status.stdout, status.stdout + status.stderr
    assert metrics[("copydesk_cluster_frontier_dead", (("worker", "w1"),))] == 1


# -- deploy/cluster -------------------------------------------------------------------------------
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_cluster_compose_file_and_config():
    """`docker compose config` needs the compose plugin, absent here: a YAML parse and the checks
    that matter (AOF on, one writer with the corpus, three daemons from deploy/Containerfile)."""
    import yaml

    compose = yaml.safe_load((DEPLOY / "cluster" / "compose.yml").read_text())
    services = compose["services"]
    redis_cmd = services["redis"]["command"]
    assert redis_cmd[redis_cmd.index("--appendonly") + 1] == "yes"
    assert redis_cmd[redis_cmd.index("--appendfsync") + 1] in ("everysec", "always")
    assert redis_cmd[redis_cmd.index("--maxmemory-policy") + 1] == "noeviction"
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])
    daemons = {n: s for n, s in services.items() if n != "redis"}
    assert len(daemons) == 3
    for s in daemons.values():
        assert s["build"] == {"context": "../..", "dockerfile": "deploy/Containerfile"}
        assert (DEPLOY / "cluster" / s["build"]["context"] / s["build"]["dockerfile"]).exists()
        assert s["depends_on"]["redis"]["condition"] == "service_healthy" and s["stop_grace_period"] == "90s"
        assert "serve" in s["command"] and "/etc/copydesk/copydesk.toml" in s["command"]
        mounts = dict(v.rsplit(":", 1)[0].split(":", 1) if v.count(":") == 2 else v.split(":", 1) for v in s["volumes"])
        assert mounts["./copydesk.cluster.toml"] == "/etc/copydesk/copydesk.toml"
    writers = [n for n, s in daemons.items() if any(v.startswith("corpus:") for v in s["volumes"])]
    assert writers == ["writer"], "exactly one daemon has the corpus volume"
    assert len({s["hostname"] for s in daemons.values()}) == 3

    cfg = load(DEPLOY / "cluster" / "copydesk.cluster.toml")
    assert cfg.cluster is not None and cfg.cluster.redis == "redis://redis:6379/0" and cfg.cluster.lease_seconds == 60
    assert str(cfg.corpus).startswith("/var/lib/copydesk") and cfg.sources
