"""`copydesk serve`: every source crawled on its own schedule, in one long-lived process.

Process model (docs/operations.md): one Twisted reactor for the life of the daemon, Scrapy's
CrawlerRunner starting one crawl per scheduled run, APScheduler's TwistedScheduler deciding when.
The Pipeline (state store, dedup index, extraction pool) is opened once and shared by every run,
so the index is loaded once at start-up, never per run. Twisted's reactor cannot be restarted, which
is why a daemon that starts a crawl per run either keeps one reactor (this) or forks a child per
run (which would reload the index every time).

Readers learn about the daemon from the corpus's lock file (storage.lock.holder): its pid and start,
and, kept current here, each source's next run (the same values /healthz reports) and the last error
it logged. `copydesk status` shows them without touching the daemon.

Stopping: the first SIGTERM/SIGINT stops the scheduler and asks running crawls to close (in-flight
pages finish, nothing new is requested), checkpoints and exits 0; a second signal abandons the
crawls at once, still checkpointing only complete records, and exits 130.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
import signal
import threading
import time
from typing import Any

from copydesk.config import Config, Source
from copydesk.errors import UsageError
from copydesk.gc_tuning import settle_gc
from copydesk.pipeline import Pipeline
from copydesk.schedule import trigger
from copydesk.storage import CorpusLock

log = logging.getLogger("copydesk.serve")


class Daemon:
    def __init__(self, cfg: Config, *, metrics_port: int | None = None, metrics_host: str = "127.0.0.1"):
        self.cfg = cfg
        self.metrics_port, self.metrics_host = metrics_port, metrics_host
        self.pipeline: Pipeline | None = None
        self.running: dict[str, Any] = {}      # source -> its Scrapy Crawler while a run is in progress
        self.runs_since_collect = 0
        self.stopping = 0
        self.shutting_down = False  # set just before the reactor stops
        self.started = time.time()
        self.exit_code = 0
        from copydesk.corpus_commands import AutoCompactor

        self.compactor = AutoCompactor(cfg, stopping=lambda: bool(self.stopping))
        self.scheduler: Any = None
        self.metrics: Any = None
        self.lock: CorpusLock | None = None
        self.last_error: dict[str, Any] | None = None
        self._publishing = threading.RLock()
        self.node: Any = None  # copydesk.cluster.serve.ClusterNode with [cluster] (docs/scale-out-serve.md)

    # -- one run of one source (on the reactor thread) ----------------------------------------
    def run_source(self, source: Source) -> Any:
        """Start a crawl of ``source``; returns a Deferred that fires when it has ended."""
        from scrapy import signals
        from twisted.internet import defer

        from copydesk.crawl_sink import PipelineSink, source_spec
        from copydesk.crawler.spider import NewsSpider

        if self.stopping or source.name in self.running:
            return defer.succeed(None)
        pipe = self.pipeline
        if self.node is not None:  # discovery only, once per schedule in the cluster
            run = self.node.discovery(source)
            if run is None:
                return defer.succeed(None)
            sink, stats = run.sink, run.stats
        else:
            assert pipe is not None
            pipe.begin_run(source.name)
            sink, stats = PipelineSink(pipe), pipe.stats
        crawler = self.runner.create_crawler(NewsSpider)
        def on_engine_started() -> None:
            self._stop_if_stopping(crawler)

        # a strong reference in pydispatch's global registry: disconnected below, or every crawler leaks
        crawler.signals.connect(on_engine_started, signal=signals.engine_started, weak=False)
        self.running[source.name] = crawler
        log.info("run of %s started", source.name, extra={"source": source.name})
        d = self.runner.crawl(crawler, sources=[source_spec(self.cfg, source)], sink=sink)

        def done(result: Any) -> None:
            self.running.pop(source.name, None)
            crawler.signals.disconnect(on_engine_started, signal=signals.engine_started, weak=False)
            reason = getattr(crawler.spider, "finish_reason", None)
            status = "completed" if reason == "finished" and not self.stopping else "interrupted"
            if isinstance(result, Exception) or getattr(result, "value", None) is not None:
                status = "failed"
                log.error("run of %s failed: %s", source.name, result, extra={"source": source.name})
            status = stats[source.name].health(status)  # failed/degraded discovery (as end_run records it)
            if self.node is not None:
                counts = run.end(status)
            else:
                counts = pipe.end_run(source.name, status)
                self.compactor.after_run()  # [compaction] auto: closed days merged in a thread (docs/corpus.md)
            # A finished crawl leaves cycles (crawler, engine, spider, Deferreds) that, with young
            # collections rarer (settle_gc), would wait in the oldest generation for a full collection:
            # the daemon grew by 14 MB over 900 runs. Collect when no other crawl is running (a
            # collection holds the reactor), or after 10 runs at the latest.
            self.runs_since_collect += 1
            if not self.running or self.runs_since_collect >= 10:
                gc.collect()
                self.runs_since_collect = 0
            if self.metrics:
                self.metrics.run_finished(source.name, status, counts)
            log.info("run of %s %s: new %d, copies %d, skipped %d, failed %d, %.1fs", source.name, status,
                     counts["stored_new"], counts["stored_copy"], sum(counts["skipped"].values()),
                     sum(counts["failed"].values()), counts["elapsed_s"],
                     extra={"source": source.name, "counts": counts})

        d.addBoth(done)
        return d

    def job(self, name: str) -> None:
        """APScheduler runs this in the reactor's thread pool; it waits until the crawl has ended, so
        max_instances=1 really means one run of a source at a time. It gives up waiting once the
        reactor is shutting down: the reactor joins its thread pool then, and a thread still waiting
        for a call the reactor will never run would hang the stop (twisted's blockingCallFromThread
        has no way out)."""
        import threading

        from twisted.internet import reactor

        done = threading.Event()

        def start() -> None:
            self.run_source(self.cfg.source(name)).addBoth(lambda _: done.set())

        reactor.callFromThread(start)
        while not done.wait(0.5):
            if self.shutting_down:
                return

    # -- life cycle ---------------------------------------------------------------------------
    def serve(self, early_signals: list[int] | None = None) -> int:
        from scrapy.utils.reactor import install_reactor

        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
        from apscheduler.schedulers.twisted import TwistedScheduler
        from scrapy.crawler import CrawlerRunner
        from twisted.internet import reactor

        from copydesk.scrapy_settings import scrapy_settings

        # The handler only counts; a LoopingCall on the reactor acts on the count. Calling into the
        # reactor from a signal handler raced with the reactor's start-up and lost stops.
        signals_seen = early_signals if early_signals is not None else []
        loop = reactor._asyncioEventloop  # asyncio's self-pipe wakes the loop for every signal
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, signals_seen.append, sig)
        errors = _LastError(self)
        logging.getLogger().addHandler(errors)
        cluster = self.cfg.cluster is not None
        # in a cluster the corpus is opened by the writer role only, while it holds the writer lease
        with contextlib.nullcontext() if cluster else CorpusLock(self.cfg.corpus, command="copydesk serve") as lock:
            self.lock = lock
            if lock is not None and lock.took_over:
                log.warning("took over the corpus lock of a process that died: %s", lock.took_over)
            if self.metrics_port is not None:  # before the (slow) start-up: a port in use fails at once
                self.metrics = _bind_metrics(self, self.metrics_port, self.metrics_host)
            if cluster:
                from copydesk.cluster.serve import ClusterNode
                from copydesk.scrapy_settings import cluster_scrapy_settings

                self.node = ClusterNode(self.cfg)
                # a stop also ends a wait for Redis that holds the reactor's thread (discovery asks
                # the seen store there), where asyncio's handler would wait for it: this Python-level
                # handler runs in the main thread at once (the C handler still wakes the loop)
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, lambda *_: self.node.stop.set())
                self.runner = CrawlerRunner(cluster_scrapy_settings(self.cfg, self.node.worker, consume=False))
                last_completed = self.node.last_completed
                reactor.callWhenRunning(self._start_node)
            else:
                self.pipeline = Pipeline(self.cfg, kind="serve")
                if any(self.pipeline.repaired.values()):
                    log.warning("start-up repair: %s", self.pipeline.repaired)
                self.runner = CrawlerRunner(scrapy_settings(self.cfg))
                last_completed = self.pipeline.last_completed
            reactor.getThreadPool().adjustPoolsize(maxthreads=max(10, len(self.cfg.sources) + 2))
            self.scheduler = TwistedScheduler(reactor=reactor, timezone="UTC")
            for s in self.cfg.sources:
                last = last_completed(s.name)
                self.scheduler.add_job(self.job, trigger(self.cfg, s, last_completed=last), args=[s.name], id=s.name,
                                       name=s.name, max_instances=1, coalesce=True, misfire_grace_time=None)
            from apscheduler.events import EVENT_ALL

            # after every scheduler event (APScheduler dispatches them once it has computed the next runs)
            self.scheduler.add_listener(lambda _: self.publish(), EVENT_ALL)
            from twisted.internet.task import LoopingCall

            def act_on_signals() -> None:
                while self.stopping < min(len(signals_seen), 2):
                    self.stop()

            reactor.callWhenRunning(self.scheduler.start)
            reactor.callWhenRunning(self._announce)
            LoopingCall(act_on_signals).start(0.2, now=False)
            settle_gc()
            try:
                reactor.run(installSignalHandlers=False)
            finally:
                if self.metrics:
                    self.metrics.close()
                if self.node is not None:
                    self.node.close()
                else:
                    self.pipeline.close("interrupted")
                self.lock = None
        logging.getLogger().removeHandler(errors)
        log.info("stopped")
        return self.exit_code

    def _start_node(self) -> None:
        """Join the cluster (writer role, heartbeat, the fetch crawl); a failure stops the daemon."""
        try:
            d = self.node.start(self.runner)
        except Exception:
            log.exception("could not join the cluster")
            self.exit_code = 1
            self.stop()
            return
        d.addErrback(lambda f: log.error("the fetch crawl failed: %s", f.getTraceback()))

    def next_runs(self) -> dict[str, str | None]:
        """Each source's next run as the scheduler has it (ISO 8601, UTC): what /healthz and `status` show."""
        if self.scheduler is None or not self.scheduler.running:
            return {}
        return {j.id: j.next_run_time.isoformat() if j.next_run_time else None for j in self.scheduler.get_jobs()}

    def publish_soon(self) -> None:
        """publish() from any thread without waiting: on the reactor's thread when it runs (a thread
        that logs while holding the scheduler's lock must not wait for publish(), which takes it)."""
        import sys

        reactor = sys.modules.get("twisted.internet.reactor")
        if reactor is not None and getattr(reactor, "running", False):
            reactor.callFromThread(self.publish)
        else:
            self.publish()

    def publish(self) -> None:
        """Write the schedule and the last error into the lock file, for `copydesk status`."""
        with self._publishing:
            if self.lock is not None:
                self.lock.update(next_runs=self.next_runs(), last_error=self.last_error,
                                 state="stopping" if self.stopping else "serving")

    def _announce(self) -> None:
        nxt = {j.id: j.next_run_time for j in self.scheduler.get_jobs()}
        where = str(self.cfg.corpus)
        if self.node is not None:
            where = f"cluster {self.cfg.cluster.name} as worker {self.node.worker} (writer's corpus {where})"
        log.info("serving %d source(s) from %s (pid %d); next runs: %s", len(self.cfg.sources), where,
                 os.getpid(), ", ".join(f"{k} {v:%H:%M:%S}" for k, v in nxt.items() if v))

    def stop(self) -> None:
        from twisted.internet import reactor

        self.stopping += 1
        if self.stopping == 1:
            log.info("stopping: %d running crawl(s) finish their in-flight pages", len(self.running))
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self.publish()
            for crawler in self._crawls():
                self._stop_if_stopping(crawler)
            # Stop the reactor only when every crawl has ended: APScheduler's job threads wait on
            # them, and the reactor joins its thread pool when it stops.
            self.runner.join().addBoth(lambda _: reactor.callLater(0, self._stop_reactor))
        else:
            self.shutting_down = True
            log.warning("second signal: stopping at once (only complete records are kept)")
            try:
                # in a cluster, nothing is acked that is not durable: the next writer and the
                # frontier's leases take up what this daemon held
                if self.pipeline is not None:
                    self.pipeline.shutdown("interrupted")
            finally:
                os._exit(130)

    def _stop_if_stopping(self, crawler: Any) -> None:
        """Stop a crawl gracefully, but only once its engine runs: Scrapy's Crawler.stop_async()
        before that leaves a crawl that can never finish (it clears `crawling`, and the engine's own
        close then skips the stop). A crawl still starting is looked at again until its engine runs:
        Scrapy sets `engine.running` only after every engine_started handler has finished, so neither
        that signal nor the next reactor turn is late enough (a stop that came then was skipped, and
        the run fetched its whole queue: tests/test_serve_stop.py)."""
        from scrapy.utils.defer import deferred_from_coro
        from twisted.internet import reactor

        if not self.stopping or not crawler.crawling:
            return
        if crawler.engine is not None and crawler.engine.running:
            reactor.callLater(0, lambda: deferred_from_coro(crawler.stop_async()))
        elif any(c is crawler for c in self._crawls()):
            reactor.callLater(0.05, self._stop_if_stopping, crawler)

    def _crawls(self) -> list[Any]:
        """The crawls in progress: the runs of sources, and in a cluster the fetch crawl."""
        fetch = getattr(self.node, "fetch_crawler", None)
        return [*self.running.values(), *([fetch] if fetch is not None else [])]

    def _stop_reactor(self) -> None:
        from twisted.internet import reactor

        self.shutting_down = True
        reactor.stop()

    def status(self) -> dict[str, Any]:
        """/healthz: "starting" (503) until the schedule runs, "ok", "stopping" (503)."""
        state = "stopping" if self.stopping else "ok" if self.scheduler is not None and self.scheduler.running \
            else "starting"
        return {"status": state, "pid": os.getpid(), "since": self.started,
                "uptime_s": round(time.time() - self.started, 1), "running": sorted(self.running),
                "next_runs": self.next_runs(), "last_error": self.last_error}


