"""The doc stream: every extracted page, worker -> the one dedup-and-store writer.

A worker publishes what its extraction pool returned for a page (``Page`` without its body, and
``Extracted``: the article or the rejection, the raw response as a WARC record, the template line
keys, the dedup features) with XADD to P+"docs"; nothing is trimmed (no MAXLEN): a page is only
ever removed after the writer made it durable. The writer hands the decoded pages to the embedded
pipeline's steps after extraction (``Pipeline.finish``: Identify, Templates, Filter, Dedup, Store),
so dedup and storage run exactly as embedded.

Entry: field ``d`` = zlib(JSON), ``w`` = the WARC record (already gzip-compressed: not recompressed),
``b`` = the body only for an article without a WARC record (a caller that made none). No pickle.

Acknowledgement after durability: the writer reads with the consumer group "writer", and an entry
is XACKed (and XDELed, so the stream holds only what still waits) only once ``durable()`` says a
checkpoint made it durable. ``durable`` returns a generation number that grows with every
checkpoint; an entry handed over while the generation was g is durable once it is > g (the handler
is single-threaded: a checkpoint that ends after the handler took an entry ran after the entry's
Store step). A writer that dies leaves its entries pending; the next holder of the writer lease
XAUTOCLAIMs them and runs them again; Identify skips the ones already stored (by URL key and id).
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from redis.exceptions import ResponseError

from copydesk import cleaning
from copydesk import dedup
from copydesk.dedup.model import Sketch
from copydesk.documents import Page
from copydesk.extraction import Extracted

from .connection import Connection

log = logging.getLogger("copydesk.cluster")

GROUP = b"writer"
RECLAIM_SECONDS = 10.0  # an entry pending this long and not waiting for a checkpoint was lost in a read
FORMAT = 1


def docs_key(prefix: str) -> str:
    return prefix + "docs"


# -- encoding -------------------------------------------------------------------------------------
def _array(a: np.ndarray) -> dict[str, str]:
    return {"dtype": str(a.dtype), "b64": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()}


def _unarray(d: dict[str, str]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(d["b64"]), dtype=np.dtype(d["dtype"])).copy()


def _features(f: dedup.Features | None) -> dict[str, Any] | None:
    if f is None:
        return None
    sketch = {k: _array(v) if isinstance(v, np.ndarray) else v for k, v in dataclasses.asdict(f.sketch).items()}
    return {"params": list(f.params), "text_hash": f.text_hash, "sketch": sketch}


def _unfeatures(d: dict[str, Any] | None) -> dedup.Features | None:
    if d is None:
        return None
    sketch = {k: _unarray(v) if isinstance(v, dict) else v for k, v in d["sketch"].items()}
    return dedup.Features(tuple(d["params"]), d["text_hash"], Sketch(**sketch))


def encode(page: Page, extracted: Extracted) -> dict[bytes, bytes]:
    result = extracted.result
    meta = {
        "v": FORMAT,
        "page": {"url": page.url, "source": page.source, "fetched_at": page.fetched_at.isoformat(),
                 "status": page.status, "headers": [list(h) for h in page.headers], "content_type": page.content_type,
                 "request_url": page.request_url, "hints": page.hints},
        "article": dataclasses.asdict(result) if result else None,
        "rejected": None if result else result.reason,
        "line_keys": extracted.line_keys,
        "features": _features(extracted.features),
    }
    fields = {b"d": zlib.compress(json.dumps(meta, separators=(",", ":")).encode(), 1)}
    if extracted.warc is not None:
        fields[b"w"] = extracted.warc
    elif result:
        fields[b"b"] = page.body
    return fields


def decode(fields: dict[bytes, bytes]) -> tuple[Page, Extracted]:
    meta = json.loads(zlib.decompress(fields[b"d"]))
    if meta.get("v") != FORMAT:
        raise ValueError(f"doc stream entry of format {meta.get('v')!r}, this copydesk reads {FORMAT}")
    p = meta["page"]
    page = Page(p["url"], fields.get(b"b", b""), p["source"], dt.datetime.fromisoformat(p["fetched_at"]),
                status=p["status"], headers=tuple(tuple(h) for h in p["headers"]), content_type=p["content_type"],
                request_url=p["request_url"], hints=p["hints"] or {})
    a = meta["article"]
    result: cleaning.Article | cleaning.Rejected = (cleaning.Article(**a) if a is not None
                                                    else cleaning.Rejected(meta["rejected"]))
    return page, Extracted(result, fields.get(b"w"), meta["line_keys"], _unfeatures(meta["features"]))


# -- the workers' side ----------------------------------------------------------------------------
class Publisher:
    def __init__(self, conn: Connection, prefix: str):
        self.conn, self.key = conn, docs_key(prefix)

    def publish(self, page: Page, extracted: Extracted) -> bytes:
        """XADD one page (waits through an outage); returns the entry id. Call it before the
        page's frontier entry is acknowledged: a worker killed in between makes the page fetched
        and published again, which the writer's Identify step skips."""
        fields = encode(page, extracted)
        return self.conn.call(lambda c: c.xadd(self.key, fields))


