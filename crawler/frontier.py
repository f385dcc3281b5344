"""The shared frontier: a Scrapy scheduler on a Redis Stream with a consumer group, and a Redis
dupefilter. See docs/scale-out-frontier.md.

- ``StreamScheduler`` (``SCHEDULER``): a shared request is one stream entry (JSON, never pickle).
  ``next_request`` reads new entries with XREADGROUP (non-blocking); an entry read is *leased* to
  this worker (it sits in the group's pending list) until XACK. The worker renews its leases every
  third of ``FRONTIER_LEASE_SECONDS``; when idle it XAUTOCLAIMs entries idle longer than the lease
  (a dead worker's). The ack rule is in crawler.leases: only when the outcome has been handed on.
  Acked entries are deleted (XACK + XDEL in one transaction), so ``XLEN`` is the cluster's
  outstanding work: queued plus leased. A worker's crawl ends when the stream is empty.
- ``RedisDupeFilter`` (``DUPEFILTER_CLASS``): fingerprints (Scrapy's request fingerprinter, 20 raw
  bytes) in one Redis SET; ``request_seen`` is one SADD. The scheduler marks seen and queues in one
  Lua script, so no kill can leave a URL seen but never queued.

Closing a worker deletes nothing shared: the stream, its group and the seen set stay for the
others (scrapy-redis' SCHEDULER_PERSIST=False deleted them).
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import socket
import time
from collections import deque
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.dupefilters import BaseDupeFilter
from scrapy.utils.request import request_from_dict
from twisted.internet import task

from copydesk.crawler.leases import (DOWNLOADING, META_KEY, SCRAPING, FrontierAckMiddleware, Lease, LeaseBook,
                                     report_left_to_claimer)
from copydesk.crawler.outage import DataLost, guarded, outage
from copydesk.crawler.pipelines import NotHandedOn

logger = logging.getLogger(__name__)

GROUP = "fetchers"
FIELD = "r"
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError)

# mark seen and queue in one step: a URL is never seen without being queued
ENQUEUE_LUA = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return false end
return redis.call('XADD', KEYS[2], '*', ARGV[2], ARGV[3])
"""
# ack (XACK + XDEL, atomic); 1 when this consumer still held the entry, 0 when another had claimed it
ACK_LUA = """
local p = redis.call('XPENDING', KEYS[1], KEYS[2], ARGV[1], ARGV[1], 1)
local mine = 0
if p[1] and p[1][2] == ARGV[2] then mine = 1 end
redis.call('XACK', KEYS[1], KEYS[2], ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
return mine
"""
# renew: reset the idle time of the entries this consumer still owns; return the ones it lost
RENEW_LUA = """
local lost = {}
for i, id in ipairs(ARGV) do
  if i > 1 then
    local p = redis.call('XPENDING', KEYS[1], KEYS[2], id, id, 1)
    if p[1] and p[1][2] == ARGV[1] then
      redis.call('XCLAIM', KEYS[1], KEYS[2], ARGV[1], 0, id, 'JUSTID')
    else
      lost[#lost + 1] = id
    end
  end
end
return lost
"""


def frontier_settings(redis_url: str, *, prefix: str = "copydesk:default:", lease_seconds: float = 60,
                      max_deliveries: int = 5, shared_meta: dict[str, Any] | None = None, worker: str | None = None,
                      politeness: bool = True, consume: bool = True, keep_open: bool = False) -> dict[str, Any]:
    """The Scrapy settings that put a crawler on the shared frontier (merge into its settings;
    SPIDER_MIDDLEWARES and DOWNLOADER_MIDDLEWARES here must be merged with the crawler's own).
    ``consume=False``: a producer (discovery) that queues shared requests and fetches only its own
    local ones; ``keep_open``: a consumer whose crawl never ends when the stream is empty (a daemon's)."""
    return {
        "DOWNLOADER_MIDDLEWARES": {"copydesk.crawler.politeness.ClusterPolitenessMiddleware": 950} if politeness else {},
        "SCHEDULER": "copydesk.crawler.frontier.StreamScheduler",
        "DUPEFILTER_CLASS": "copydesk.crawler.frontier.RedisDupeFilter",
        "SPIDER_MIDDLEWARES": {"copydesk.crawler.leases.FrontierAckMiddleware": 0},
        "FRONTIER_REDIS_URL": redis_url,
        "FRONTIER_PREFIX": prefix,
        "FRONTIER_LEASE_SECONDS": lease_seconds,
        "FRONTIER_MAX_DELIVERIES": max_deliveries,
        "FRONTIER_SHARED_META": shared_meta or {},
        "FRONTIER_WORKER": worker or default_worker(),
        "FRONTIER_CONSUME": consume,
        "FRONTIER_KEEP_OPEN": keep_open,
    }


