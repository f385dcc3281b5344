"""The writer role of a daemon in a cluster: while it holds the writer lease, the corpus's embedded
Pipeline (dedup + store) runs on the doc stream (docs/scale-out-core.md, docs/scale-out-serve.md).

The corpus is opened (corpus lock, state, index) only when the lease is taken, and closed when it is
lost or the daemon stops: several daemons on one machine may share one corpus path, and whichever
holds the lease writes to it; a daemon whose corpus is locked by another process gives the lease
back. Each checkpoint commits to the corpus's own state store first, then to the cluster's Redis
SeenStore (``MirroredSeen``), so every worker's ``is_known`` sees what the writer stored; the doc
stream entries are acked only after that checkpoint (ack after durable).

Redis that lost the cluster's data (crawler.outage.DataLost; docs/scale-out.md, "Failures"): the
writer makes what it processed durable in the corpus (its checkpoint's copy to Redis is left to the
migration, which copies the corpus' state), closes the corpus and releases its lock so that
`copydesk cluster migrate` can run, and waits for the reseed to take the writer lease again. A
cluster started empty gets its marker (P+"origin", and corpus/_state/cluster.json) from its first
writer; a writer whose corpus was in the cluster but finds no marker waits for the reseed too.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from copydesk.config import Config
from copydesk.pipeline import Pipeline
from copydesk.storage import CorpusLock
from copydesk.storage.lock import LockedError

from .connection import Connection, DataLost, Stopped
from .docstream import Consumer, PipelineSink
from .lease import Keeper, writer_lease
from .migrate import ensure_origin, rekey
from .seen import RedisSeenStore

log = logging.getLogger("copydesk.cluster")


class MirroredSeen:
    """The writer's SeenStore: the corpus's StateStore, every checkpoint also committed to Redis."""

    def __init__(self, local: Any, shared: RedisSeenStore):
        self.local, self.shared = local, shared

    def commit_checkpoint(self, **rows: Any) -> None:
        rows = {k: list(v) for k, v in rows.items()}  # read twice
        self.local.commit_checkpoint(**rows)
        try:
            self.shared.commit_checkpoint(**rows)
        except DataLost:  # `cluster migrate` copies it from the corpus' state with everything else
            pass

    def __getattr__(self, name: str) -> Any:  # reads and runs: the corpus's own
        return getattr(self.local, name)


class Writer:
    """A thread: take the writer lease when free, then store the doc stream until ``stop`` or the
    lease is lost."""

    def __init__(self, cfg: Config, conn: Connection, prefix: str, worker: str, seen: RedisSeenStore,
                 stop: threading.Event):
        assert cfg.cluster is not None
        self.cfg, self.conn, self.prefix, self.worker, self.seen, self.stop = cfg, conn, prefix, worker, seen, stop
        self.lease = writer_lease(conn, prefix, worker, cfg.cluster.lease_seconds)
        self.retry = min(2.0, cfg.cluster.lease_seconds / 3)
        self.holding = False
        self.stored = 0
        self._locked_by: Any = None
        self._thread = threading.Thread(target=self._run, name="cluster-writer", daemon=True)

    def start(self) -> Writer:
        self._thread.start()
        return self

    def join(self) -> None:
        if self._thread.is_alive():  # never started on a daemon that may not write
            self._thread.join()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                if self.lease.acquire():
                    self._write()
            except Stopped:
                return
            except DataLost:  # logged once (crawler.outage); the lease is asked for again once reseeded
                pass
            except Exception:  # noqa: BLE001 - logged; the lease expires and a writer takes over
                log.exception("writer: failed; giving the writer role up")
            self.stop.wait(self.retry)

    def _write(self) -> None:
        try:
            lock = CorpusLock(self.cfg.corpus, command="copydesk serve (cluster writer)").acquire()
        except LockedError as e:
            if self._locked_by != e.args:
                log.warning("writer: corpus %s is locked by another process; not taking the writer role (%s)",
                            self.cfg.corpus, e)
                self._locked_by = e.args
            self.lease.release()
            return
        keeper = Keeper(self.lease, self.stop).start()
        try:
            with self.conn.raising_lost():  # the corpus must be given up for the migration, not held
                self._store(keeper)
        finally:
            self.holding = False
            keeper.close()
            try:
                if not keeper.lost.is_set():
                    with self.conn.raising_lost():
                        self.lease.release()
            except DataLost:
                pass
            finally:
                lock.release()

    def _store(self, keeper: Keeper) -> None:
        pipeline = Pipeline(self.cfg, kind="serve", workers=0)  # pages come extracted
        pipeline.ledger.seen = MirroredSeen(pipeline.state, self.seen)  # type: ignore[assignment]
        try:
            ensure_origin(self.conn, self.prefix, self.cfg.corpus)
            moved = rekey(pipeline.state, self.seen)
        except BaseException:
            pipeline.abort("interrupted")
            raise
        if moved is not None and any(moved.urls.values()):
            log.info("writer: decisions under URL keys version 2 copied to Redis: %s", moved.line())
        sink = PipelineSink(pipeline)
        consumer = Consumer(self.conn, self.prefix, self.worker, handle=sink.handle, durable=sink.durable,
                            idle=sink.idle)
        self.holding = True
        log.info("writer: %s holds the writer lease; storing into %s", self.worker, self.cfg.corpus)
        lost: DataLost | None = None
        try:
            while not (self.stop.is_set() or keeper.lost.is_set()):
                if consumer.step() == 0 and not consumer.waiting and pipeline.runs:
                    for source in list(pipeline.runs):  # the stream drained: the writer's runs end
                        pipeline.end_run(source)
                self.stored = consumer.acked
        except DataLost as e:
            lost = e
        except BaseException:
            pipeline.abort("interrupted")  # what was not durable stays pending: the next writer runs it again
            raise
        if keeper.data_lost and lost is None:
            lost = DataLost(self.prefix + "origin")
        if lost is not None:
            # the doc stream went with the data: what was handed over is made durable here (the
            # migration copies its decisions), the rest is fetched again after the reseed
            log.info("writer: closing the corpus until the cluster's data is back (%d doc(s) made durable)",
                     len(consumer.waiting))
            pipeline.close("interrupted")
            raise lost
        if keeper.lost.is_set():
            log.warning("writer: the writer lease was lost; closing the corpus")
        pipeline.close("completed")
        consumer.ack_durable()
        self.stored = consumer.acked