# -- the writer's side ----------------------------------------------------------------------------
@dataclass
class Entry:
    id: bytes
    fields: dict[bytes, bytes]
    generation: Any = None   # durable() when the handler took it


Handler = Callable[[Iterable[tuple[Page, Extracted]]], None]


class Consumer:
    """The writer's loop over the doc stream (call only while holding the writer lease).

    ``handle(items)``: runs the steps after extraction over an iterable of (Page, Extracted)
    (consume it lazily, one at a time); ``durable()``: the checkpoint generation (see the module
    docstring); ``idle()``: called when the stream has nothing new and entries wait for their
    checkpoint (make one: the lead wires ``Pipeline.checkpoint``)."""

    def __init__(self, conn: Connection, prefix: str, consumer: str, *, handle: Handler,
                 durable: Callable[[], Any], idle: Callable[[], None] | None = None,
                 batch: int = 100, block_ms: int = 1000):
        self.conn, self.key, self.name = conn, docs_key(prefix), consumer.encode()
        self.dead_key = prefix + "docs:dead"
        self.handle, self.durable, self.idle = handle, durable, idle
        self.batch, self.block_ms = batch, block_ms
        self.waiting: list[Entry] = []   # handed over, not yet durable
        self.handled = self.acked = self.claimed = 0
        self._ready = False
        self._reclaimed = time.monotonic()

    # -- setup: the group, then whatever a previous writer left pending -------------------------
    def _setup(self) -> None:
        def create(c: Any) -> None:
            try:
                c.xgroup_create(self.key, GROUP, id="0", mkstream=True)
            except ResponseError as e:
                if "BUSYGROUP" not in str(e):
                    raise
        self.conn.call(create)
        self._ready = True

    def take_over(self) -> list[Entry]:
        """Every entry pending in the group, whoever holds it: a dead writer's, or this consumer's
        own (a handler that raised). Only the writer-lease holder may call this."""
        out: list[Entry] = []
        start = b"0-0"
        while True:
            cursor, got, deleted = self.conn.call(
                lambda c: c.xautoclaim(self.key, GROUP, self.name, min_idle_time=0, start_id=start, count=self.batch))
            out.extend(Entry(i, f) for i, f in got if f is not None)
            if deleted:  # entries deleted from the stream but still pending: nothing left to do for them
                self.conn.call(lambda c: c.xack(self.key, GROUP, *deleted))
            if cursor in (b"0-0", "0-0"):
                break
            start = cursor
        self.claimed += len(out)
        if out:
            log.info("writer: took over %d doc(s) pending from a previous writer", len(out))
        return out

    def stranded(self) -> list[Entry]:
        """Entries pending in the group for longer than RECLAIM_SECONDS that this consumer is not
        waiting on: delivered by a read whose reply an outage lost (a retried XREADGROUP ">" never
        sees them again). Handed over again; Identify skips any already stored."""
        self._reclaimed = time.monotonic()
        waiting = {e.id for e in self.waiting}
        idle_ms = int(RECLAIM_SECONDS * 1000)
        _, got, _ = self.conn.call(lambda c: c.xautoclaim(self.key, GROUP, self.name, min_idle_time=idle_ms,
                                                          start_id="0-0", count=self.batch))
        out = [Entry(i, f) for i, f in got if f is not None and i not in waiting]
        if out:
            log.info("writer: %d doc(s) pending but never handed over (a read lost in an outage): taken again", len(out))
        return out

    def read(self) -> list[Entry]:
        got = self.conn.call(lambda c: c.xreadgroup(GROUP, self.name, {self.key: ">"}, count=self.batch,
                                                    block=self.block_ms))
        return [Entry(i, f) for _, entries in (got or []) for i, f in entries]

    # -- one round ------------------------------------------------------------------------------
    def step(self) -> int:
        """Read (or, first, take over), hand over, acknowledge what is durable; how many were handed."""
        if not self._ready:
            self._setup()
            entries = self.take_over()
        else:
            entries = self.read()
            if not entries and time.monotonic() - self._reclaimed > RECLAIM_SECONDS:
                entries = self.stranded()
        if entries:
            self.handle(self._items(entries))
        elif self.waiting and self.idle is not None:
            self.idle()
        self.ack_durable()
        return len(entries)

    def _items(self, entries: list[Entry]) -> Iterator[tuple[Page, Extracted]]:
        for e in entries:
            try:
                item = decode(e.fields)
            except Exception as exc:  # noqa: BLE001 - a malformed entry must not stop the writer
                log.error("doc stream entry %s unreadable (%s: %s): moved to %s", e.id, type(exc).__name__, exc,
                          self.dead_key)
                self.conn.call(lambda c, e=e: c.xadd(self.dead_key, e.fields))
                e.generation = None
                self._ack([e])
                continue
            e.generation = self.durable()
            self.waiting.append(e)
            self.handled += 1
            yield item

    def ack_durable(self) -> int:
        now = self.durable()
        done = [e for e in self.waiting if now > e.generation]
        if done:
            self._ack(done)
            ids = {e.id for e in done}
            self.waiting = [e for e in self.waiting if e.id not in ids]
        return len(done)

    def _ack(self, entries: list[Entry]) -> None:
        ids = [e.id for e in entries]

        def ack(c: Any) -> None:
            p = c.pipeline(transaction=True)
            p.xack(self.key, GROUP, *ids)
            p.xdel(self.key, *ids)
            p.execute()
        self.conn.call(ack)
        self.acked += len(ids)

    def run(self, stop: threading.Event, lost: threading.Event | None = None) -> None:
        """Consume until ``stop`` (or ``lost``: the writer lease went to another) is set. Entries
        handed over but not yet durable stay pending: the caller's closing checkpoint makes them
        durable, then ``ack_durable`` (or the next writer's take-over) settles them."""
        while not (stop.is_set() or (lost is not None and lost.is_set())):
            self.step()


class PipelineSink:
    """``handle``/``durable``/``idle`` for a Consumer over an embedded ``Pipeline``."""

    def __init__(self, pipeline: Any):
        self.p = pipeline
        self._checkpoints = 0
        original = pipeline.checkpoint

        # Counting the pipeline's checkpoints from outside (until it counts them itself: see
        # docs/scale-out-core.md, "Hooks"); maybe_checkpoint calls self.checkpoint, i.e. this.
        def counted(*args: Any, **kw: Any) -> None:
            original(*args, **kw)
            self._checkpoints += 1
        pipeline.checkpoint = counted

    def handle(self, items: Iterable[tuple[Page, Extracted]]) -> None:
        for page, extracted in items:
            self.p.finish(page, extracted)

    def durable(self) -> int:
        return getattr(self.p, "checkpoints", self._checkpoints)

    def idle(self) -> None:
        self.p.checkpoint()
