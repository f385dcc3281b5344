"""The cluster's core on a real redis-server (no fakes): leases, outage pausing, the doc stream to
one writer (no story split in 1,000 trials of 3 producer processes), redelivery after a writer
crash stored once, and the Redis SeenStore's rules.

The server is tests/redis_server.py's (a real redis-server on a free port).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
import random
import threading
import time
from pathlib import Path

import pytest
import redis

from copydesk import cleaning
from copydesk.cluster.connection import Connection, Stopped, keys_prefix
from copydesk.cluster.docstream import Consumer, PipelineSink, Publisher, decode, encode
from copydesk.cluster.lease import Keeper, Lease, discovery_lease, writer_lease
from copydesk.cluster.registry import Registry, cluster_status
from copydesk.cluster.seen import RedisSeenStore
from copydesk.config import Config
from copydesk.documents import Page
from copydesk.extraction import Extracted
from copydesk.storage import Corpus
from copydesk.storage.urls import url_key
from tests.redis_server import RedisServer, available

pytestmark = pytest.mark.skipif(available() is None, reason="redis-server is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = RedisServer(tmp_path_factory.mktemp("redis"))
    s.start()
    yield s
    s.stop()


@pytest.fixture
def conn(server):
    c = Connection(server.url)
    c.client.flushdb()
    yield c
    c.close()


P = keys_prefix("test")


# -- leases ---------------------------------------------------------------------------------------
def test_a_lease_is_exclusive_expires_and_is_taken_over(conn):
    a, b = Lease(conn, P + "lock:writer", "a", 0.3), Lease(conn, P + "lock:writer", "b", 0.3)
    assert a.acquire() and not b.acquire()
    assert a.acquire(), "re-acquiring our own lease (a retried SET) keeps it"
    assert a.renew() and not b.renew() and not b.release()
    assert a.holder() == "a"
    time.sleep(0.45)  # a stops renewing: it paused, or died
    assert a.holder() is None and b.acquire() and b.held()
    assert not a.renew() and not a.release(), "a late holder cannot extend or delete the new holder's lease"
    assert b.holder() == "b"
    keeper = Keeper(a).start()  # a resumes and tries to keep the lease it lost
    assert keeper.lost.wait(2)
    keeper.close()
    kb = Keeper(b).start()   # b's keeper renews every ttl/3: the lease outlives its ttl
    time.sleep(0.8)
    assert b.held() and not kb.lost.is_set()
    kb.close()
    assert b.release() and b.holder() is None


def test_discovery_runs_once_per_schedule_across_workers(conn):
    leases = [discovery_lease(conn, P, "wire", f"w{i}", interval=0.5) for i in range(3)]
    assert [lease.acquire() for lease in leases] == [True, False, False]
    assert leases[0].renew(0.2), "discovery over: held for what is left of the interval, not released"
    time.sleep(0.3)
    assert sum(lease.acquire() for lease in leases[1:]) == 1, "the next schedule: one worker discovers"
    assert writer_lease(conn, P, "w0", 1).key == P + "lock:writer"


# -- outages --------------------------------------------------------------------------------------
def article_page(i: int, text: str, source: str = "wire", host: str = "wire.example") -> tuple[Page, Extracted]:
    url = f"https://{host}/story/{i}.html"
    art = cleaning.Article(text=text, title=f"Story {i}", published="2026-01-02", language="en", url=url)
    return Page(url, f"<html><body>{text}</body></html>".encode(), source, dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc),
                content_type="text/html", hints={"title": f"Story {i}"}), Extracted(art)


def outage_lines(caplog) -> tuple[list[str], list[str]]:
    msgs = [r for r in caplog.records if r.name == "copydesk.cluster"]
    return ([r.getMessage() for r in msgs if r.levelno == logging.WARNING and "unavailable" in r.getMessage()],
            [r.getMessage() for r in msgs if r.levelno == logging.INFO and "redis back" in r.getMessage()])


def test_an_outage_pauses_with_one_warning_and_resumes_losing_nothing_acknowledged(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="copydesk.cluster")
    srv = RedisServer(tmp_path / "aof", appendonly=True)
    srv.start()
    conn = Connection(srv.url, first_delay=0.05, max_delay=0.2, socket_timeout=2)
    conn.client.config_set("appendfsync", "always")  # every acknowledged write is on disk before the reply
    try:
        pub = Publisher(conn, P)
        published = [pub.publish(*article_page(i, f"text {i}")) for i in range(20)]
        handled: list[str] = []
        gen = [0]
        consumer = Consumer(conn, P, "writer-1", handle=lambda items: handled.extend(p.url for p, _ in items),
                            durable=lambda: gen[0], batch=10, block_ms=100)
        consumer.step()  # group created, nothing to take over
        consumer.step()  # 10 handed over, none durable yet
        gen[0] += 1      # a checkpoint: those 10 are durable
        assert consumer.ack_durable() == 10
        consumer.step()  # 10 more handed over, not durable: pending when the server dies
        assert len(handled) == 20 and len(consumer.waiting) == 10

        srv.kill()
        results: dict[str, object] = {}
        t_pub = threading.Thread(target=lambda: results.update(pub=pub.publish(*article_page(99, "after"))))
        t_read = threading.Thread(target=lambda: results.update(read=consumer.step()))
        t_pub.start(), t_read.start()
        time.sleep(1.0)
        assert t_pub.is_alive() and t_read.is_alive(), "both calls wait for the server"
        warnings, infos = outage_lines(caplog)
        assert warnings == [f"redis unavailable at {srv.url}: pausing" + warnings[0].split(": pausing", 1)[1]]
        assert warnings[0].startswith(f"redis unavailable at {srv.url}: pausing") and infos == []

        srv.start()  # same port, same AOF
        conn.client.config_set("appendfsync", "always")
        t_pub.join(10), t_read.join(10)
        assert not t_pub.is_alive() and not t_read.is_alive()
        warnings, infos = outage_lines(caplog)
        assert len(warnings) == 1 and infos == ["redis back: resuming"]

        c = conn.client
        left = [i for i, _ in c.xrange(P + "docs")]
        assert set(left) == set(published[10:]) | {results["pub"]}, "every XADD that returned is still there"
        pending = c.xpending(P + "docs", "writer")
        assert pending["pending"] >= 10, "the 10 handed over but not durable are still pending"
        gen[0] += 1
        while consumer.step() or consumer.waiting:
            gen[0] += 1
        assert c.xlen(P + "docs") == 0 and c.xpending(P + "docs", "writer")["pending"] == 0
        assert {u for u in handled} == {f"https://wire.example/story/{i}.html" for i in (*range(20), 99)}
    finally:
        conn.close()
        srv.stop()


def test_a_stop_during_an_outage_ends_the_wait_promptly(tmp_path):
    srv = RedisServer(tmp_path / "r")
    srv.start()
    stop = threading.Event()
    conn = Connection(srv.url, stop=stop, max_delay=5.0, socket_timeout=1)
    srv.kill()
    err: list[BaseException] = []

    def call() -> None:
        try:
            conn.call(lambda c: c.ping())
        except Stopped as e:
            err.append(e)
    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    stop.set()
    t.join(3)
    assert not t.is_alive() and err and time.monotonic() - t0 < 1.5


# -- the doc stream -------------------------------------------------------------------------------
def test_an_entry_round_trips_with_its_features_and_warc():
    from copydesk.dedup import Preparer

    page, ex = article_page(1, "one two three four five six seven eight nine ten " * 8)
    ex = Extracted(ex.result, b"\x1f\x8b fake warc", [1, 2, 2**63 + 5], Preparer().features(ex.result.text))
    p2, e2 = decode(encode(page, ex))
    assert p2.body == b"", "with a WARC record, the body is not sent"
    assert (p2.url, p2.source, p2.fetched_at, p2.hints) == (page.url, page.source, page.fetched_at, page.hints)
    assert e2.result == ex.result and e2.warc == ex.warc and e2.line_keys == ex.line_keys
    assert e2.features.params == ex.features.params and e2.features.text_hash == ex.features.text_hash
    for f in dataclasses.fields(ex.features.sketch):
        a, b = getattr(ex.features.sketch, f.name), getattr(e2.features.sketch, f.name)
        assert (a == b).all() and a.dtype == b.dtype if hasattr(a, "dtype") else a == b
    rp, rx = decode(encode(page, Extracted(cleaning.Rejected("not_article"))))
    assert rx.result == cleaning.Rejected("not_article") and rp.body == b""


TRIALS, PRODUCERS = 1000, 3


def story(trial: int) -> list[str]:
    rng = random.Random(trial)
    return [f"w{rng.randrange(50_000)}" for _ in range(90)]


def _produce(url: str, k: int, barrier, ready) -> None:
    from copydesk.dedup import Preparer

    conn, prep = Connection(url), Preparer()
    pub = Publisher(conn, P)
    for t in range(TRIALS):
        words = story(t)
        words[10 + k] = f"edit{k}"  # a near-copy: each producer's differs in one word
        text = " ".join(words)
        page, ex = article_page(t * PRODUCERS + k, text, source=f"outlet{k}", host=f"outlet{k}.example")
        ex = Extracted(ex.result, None, None, prep.features(text))  # as a worker computes them
        barrier.wait()
        pub.publish(page, ex)
    conn.close()


def test_near_copies_published_at_once_by_three_processes_give_one_cluster_head(conn, server):
    from copydesk.dedup import Deduper

    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(PRODUCERS)
    procs = [ctx.Process(target=_produce, args=(server.url, k, barrier, None)) for k in range(PRODUCERS)]
    deduper = Deduper(None, window_days=None)
    assignments: dict[int, list] = {}
    count = iter(range(10**9))

    def handle(items) -> None:
        for page, ex in items:
            a = deduper.add(page.url, ex.result.text, timestamp=time.time(), source=page.source, features=ex.features)
            assignments.setdefault(int(page.url.rsplit("/", 1)[1].split(".")[0]) // PRODUCERS, []).append(a)

    consumer = Consumer(conn, P, "writer", handle=handle, durable=lambda: next(count), batch=200, block_ms=50)
    t0 = time.monotonic()
    for p in procs:
        p.start()
    while sum(map(len, assignments.values())) < TRIALS * PRODUCERS and time.monotonic() - t0 < 50:
        consumer.step()
    for p in procs:
        p.join(10)
    consumer.step()
    assert [p.exitcode for p in procs] == [0] * PRODUCERS
    assert len(assignments) == TRIALS
    heads = {t: sum(a.duplicate_of is None for a in got) for t, got in assignments.items()}
    assert all(len(got) == PRODUCERS for got in assignments.values())
    assert set(heads.values()) == {1}, f"trials with != 1 head: {[t for t, h in heads.items() if h != 1][:10]}"
    assert all(len({a.cluster_id for a in got}) == 1 for got in assignments.values())
    assert conn.client.xlen(P + "docs") == 0, "every entry acknowledged and removed"


def test_a_writer_crash_before_ack_redelivers_and_each_doc_is_stored_once(conn, tmp_path):
    from copydesk.pipeline import Pipeline
    from tests.fixtures.dedup import stories as S

    cfg = Config(corpus=tmp_path / "corpus")
    pub = Publisher(conn, P)
    texts = [S.filler_story(i) for i in range(8)]
    for i in range(5):
        pub.publish(*article_page(i, texts[i]))

    class Killed(Exception):
        pass

    p1 = Pipeline(cfg, workers=0)
    sink1 = PipelineSink(p1)
    crash = False

    def handle(items) -> None:
        sink1.handle(items)
        if crash:
            raise Killed  # the writer dies after its steps ran, before it acknowledges anything

    w1 = Consumer(conn, P, "writer-host1-1", handle=handle, durable=sink1.durable, block_ms=50)
    w1.step(), w1.step()
    assert w1.handled == 5 and w1.acked == 0
    p1.checkpoint()              # those 5 are durable ...
    for i in range(5, 8):
        pub.publish(*article_page(i, texts[i]))
    crash = True
    with pytest.raises(Killed):
        w1.step()                # ... 3 more handed over, then the writer dies: nothing acknowledged
    assert w1.handled == 8 and w1.acked == 0
    p1.abort()                   # the writer dies before acknowledging anything

    p2 = Pipeline(cfg, workers=0)  # the next lease holder, on the same corpus
    sink2 = PipelineSink(p2)
    outcomes: list[tuple[str, str | None]] = []
    p2.on_outcome = lambda d: outcomes.append((d.outcome, d.reason))
    w2 = Consumer(conn, P, "writer-host2-7", handle=sink2.handle, durable=sink2.durable, idle=sink2.idle, block_ms=50)
    w2.step()
    assert w2.claimed == 8, "the dead writer's pending entries are taken over"
    assert sorted(o for o in outcomes) == sorted([("skipped", "already_stored")] * 5 + [("stored_new", None)] * 3)
    w2.step()                    # idle: a checkpoint, then everything is acknowledged
    assert w2.acked == 8 and conn.client.xlen(P + "docs") == 0
    p2.close()
    ids = [d["id"] for d in Corpus(tmp_path / "corpus").documents()]
    assert len(ids) == 8 == len(set(ids))


# -- the seen store -------------------------------------------------------------------------------
def test_the_seen_store_keeps_the_rules_of_storage_seen(conn):
    from copydesk.storage.seen import SeenStore, StoredDoc

    s = RedisSeenStore(conn, P, "w1")
    assert isinstance(s, SeenStore)
    k = [url_key(f"https://a.example/{i}") for i in range(6)]
    s.commit_checkpoint(parts=[("2026/01/02/p1.parquet", 1, 100)],
                        docs=[(StoredDoc("00112233aabbccdd", "https://a.example/0", "wire", "a.example", "c1", None, "p1"),
                               [k[0]])],
                        skipped=[(k[1], "https://a.example/1", "offsite", "wire", "fp1"), (k[2], "https://a.example/2", "not_html", "wire")],
                        failed=[(k[3], "https://a.example/3", "http_503", "wire"), (k[0], "https://a.example/0", "http_503", "wire")],
                        validators=[("https://a.example/feed", '"e1"', None, "dfp")])
    d0 = s.decision(k[0])
    assert d0.status == "stored" and d0.doc_id == "00112233aabbccdd", "a stored decision is final"
    assert s.has_doc("00112233aabbccdd") and not s.has_doc("ffffffffffffffff")
    assert s.decision(k[1]).status == "skipped" and s.decision(k[1]).config_fp == "fp1"
    assert s.decision(k[2]).reason == "not_html" and s.decision(k[5]) is None
    assert s.decision(k[3]).attempts == 1 and s.retry_urls("wire", 3) == ["https://a.example/3"]
    s.commit_checkpoint(failed=[(k[3], "https://a.example/3", "http_503", "wire"),
                                (k[1], "https://a.example/1", "timeout", "wire"), (k[2], "https://a.example/2", "timeout", "wire")])
    assert s.decision(k[3]).attempts == 2 and s.retry_urls("wire", 2) == ["https://a.example/1"]
    assert s.decision(k[1]).status == "failed" and s.decision(k[1]).attempts == 1, "a config skip is decided anew"
    assert s.decision(k[2]).status == "skipped", "a failure does not replace another skip"
    assert s.validators("https://a.example/feed", "dfp")[:2] == ('"e1"', None)
    assert s.validators("https://a.example/feed", "other") == (None, None, None)
    s.record_deleted("00112233aabbccdd", [(k[0], "https://a.example/0")], "takedown")
    assert s.is_deleted(k[0]) and s.is_deleted("x", "00112233aabbccdd") and not s.is_deleted(k[4])
    r1, r2 = s.start_run("wire", "serve"), s.start_run("paper", "serve")
    assert r2 > r1 and s.last_completed("wire") is None
    s.finish_run(r1, "completed", {"stored_new": 1})
    assert s.last_completed("wire") is not None and s.last_runs()["wire"]["status"] == "completed"
    other = RedisSeenStore(conn, P, "w2", alive=lambda w: False)
    assert other.close_dangling_runs() == 1, "the run of a worker that is gone is closed"


def test_cluster_status_shows_workers_queues_and_the_writer(conn):
    Registry(conn, P, "host1-1").beat("writer", 120.0)
    Registry(conn, P, "host2-9").beat("worker", 60.0)
    writer_lease(conn, P, "host1-1", 30).acquire()
    pub = Publisher(conn, P)
    for i in range(3):
        pub.publish(*article_page(i, "x"))
    st = cluster_status(conn.client, P)
    assert [w["id"] for w in st["workers"]] == ["host1-1", "host2-9"]
    assert st["workers"][0]["role"] == "writer" and st["workers"][0]["pid"] == os.getpid()
    assert st["docs"]["length"] == 3 and st["frontier"]["length"] == 0
    assert st["writer"]["holder"] == "host1-1" and 0 < st["writer"]["expires_in"] <= 30