class _LastError(logging.Handler):
    """Remembers the daemon's last ERROR record (time, logger, first line) for /healthz and `status`."""

    def __init__(self, daemon: Daemon):
        super().__init__(logging.ERROR)
        self.daemon = daemon

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = record.getMessage().splitlines()[0] if record.getMessage() else ""
            if record.exc_info and record.exc_info[1] is not None:
                msg += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})".splitlines()[0]
            self.daemon.last_error = {"at": record.created, "logger": record.name, "msg": msg[:500]}
            self.daemon.publish_soon()
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def _bind_metrics(daemon: Daemon, port: int, host: str) -> Any:
    from copydesk.metrics import Metrics

    try:
        return Metrics(daemon, port, host)
    except OSError as e:
        raise UsageError(f"cannot serve metrics on {host}:{port}: {e.strerror or e}") from None
    except OverflowError as e:  # a port out of range, when not given through the command line
        raise UsageError(f"cannot serve metrics on {host}:{port}: {e}") from None


def serve(cfg: Config, *, metrics_port: int | None = None, metrics_host: str = "127.0.0.1",
          early_signals: list[int] | None = None) -> int:
    """``early_signals``: filled by a handler installed before the (slow) imports; a signal that came
    then is a stop request too."""
    return Daemon(cfg, metrics_port=metrics_port, metrics_host=metrics_host).serve(
        early_signals if early_signals is not None else [])  # the same list object: its handler may still append


def with_worker(cfg: Config, worker: str | None, *, writer: bool | None = None) -> Config:
    """``cfg`` with another [cluster] worker id (`serve --worker`) and/or writer switch (`serve
    --no-writer`): several daemons of one cluster on one machine from one config file."""
    import dataclasses

    if cfg.cluster is None:
        raise UsageError(f"{'--worker' if worker else '--no-writer'} needs a [cluster] section in the configuration")
    if worker is not None and not re.fullmatch(r"[^\s|]{1,128}", worker):  # as [cluster] worker (copydesk/config.py)
        raise UsageError(f"--worker: expected an id without spaces or '|' (at most 128), got {worker!r}")
    changes = {k: v for k, v in (("worker", worker), ("writer", writer)) if v is not None}
    return dataclasses.replace(cfg, cluster=dataclasses.replace(cfg.cluster, **changes))