def default_worker() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def connect(url: str, prefix: str = "copydesk:default:") -> redis.Redis:
    """A client of the cluster whose keys start with ``prefix``: a Redis that lost the cluster's data
    pauses it as an outage does (crawler.outage.guarded)."""
    return guarded(url, prefix, decode_responses=False, socket_timeout=10, socket_connect_timeout=5,
                   health_check_interval=30)


# -- JSON for requests (bytes, bytes-keyed dicts and datetimes tagged; nothing else is guessed) -------
def _to_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _to_json(v) for k, v in value.items()}
        return {"$d": [[_to_json(k), _to_json(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a shared request cannot carry {type(value).__name__} (JSON only): {value!r}")


def _from_json(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$b" in obj:
            return base64.b64decode(obj["$b"])
        if "$t" in obj:
            return dt.datetime.fromisoformat(obj["$t"])
        if "$d" in obj:
            return {_tuple(k): v for k, v in obj["$d"]}
    return obj


def _tuple(k: Any) -> Any:
    return tuple(k) if isinstance(k, list) else k


def encode_request(request: Request, spider: Spider) -> str:
    d = request.to_dict(spider=spider)
    d["meta"] = {k: v for k, v in d["meta"].items() if k != META_KEY}
    return json.dumps(_to_json(d), separators=(",", ":"))


def _url_of(payload: str) -> str:
    try:
        return json.loads(payload).get("url", "?")
    except (ValueError, AttributeError):
        return "?"


def decode_request(payload: str | bytes, spider: Spider) -> Request:
    return request_from_dict(json.loads(payload, object_hook=_from_json), spider=spider)


class Keys:
    def __init__(self, prefix: str):
        self.stream = prefix + "frontier"
        # entries no worker can decode (e.g. a callback renamed), and entries taken more than
        # max_deliveries times without being finished (StreamScheduler._without_poison)
        self.dead = prefix + "frontier:dead"
        self.seen = prefix + "seen"


class RedisDupeFilter(BaseDupeFilter):
    """A request is queued once cluster-wide: its fingerprint in one Redis SET, added by the
    scheduler's enqueue script in the same step as the XADD.

    ``request_seen`` (the dupefilter interface, asked by a spider at discovery and by the scheduler
    for a local request) only *looks*: seen when this crawl asked about it before or the cluster
    has queued it. It adds nothing to the shared set: a link found new and then queued is marked
    there by the enqueue script (atomically with its XADD: a kill between "seen" and "queued" cannot
    lose it), and a link found new but not requested (known, offsite, a sitemap: local requests) is
    this crawl's alone, as with Scrapy's in-memory filter. A fingerprint found new is remembered in
    ``fresh``: the scheduler queues such a request through the script even though it carries
    ``dont_filter`` (the spider sets it on what passed its check)."""

    # fingerprints this process knows the cluster has seen: the set only grows, so a link met again
    # (an article linked from many pages) costs no round trip
    known_max = 200_000

    def __init__(self, client: redis.Redis, keys: Keys, fingerprinter: Any, url: str = ""):
        self.client = client
        self.keys = keys
        self.fingerprinter = fingerprinter
        self.known: set[bytes] = set()
        self.asked: set[bytes] = set()   # this crawl's questions (one crawl: one discovery run)
        self.fresh: set[bytes] = set()   # asked and new to the cluster: to be queued with the script
        self.outage = outage(url)

    def remember(self, fp: bytes) -> None:
        if len(self.known) >= self.known_max:
            self.known.clear()
        self.known.add(fp)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisDupeFilter:
        s = crawler.settings
        prefix = s.get("FRONTIER_PREFIX", "copydesk:default:")
        return cls(connect(s["FRONTIER_REDIS_URL"], prefix), Keys(prefix), crawler.request_fingerprinter,
                   s["FRONTIER_REDIS_URL"])

    def fingerprint(self, request: Request) -> bytes:
        return self.fingerprinter.fingerprint(request)

    def request_seen(self, request: Request) -> bool:
        fp = self.fingerprint(request)
        if fp in self.asked:
            return True
        self.asked.add(fp)
        if fp in self.known:
            return True
        try:
            member = self.client.sismember(self.keys.seen, fp)
        except REDIS_ERRORS as e:  # taken as new: the enqueue script decides once Redis is back
            self.outage.went_down(e)
            member = False
        else:
            self.outage.came_back()
        if member:
            self.remember(fp)
            return True
        self.fresh.add(fp)
        return False

    def close(self, reason: str) -> None:
        # the seen set is the cluster's: a worker that stops leaves it
        self.client.close()


class StreamScheduler:
    """See the module docstring. Settings: FRONTIER_REDIS_URL, FRONTIER_PREFIX, FRONTIER_WORKER,
    FRONTIER_LEASE_SECONDS, FRONTIER_MAX_DELIVERIES (an entry claimed after this many deliveries is
    dead-lettered, default 5), FRONTIER_BATCH (entries read at once, default 4) and
    FRONTIER_SHARED_META ({meta key: value} a request must carry to be shared; empty: all)."""

    def __init__(self, crawler: Any, client: redis.Redis, dupefilter: Any):
        s = crawler.settings
        self.crawler = crawler
        self.client = client
        self.df = dupefilter
        self.keys = Keys(s.get("FRONTIER_PREFIX", "copydesk:default:"))
        self.worker = s.get("FRONTIER_WORKER") or default_worker()
        self.lease_ms = int(float(s.get("FRONTIER_LEASE_SECONDS", 60)) * 1000)
        self.batch = s.getint("FRONTIER_BATCH", 4)
        self.max_deliveries = s.getint("FRONTIER_MAX_DELIVERIES", 5)
        self.shared_meta: dict[str, Any] = dict(s.getdict("FRONTIER_SHARED_META"))
        self.consume = s.getbool("FRONTIER_CONSUME", True)
        self.keep_open = s.getbool("FRONTIER_KEEP_OPEN", False)
        self.poll_seconds = s.getfloat("FRONTIER_POLL_SECONDS", 0.5)
        self.outage = outage(s["FRONTIER_REDIS_URL"])
        self._losses = self.outage.losses
        # what a Redis outage held back, retried every poll: requests not yet queued (with the
        # lease of the response that yielded them, settled once they are) and entries not yet acked
        self.unqueued: deque[tuple[Request, Lease | None]] = deque()
        self.unacked: list[str] = []
        self.book = LeaseBook(self._ack)
        LeaseBook.register(crawler, self.book)
        self.local: deque[Request] = deque()           # not shared, and continuations of leases
        self.buffer: deque[tuple[Lease, Request]] = deque()  # read from the stream, not started
        self.spider: Spider | None = None
        self._enqueue = client.register_script(ENQUEUE_LUA)
        self._renew = client.register_script(RENEW_LUA)
        self._ack_script = client.register_script(ACK_LUA)
        self._claim_cursor = "0-0"
        self._claimed_at = 0.0
        self._pending_until = 0.0
        self._timer: task.LoopingCall | None = None
        self._poller: task.LoopingCall | None = None
        self.counts = {"queued": 0, "read": 0, "claimed": 0, "acked": 0, "lost": 0, "handed_back": 0, "dead": 0}

    @classmethod
    def from_crawler(cls, crawler: Any) -> StreamScheduler:
        s = crawler.settings
        mw = "copydesk.crawler.leases.FrontierAckMiddleware"
        if mw not in s.getwithbase("SPIDER_MIDDLEWARES") and FrontierAckMiddleware not in s.getwithbase(
                "SPIDER_MIDDLEWARES"):
            raise ValueError(f"StreamScheduler needs SPIDER_MIDDLEWARES {{{mw!r}: 0}} (frontier_settings() has it)")
        from scrapy.utils.misc import build_from_crawler, load_object
        dupefilter = build_from_crawler(load_object(s["DUPEFILTER_CLASS"]), crawler)
        return cls(crawler, connect(s["FRONTIER_REDIS_URL"], s.get("FRONTIER_PREFIX", "copydesk:default:")), dupefilter)

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        try:
            self.client.xgroup_create(self.keys.stream, GROUP, id="0", mkstream=True)
        except REDIS_ERRORS as e:  # paused; the group is created again when the queue is read (outage.guarded)
            self.outage.went_down(e)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise
        sig = self.crawler.signals
        sig.connect(self._response_received, signal=signals.response_received)
        for s in (signals.item_scraped, signals.item_dropped):
            sig.connect(self._item_settled, signal=s)
        sig.connect(self._item_failed, signal=signals.item_error)
        sig.connect(self._spider_error, signal=signals.spider_error)
        sig.connect(self._request_scheduled, signal=signals.request_scheduled)
        self._timer = task.LoopingCall(self._tick)
        self._timer.start(max(self.lease_ms / 3000, 0.1), now=False)
        self._poller = task.LoopingCall(self._poll)
        self._poller.start(self.poll_seconds, now=False)

    def close(self, reason: str) -> None:
        for timer in (self._timer, self._poller):
            if timer and timer.running:
                timer.stop()
        if self.unqueued:  # a stop during an outage: their parents' leases were not acked (fetched again)
            logger.warning("frontier: %d request(s) not queued (redis unavailable)", len(self.unqueued))
        try:
            self._hand_back()
        except DataLost:  # the queue is gone with the cluster's data: nothing to hand back
            pass
        except REDIS_ERRORS as e:
            logger.warning("frontier: leases not handed back (%s); they expire after the lease time", e)
        if hasattr(self.df, "close"):
            self.df.close(reason)
        self.client.close()

    def _hand_back(self) -> None:
        """On a graceful stop, the leases not done go back to the queue at once (a copy queued,
        the original acked and deleted, in one transaction) rather than after the lease expires."""
        self._after_loss()
        pending = [lease for lease in self.book.leases.values() if not (lease.lost or lease.gone)]  # a lost one is another's
        pending += [lease for lease, _ in self.buffer if lease.entry not in self.book.leases]
        if pending:
            pipe = self.client.pipeline(transaction=True)
            for lease in pending:
                pipe.xadd(self.keys.stream, {FIELD: lease.payload})
                pipe.xack(self.keys.stream, GROUP, lease.entry)
                pipe.xdel(self.keys.stream, lease.entry)
            pipe.execute()
            self.counts["handed_back"] += len(pending)
        self.book.leases.clear()
        self.buffer.clear()
        if not self.consume:  # a producer shares the consumer name of its daemon's consuming crawl
            return
        try:
            self.client.xgroup_delconsumer(self.keys.stream, GROUP, self.worker)
        except redis.ResponseError:
            pass

    # -- the engine's interface ---------------------------------------------------------------
    def has_pending_requests(self) -> bool:
        if self.keep_open or self.local or self.buffer or self.book.leases or self.unqueued or self.unacked:
            return True
        if not self.consume:
            return False
        now = time.monotonic()
        if now < self._pending_until:
            return True
        try:
            length = self.client.xlen(self.keys.stream)
        except REDIS_ERRORS as e:  # paused, not finished
            self.outage.went_down(e)
            return True
        self.outage.came_back()
        if length > 0:  # queued or leased anywhere in the cluster
            self._pending_until = now + 0.2
            return True
        return False

    def __len__(self) -> int:
        return len(self.local) + len(self.buffer)

    def enqueue_request(self, request: Request) -> bool:
        parent = self.book.child_parent(request)
        lease = self.book.lease_of(request)
        if lease is not None and lease.state == DOWNLOADING and parent is None:
            self.local.append(request)  # a redirect or retry: the same lease continues
            return True
        if META_KEY in request.meta:  # a child that copied its parent's meta
            request = request.replace(meta={k: v for k, v in request.meta.items() if k != META_KEY})
        if self.unqueued:  # an outage holds others back: keep the order
            self.unqueued.append((request, parent))
            return True
        try:
            queued = self._queue(request)
        except REDIS_ERRORS as e:  # queued when Redis is back; its parent's lease waits for that
            self.outage.went_down(e)
            self.unqueued.append((request, parent))
            return True
        except (TypeError, ValueError, redis.RedisError) as e:
            if parent is not None:
                parent.abandoned = True  # its lease expires and the page is fetched again
            logger.error("frontier: could not queue %s: %s", request.url, e)
            queued = False
        self.outage.came_back()
        self.book.settled(parent)
        return queued

    def _queue_held(self) -> None:
        while self.unqueued:
            request, parent = self.unqueued[0]
            try:
                self._queue(request)
            except REDIS_ERRORS as e:
                self.outage.went_down(e)
                return
            except (TypeError, ValueError, redis.RedisError) as e:
                if parent is not None:
                    parent.abandoned = True
                logger.error("frontier: could not queue %s: %s", request.url, e)
            self.outage.came_back()
            self.unqueued.popleft()
            self.book.settled(parent)

    def _shared(self, request: Request) -> bool:
        return all(request.meta.get(k) == v for k, v in self.shared_meta.items())

    def _queue(self, request: Request) -> bool:
        if not self._shared(request):
            if not request.dont_filter and self.df.request_seen(request):
                return False
            self.local.append(request)
            return True
        fp = self.df.fingerprint(request) if isinstance(self.df, RedisDupeFilter) else None
        if request.dont_filter and fp not in getattr(self.df, "fresh", ()):
            self.client.xadd(self.keys.stream, {FIELD: encode_request(request, self.spider)})
        elif fp is not None:
            if fp in self.df.known:
                self.df.fresh.discard(fp)
                return False
            added = self._enqueue(keys=[self.keys.seen, self.keys.stream],
                                  args=[fp, FIELD, encode_request(request, self.spider)])
            # after the script: a failed call must not mark it seen here
            self.df.fresh.discard(fp)
            self.df.remember(fp)
            if added is None:
                return False
        elif self.df.request_seen(request):
            return False
        else:
            self.client.xadd(self.keys.stream, {FIELD: encode_request(request, self.spider)})
        self.counts["queued"] += 1
        self._pending_until = time.monotonic() + 0.2
        return True

    def _after_loss(self) -> None:
        """Redis lost the cluster's data (crawler.outage) since this was last asked: the entries this
        worker read are gone with the queue. Those not started are dropped; those under way finish
        (their pages are published once the cluster is reseeded) and are neither renewed nor acked.
        Their sources' next discovery queues again whatever the writer had not stored."""
        if self.outage.losses == self._losses:
            return
        self._losses = self.outage.losses
        for lease in self.book.leases.values():
            lease.gone = True
        if self.buffer or self.book.leases:
            logger.warning("frontier: the queue was lost with the cluster's data: %d request(s) read from it dropped, "
                           "%d under way finish unacknowledged; the next discovery queues again what was not stored",
                           len(self.buffer), len(self.book.leases))
        self.buffer.clear()
        self.unacked = []
        self._claim_cursor = "0-0"

    def next_request(self) -> Request | None:
        self._after_loss()
        if self.local:
            return self.local.popleft()
        if not self.consume:
            return None
        if not self.buffer:
            try:
                self._fill()
            except REDIS_ERRORS as e:  # paused: has_pending_requests keeps the crawl open
                self.outage.went_down(e)
                return None
            self.outage.came_back()
        if not self.buffer:
            return None
        lease, request = self.buffer.popleft()
        lease.state = DOWNLOADING
        self.book.leases[lease.entry] = lease
        return request

    # -- reading and claiming -----------------------------------------------------------------
    def _fill(self) -> None:
        read = self.client.xreadgroup(GROUP, self.worker, {self.keys.stream: ">"}, count=self.batch)
        entries = read[0][1] if read else []
        self.counts["read"] += len(entries)
        now = time.monotonic()
        if not entries and now - self._claimed_at > min(self.lease_ms / 4000, 1.0):
            self._claimed_at = now
            cursor, entries, _deleted = self.client.xautoclaim(
                self.keys.stream, GROUP, self.worker, self.lease_ms, start_id=self._claim_cursor, count=self.batch)
            self._claim_cursor = cursor.decode() if isinstance(cursor, bytes) else cursor
            entries = [(e, f) for e, f in entries if f]
            self.counts["claimed"] += len(entries)
            if entries:
                logger.info("frontier: claimed %d expired leases", len(entries))
                entries = self._without_poison(entries)
        for entry_id, fields in entries:
            entry = entry_id.decode()
            if entry in self.book.leases:
                continue
            payload = fields[FIELD.encode()].decode()
            try:
                request = decode_request(payload, self.spider)
            except (ValueError, KeyError, TypeError) as e:
                logger.error("frontier: entry %s cannot be read (%s): moved to %s", entry, e, self.keys.dead)
                self._finish(entry, dead=payload, reason=f"cannot be read: {e}")
                continue
            request.meta[META_KEY] = entry
            self.book.wrap_errback(request)
            self.buffer.append((Lease(entry, payload), request))

    def _without_poison(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Claimed entries minus those delivered more than max_deliveries times: every worker that
        took one stopped before finishing it (a page that kills its worker: OOM, a crash in a
        parser), so it would go round the cluster forever. Those go to the dead-letter stream,
        with the reason, and are logged with their URL."""
        pipe = self.client.pipeline(transaction=False)
        for entry_id, _ in entries:
            pipe.xpending_range(self.keys.stream, GROUP, min=entry_id, max=entry_id, count=1)
        kept = []
        for (entry_id, fields), info in zip(entries, pipe.execute()):
            times = info[0]["times_delivered"] if info else 0
            if times <= self.max_deliveries:
                kept.append((entry_id, fields))
                continue
            entry, payload = entry_id.decode(), fields[FIELD.encode()].decode()
            self.counts["dead"] += 1
            logger.error("frontier: %s (%s) taken %d times and never finished (each worker that took it stopped "
                         "before it was done): moved to %s", entry, _url_of(payload), times, self.keys.dead)
            self._finish(entry, dead=payload, reason=f"delivered {times} times, never finished")
        return kept

    def _tick(self) -> None:
        """Renew this worker's leases (every third of the lease)."""
        self._after_loss()
        held = [e for e, lease in self.book.leases.items() if not (lease.lost or lease.gone)]
        held += [lease.entry for lease, _ in self.buffer]
        try:
            lost = {e.decode() for e in self._renew(keys=[self.keys.stream, GROUP], args=[self.worker, *held])} if held else set()
        except REDIS_ERRORS as e:  # renewed at the next tick; past the lease, another worker may claim them
            self.outage.went_down(e)
            return
        if lost:
            self._lost(lost)

    def _lost(self, entries: set[str]) -> None:
        """Leases another worker claimed because this one renewed them too late (a paused process).
        A request not started yet is left to that worker: dropped from the read-ahead buffer here,
        or by the downloader as it would start (crawler.leases.lost_before_download), each reported
        then. One already sent finishes here too, so its URL is fetched twice: reported when it is
        done (_ack), with its URL."""
        self.counts["lost"] += len(entries)
        kept: deque[tuple[Lease, Request]] = deque()
        for lease, request in self.buffer:
            if lease.entry in entries:
                report_left_to_claimer(lease.entry, request.url)
            else:
                kept.append((lease, request))
        self.buffer = kept
        for entry in entries:
            lease = self.book.leases.get(entry)
            if lease is not None:
                lease.lost = True  # no more renewals; reported when dropped or done

    def _poll(self) -> None:
        """Queue what an outage held back, ack what it kept from being acked, and wake an idle
        consumer so it reads the stream (new entries, expired leases) rather than at Scrapy's 5 s
        heartbeat."""
        self._after_loss()
        self._queue_held()
        if self.unacked:
            try:
                self._finish_all(self.unacked)
                self.unacked = []
            except REDIS_ERRORS as e:
                self.outage.went_down(e)
        if self.consume and not (self.local or self.buffer):
            _wake(self.crawler)

    # -- acks ---------------------------------------------------------------------------------
    def _ack(self, lease: Lease) -> None:
        self._after_loss()
        if lease.gone:  # its entry went with the cluster's data
            return
        if lease.lost:  # the entry is the claimer's now: it acks it
            self._report_lost(lease)
            return
        self.counts["acked"] += 1
        if self.unacked:
            self.unacked.append(lease.entry)
            return
        try:
            mine = self._ack_script(keys=[self.keys.stream, GROUP], args=[lease.entry, self.worker])
        except REDIS_ERRORS as e:  # acked at the next poll after the outage
            self.outage.went_down(e)
            if not isinstance(e, DataLost):  # else its entry is gone
                self.unacked.append(lease.entry)
            return
        if not mine:  # lost and done before a renewal could notice
            self.counts["lost"] += 1
            self._report_lost(lease)

    @staticmethod
    def _report_lost(lease: Lease) -> None:
        """A lease another worker claimed while its request was under way here, reported once it is
        done: its URL is fetched twice (the cluster tests read this line)."""
        lease.lost = True
        logger.warning("frontier: lease on %s (%s) lost while its request was under way (renewed too late); "
                       "it may be fetched twice", lease.entry, _url_of(lease.payload))

    def _finish(self, entry: str, dead: str | None = None, reason: str = "") -> None:
        pipe = self.client.pipeline(transaction=True)
        if dead is not None:
            pipe.xadd(self.keys.dead, {FIELD: dead, "entry": entry, "reason": reason})
        pipe.xack(self.keys.stream, GROUP, entry)
        pipe.xdel(self.keys.stream, entry)
        pipe.execute()

    def _finish_all(self, entries: list[str]) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.xack(self.keys.stream, GROUP, *entries)
        pipe.xdel(self.keys.stream, *entries)
        pipe.execute()

    # -- signals ------------------------------------------------------------------------------
    def _response_received(self, response: Any, request: Request, **_: Any) -> None:
        lease = self.book.lease_of(request)
        if lease is not None and lease.state == DOWNLOADING:
            lease.state = SCRAPING

    def _item_settled(self, item: Any, response: Any = None, exception: Any = None, **_: Any) -> None:
        if isinstance(exception, NotHandedOn):  # dropped unrecorded (a stop while Redis was unavailable)
            self._item_failed(item, response)
            return
        self.book.settled(self.book.lease_of_response(response))

    def _item_failed(self, item: Any, response: Any = None, **_: Any) -> None:
        # an item pipeline raised: the outcome was not recorded (e.g. the page not published when a
        # stop came during a Redis outage), so the entry is never acked and comes back after the lease
        lease = self.book.lease_of_response(response)
        if lease is not None:
            lease.abandoned = True
        self.book.settled(lease)

    def _spider_error(self, failure: Any, response: Any = None, **_: Any) -> None:
        lease = self.book.lease_of_response(response)
        if lease is not None:
            self.book.output_done(lease)

    def _request_scheduled(self, request: Request, **_: Any) -> None:
        # a request_scheduled handler may refuse a child (IgnoreRequest): enqueue_request never
        # sees it, so settle it once the engine is done with it
        if self.book.is_child(request):
            from twisted.internet import reactor  # the one Scrapy installed (not at import time)

            reactor.callLater(0, self._settle_refused, request)

    def _settle_refused(self, request: Request) -> None:
        self.book.settled(self.book.child_parent(request))


def _wake(crawler: Any) -> None:
    """Ask the engine for its next request now rather than at its 5 s heartbeat (private API of
    Scrapy 2.19's engine; without it the engine still polls every 5 s)."""
    slot = getattr(getattr(crawler, "engine", None), "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()
