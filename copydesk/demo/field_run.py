"""The field test: the real `copydesk serve` living through simulated days of the field world.

One run: start the world (:mod:`copydesk.demo.field`) and `copydesk serve` on it (a subprocess,
short intervals); then for every simulated day: advance the world, stop the daemon with SIGTERM or
SIGKILL at a random (seeded) moment and start it again, wait until it has stored what the day
published (or a time-out), and check the invariants. A violation names the invariant and the day.
Used by tests/test_field.py (a few days) and bench/field.py (60 days and more).

Invariants (the names used in the reports):

- ``unique-urls``: no URL (and no document id) stored twice;
- ``copies-grouped``: the stored pages of one story share one cluster, whatever their publication
  dates (years-old archive pages and their re-syndicated copies included);
- ``stories-apart``: no cluster holds pages of two different stories;
- ``only-articles``: nothing but the world's article pages is stored;
- ``per-host-limit``: requests in flight to one host, counted at the server, never exceed
  ``per_host_concurrency``;
- ``offsite-stored``: articles on another host than their source's feed (a host of the configured
  ``allowed_domains``) are stored;
- ``moved-feed``: articles listed by a feed after it moved (301) to another allowed host are stored;
- ``config-fixed``: articles skipped as offsite before their host was added to the source's
  ``allowed_domains`` (the config fixed at a restart) are stored after it, while their feed lists them;
- ``all-stored``: everything else a crawler that keeps up has stored by the end of the day is stored;
- ``robots``: no URL robots.txt disallows is requested;
- ``readers``: DuckDB and pyarrow read the corpus, and count the same rows;
- ``sigterm-exit``: SIGTERM stops the daemon with status 0 within 30 s;
- ``sigterm-stops-fetching``: once the daemon has logged "stopping" after a SIGTERM, the hosts of
  one source get at most ``crawl.concurrency`` requests (not counting robots.txt): a run finishes
  only the requests its downloader already had (README: "at most `crawl.concurrency`");
- ``clean-start``: a start after a clean stop repairs nothing (reads no part file again);
- ``startup-flat``: no start-up takes more than twice the median of the first three plus 2 s
  (a timing, so only when ``check_startup``: bench/field.py, not the test suite).
"""

from __future__ import annotations

import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .field import CONCURRENCY, FEED_DAYS, FIELD_OUTLETS, OUTLET_BY_KEY, FieldArticle, FieldWorld

__all__ = ["FieldSettings", "DayReport", "FieldReport", "run_field", "read_corpus"]

SOURCE_OF_HOST = {h: o.key for o in FIELD_OUTLETS for h in (o.feed_host, o.article_host, o.moved_feed_host) if h}


@dataclass
class FieldSettings:
    days: int = 4
    seed: int = 0
    wire_per_day: int = 3
    archive_per_year: int = 10
    interval: str = "3s"
    per_host: int = 2
    day_timeout: float = 40.0         # seconds to store a day's articles before `all-stored` fails
    kill_rate: float = 1.0            # chance that a day has a stop (SIGTERM or SIGKILL) and restart
    stop_at_first_violation: bool = False
    outages: list[tuple[str, int, int]] | None = None
    move_day: int | None = None
    allowed_domains: bool = True      # False: leave the key out (for a copydesk that does not know it)
    late_domains: str | None = "courier"   # this source gets its allowed_domains only on `fix_day` (a restart)
    fix_day: int = 2
    check_startup: bool = True        # `startup-flat` (a timing: bench/field.py only, never in the test suite)


@dataclass
class DayReport:
    day: int
    seconds: float                    # until everything expected was stored (or the time-out)
    expected: int
    stored: int
    fetched: int                      # requests the servers answered that day
    peak_in_flight: int               # the most requests in flight to one host at once
    slowest_ms: float                 # the slowest answer of any server
    slow_answers: int                 # answers that took 5 ms or more
    events: list[str] = field(default_factory=list)       # kills, restarts, outages, the feed move
    violations: list[str] = field(default_factory=list)
    unexpected: str = ""              # stored articles the day did not expect (not a violation: a lower bound)


@dataclass
class FieldReport:
    settings: FieldSettings
    days: list[DayReport] = field(default_factory=list)
    startups: list[float] = field(default_factory=list)   # seconds from spawn to "serving", every start
    startup_docs: list[int] = field(default_factory=list)  # documents in the corpus at each start
    log: str = ""

    @property
    def violations(self) -> list[str]:
        return [v for d in self.days for v in d.violations]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, default=str)


# --------------------------------------------------------------------------- reading the corpus
def _part_files(corpus: Path) -> tuple[list[str], list[str]]:
    docs = corpus / "documents"
    if not docs.is_dir():
        return [], []
    parquet, jsonl = [], []
    for p in sorted(docs.rglob("*")):
        if p.name.startswith(".") or not p.is_file():
            continue
        if p.suffix == ".parquet":
            parquet.append(str(p))
        elif p.suffix == ".jsonl":
            jsonl.append(str(p))
    return parquet, jsonl


_COLUMNS = ("id", "url", "source", "site", "cluster_id", "duplicate_of")


def read_corpus(corpus: Path, files: tuple[list[str], list[str]] | None = None) -> list[dict]:
    """The documents' key columns, read with pyarrow from whatever part files exist (Parquet or
    JSON lines), or from ``files`` (Parquet, JSON lines) listed before."""
    import pyarrow.json as pajson
    import pyarrow.parquet as pq

    parquet, jsonl = files or _part_files(corpus)
    rows: list[dict] = []
    for f in parquet:
        rows += pq.read_table(f, columns=list(_COLUMNS)).to_pylist()
    for f in jsonl:
        t = pajson.read_json(f)
        rows += t.select([c for c in _COLUMNS if c in t.column_names]).to_pylist()
    return rows


def _reader_counts(files: tuple[list[str], list[str]]) -> tuple[int, int]:
    """Rows as DuckDB and as pyarrow.dataset count them, in the same files."""
    import duckdb
    import pyarrow.dataset as ds

    parquet, jsonl = files
    con = duckdb.connect()
    try:
        n_duck = 0
        if parquet:
            n_duck += con.execute("select count(*) from read_parquet(?, union_by_name=true)", [parquet]).fetchone()[0]
        if jsonl:
            n_duck += con.execute("select count(*) from read_json(?, format='newline_delimited', union_by_name=true)",
                                  [jsonl]).fetchone()[0]
    finally:
        con.close()
    n_arrow = 0
    if parquet:
        n_arrow += ds.dataset(parquet, format="parquet").count_rows()
    if jsonl:
        n_arrow += ds.dataset(jsonl, format="json").count_rows()
    return n_duck, n_arrow


# --------------------------------------------------------------------------- the daemon
class _Daemon:
    """`copydesk serve` as a subprocess; its output lines kept with the time they arrived."""

    def __init__(self, cfg: Path, logfile: Path):
        self.cfg, self.logfile = cfg, logfile
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.history: list[str] = []
        self.timed: list[tuple[float, str]] = []   # (time.time() when read, line)

    def start(self, timeout: float = 120) -> tuple[float, list[str]]:
        """Spawn and wait for "serving"; returns (seconds it took, the lines logged until then)."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(self.cfg)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        seen: list[str] = []
        while time.monotonic() - t0 < timeout:
            try:
                t, line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            seen.append(line)
            if re.search(r"\bserving \d+ source", line):
                return t - t0, seen
        raise RuntimeError(f"copydesk serve did not start (status {self.proc.poll()}):\n" + "".join(seen[-30:]))

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        with open(self.logfile, "a", encoding="utf-8") as log:
            for line in proc.stdout:
                log.write(line)
                log.flush()
                self.history.append(line)
                self.timed.append((time.time(), line))
                self.lines.put((time.monotonic(), line))

    def drain(self) -> list[str]:
        out = []
        while True:
            try:
                out.append(self.lines.get_nowait()[1])
            except queue.Empty:
                return out

    def stop(self, sig: int, timeout: float = 30) -> int | None:
        """Send ``sig`` and wait; None when it is still running after ``timeout`` (then killed)."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            time.sleep(0.1)          # let the reader thread take the last lines

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# --------------------------------------------------------------------------- the run
def _expected(world: FieldWorld, settings: FieldSettings, day: int) -> list[FieldArticle]:
    """The world's expectation, less the late source's articles while its config lacks their host
    (and, once fixed, those its feed no longer lists)."""
    late, fix = settings.late_domains, settings.fix_day
    if not late or not settings.allowed_domains:
        return world.expected(day)
    return [a for a in world.expected(day)
            if a.outlet != late or (day >= fix and a.day > fix - FEED_DAYS)]


def _category(a: FieldArticle, world: FieldWorld, settings: FieldSettings) -> str:
    o = OUTLET_BY_KEY[a.outlet]
    if a.outlet == settings.late_domains and a.day < settings.fix_day:
        return "config-fixed"
    if o.moved_feed_host and a.day >= world.plan.move_day:
        return "moved-feed"
    if a.offsite:
        return "offsite-stored"
    return "all-stored"


def _describe(arts: list[FieldArticle], world: FieldWorld, limit: int = 4) -> str:
    shown = ", ".join(f"{a.outlet}{' archive' if a.archive else ''} day {a.day} {a.path}" for a in arts[:limit])
    return f"{len(arts)} not stored ({shown}{', ...' if len(arts) > limit else ''})"


def _read_all(corpus: Path) -> tuple[list[dict], tuple[int, int]]:
    files = _part_files(corpus)
    return read_corpus(corpus, files), _reader_counts(files)


def _twice(read, corpus: Path):
    """A part file can be replaced between listing and reading (compaction of a closed day, a
    takedown): a reader then fails with "not found" and is run again, as docs/corpus.md advises."""
    try:
        return read(corpus)
    except Exception as exc:  # noqa: BLE001 - FileNotFoundError, or DuckDB's IOException saying the same
        if "not found" not in str(exc).lower() and "no such file" not in str(exc).lower() \
                and not isinstance(exc, FileNotFoundError):
            raise
        return read(corpus)


def _check(world: FieldWorld, corpus: Path, settings: FieldSettings, day: int) -> tuple[list[str], int, int, str]:
    """The corpus invariants; returns (violations, stored articles, expected articles, the stored
    articles not expected, described)."""
    v: list[str] = []
    try:    # one listing for all three readers: the daemon may add parts meanwhile
        rows, (n_duck, n_arrow) = _twice(_read_all, corpus)
        if not n_duck == n_arrow == len(rows):
            v.append(f"readers: DuckDB counts {n_duck} rows, pyarrow.dataset {n_arrow}, pyarrow per file {len(rows)}")
    except Exception as exc:  # noqa: BLE001 - any reader failure is the finding
        v.append(f"readers: {type(exc).__name__}: {str(exc)[:300]}")
        rows = _twice(read_corpus, corpus)
    urls: dict[str, int] = {}
    ids: dict[str, int] = {}
    for r in rows:
        urls[r["url"]] = urls.get(r["url"], 0) + 1
        ids[r["id"]] = ids.get(r["id"], 0) + 1
    twice = [u for u, n in urls.items() if n > 1] + [f"id {i}" for i, n in ids.items() if n > 1]
    if twice:
        v.append(f"unique-urls: {len(twice)} stored more than once, e.g. {twice[:3]}")
    clusters_of_story: dict[str, set[str]] = {}
    stories_of_cluster: dict[str, set[str]] = {}
    stored: set[tuple[str, str]] = set()
    unknown = []
    for r in rows:
        a = world.article_for_url(r["url"])
        if a is None:
            unknown.append(r["url"])
            continue
        stored.add((a.outlet, a.path))
        clusters_of_story.setdefault(a.story, set()).add(r["cluster_id"])
        stories_of_cluster.setdefault(r["cluster_id"], set()).add(a.story)
    if unknown:
        v.append(f"only-articles: {len(unknown)} stored URLs are not article pages, e.g. {unknown[:3]}")
    split = {s: c for s, c in clusters_of_story.items() if len(c) > 1}
    if split:
        stories = world.stories()
        ex = []
        for s in list(split)[:3]:
            pages = [f"{a.outlet}/{a.role}/{a.published_time[:10]}" for a in stories[s] if (a.outlet, a.path) in stored]
            ex.append(f"{s}: {len(split[s])} clusters for {pages}")
        v.append(f"copies-grouped: {len(split)} stories split across clusters, e.g. {'; '.join(ex)}")
    merged = {c: s for c, s in stories_of_cluster.items() if len(s) > 1}
    if merged:
        v.append(f"stories-apart: {len(merged)} clusters hold several stories, e.g. "
                 + "; ".join(f"{c}: {sorted(s)[:4]}" for c, s in list(merged.items())[:3]))
    expected = _expected(world, settings, day)
    missing: dict[str, list[FieldArticle]] = {}
    for a in expected:
        if (a.outlet, a.path) not in stored:
            missing.setdefault(_category(a, world, settings), []).append(a)
    for name in ("offsite-stored", "moved-feed", "config-fixed", "all-stored"):
        if name in missing:
            v.append(f"{name}: {_describe(missing[name], world)}")
    wanted = {(a.outlet, a.path) for a in expected}
    extra = [a for a in world.articles() if (a.outlet, a.path) in stored - wanted]
    return v, len(stored), len(expected), _describe(extra, world) if extra else ""


class _Watch:
    """The stored URLs, kept up to date by reading only the part files not read before."""

    def __init__(self, corpus: Path):
        self.corpus = corpus
        self.files: dict[str, list[str]] = {}

    def urls(self) -> set[str]:
        import pyarrow.json as pajson
        import pyarrow.parquet as pq

        parquet, jsonl = _part_files(self.corpus)
        now = set(parquet) | set(jsonl)
        for f in list(self.files):
            if f not in now:
                del self.files[f]
        for f in now - set(self.files):
            try:
                t = pq.read_table(f, columns=["url"]) if f.endswith(".parquet") else pajson.read_json(f)
                self.files[f] = t.column("url").to_pylist()
            except Exception:  # noqa: BLE001 - replaced while read: the next look reads its successor
                continue
        return {u for urls in self.files.values() for u in urls}


def _all_stored(world: FieldWorld, settings: FieldSettings, watch: _Watch, day: int) -> bool:
    return {world.url(a) for a in _expected(world, settings, day)} <= watch.urls()


def run_field(settings: FieldSettings, workdir: Path, progress=None) -> FieldReport:
    """Run the field test in ``workdir``: the corpus, the config, the daemon's log (serve.log) and
    every request the servers answered (fetched.tsv) go there."""
    workdir.mkdir(parents=True, exist_ok=True)
    report = FieldReport(settings)
    world = FieldWorld(settings.seed, settings.days, wire_per_day=settings.wire_per_day,
                       archive_per_year=settings.archive_per_year, outages=settings.outages,
                       move_day=settings.move_day)
    rng = random.Random(f"kills-{settings.seed}")
    kinds = ["SIGTERM", "SIGKILL"] * (settings.days // 2 + 1)
    rng.shuffle(kinds)
    corpus = workdir / "corpus"
    cfg = workdir / "copydesk.toml"
    daemon = _Daemon(cfg, workdir / "serve.log")
    watch = _Watch(corpus)
    world.start()
    try:
        def write_config(day: int) -> None:
            late = frozenset({settings.late_domains}) if settings.late_domains and day < settings.fix_day else frozenset()
            cfg.write_text(world.config_toml(str(corpus), interval=settings.interval, per_host=settings.per_host,
                                             allowed_domains=settings.allowed_domains, without=late))

        write_config(0)
        try:
            startup, _ = daemon.start()
        except RuntimeError as exc:
            report.days.append(DayReport(0, 0.0, 0, 0, 0, 0, 0.0, 0, violations=[f"daemon-start: day 0: {exc}"]))
            return report
        report.startups.append(round(startup, 3))
        report.startup_docs.append(0)
        clean_stop = False
        for _ in range(settings.days):
            day = world.advance()
            world.in_flight.reset_peaks()
            fetched_before = len(world.fetched)
            dr = DayReport(day, 0.0, 0, 0, 0, 0, 0.0, 0)
            dr.events += [f"{k} down" for k, a, b in world.plan.outages if a == day]
            dr.events += [f"{k} back" for k, a, b in world.plan.outages if b == day - 1]
            if day == world.plan.move_day:
                dr.events.append("herald's feed moved (301) to another host")
            kill_at = rng.uniform(0.2, 4.0) if rng.random() < settings.kill_rate else None
            kind = kinds.pop() if kill_at is not None else None
            if day == settings.fix_day and settings.late_domains and kill_at is None:
                kill_at, kind = 0.5, "SIGTERM"       # the config is fixed at a restart
            t0 = deadline = time.monotonic()
            deadline += settings.day_timeout
            done = False
            while time.monotonic() < deadline:
                if kill_at is not None and time.monotonic() - t0 >= kill_at:
                    n_docs = len(read_corpus(corpus))
                    signalled = time.time()
                    rc = daemon.stop(getattr(signal, kind))
                    dr.events.append(f"{kind} at {kill_at:.1f} s (status {rc})")
                    if kind == "SIGTERM" and rc != 0:
                        dr.violations.append(f"sigterm-exit: day {day}: status {rc} (None: still running after 30 s)")
                    # counted from when the daemon said it was stopping (it acts on a signal within 0.2 s,
                    # and until then its runs go on as usual), with 50 ms for the line to reach us
                    acted = next((t for t, ln in daemon.timed if t >= signalled and "stopping:" in ln), None)
                    after: dict[str, list[str]] = {}      # source -> requests its hosts got after that
                    for t, host_key, _, path, _ in world.fetched:
                        if acted is not None and t > acted + 0.05 and not path.endswith("robots.txt"):
                            after.setdefault(SOURCE_OF_HOST[host_key], []).append(path)
                    over = {k: v for k, v in after.items() if len(v) > CONCURRENCY}
                    if kind == "SIGTERM" and over:
                        dr.violations.append(
                            f"sigterm-stops-fetching: day {day}: after the daemon logged 'stopping' the hosts of "
                            + ", ".join(f"{k} got {len(v)} requests (e.g. {v[-1]})" for k, v in over.items())
                            + f"; a run may finish only what its downloader already had, at most crawl.concurrency "
                              f"= {CONCURRENCY}")
                    clean_stop = kind == "SIGTERM" and rc == 0
                    kill_at = None
                    if day == settings.fix_day and settings.late_domains:
                        write_config(day)
                        dr.events.append(f"config fixed: {settings.late_domains}'s allowed_domains added")
                    try:
                        startup, lines = daemon.start()
                    except RuntimeError as exc:
                        dr.violations.append(f"daemon-start: day {day}: {exc}")
                        report.days.append(dr)
                        return report
                    report.startups.append(round(startup, 3))
                    report.startup_docs.append(n_docs)
                    deadline = max(deadline, time.monotonic() + settings.day_timeout)   # the time-out runs from the restart
                    repaired = [ln.strip() for ln in lines if re.search(r"WARNING.*\brepair", ln)]
                    if clean_stop and repaired:
                        dr.violations.append(f"clean-start: day {day}: a start after a clean stop logged {repaired[:2]}")
                    base = sorted(report.startups[:3])[len(report.startups[:3]) // 2]
                    if settings.check_startup and len(report.startups) > 3 and startup > 2 * base + 2.0:
                        dr.violations.append(f"startup-flat: day {day}: start-up took {startup:.1f} s "
                                             f"({n_docs} documents), the first ones {report.startups[:3]}")
                    continue
                if kill_at is None and _all_stored(world, settings, watch, day):
                    done = True
                    break
                time.sleep(0.3)
            dr.seconds = round(time.monotonic() - t0, 2)
            daemon.drain()
            violations, dr.stored, dr.expected, dr.unexpected = _check(world, corpus, settings, day)
            if not done:
                dr.events.append(f"time-out ({settings.day_timeout:.0f} s after the day began or the daemon restarted)")
            dr.violations += [f"{x.split(':', 1)[0]}: day {day}:{x.split(':', 1)[1]}" for x in violations]
            fetched = world.fetched[fetched_before:]
            dr.fetched = len(fetched)
            robots = [p for _, _, _, p, _ in fetched if p.startswith("/embargoed/")]
            if robots:
                dr.violations.append(f"robots: day {day}: {len(robots)} disallowed URLs requested, e.g. {robots[:2]}")
            with world.in_flight.lock:
                peaks = dict(world.in_flight.peak)
                dr.slowest_ms = round(world.in_flight.slowest * 1000, 2)
                dr.slow_answers = world.in_flight.slow
            dr.peak_in_flight = max(peaks.values(), default=0)
            over = {h: n for h, n in peaks.items() if n > settings.per_host}
            if over:
                dr.violations.append(f"per-host-limit: day {day}: {len(over)} hosts had more than {settings.per_host} "
                                     f"requests in flight at once (counted at the server): {over}")
            report.days.append(dr)
            if progress:
                progress(dr)
            if dr.violations and settings.stop_at_first_violation:
                break
        rc = daemon.stop(signal.SIGTERM)
        if rc != 0 and report.days:
            report.days[-1].violations.append(f"sigterm-exit: day {world.day}: final stop, status {rc}")
    finally:
        daemon.close()
        world.stop()
        report.log = "".join(daemon.history[-60:])
        with open(workdir / "fetched.tsv", "w", encoding="utf-8") as out:   # every request the servers answered
            for t, host_key, method, path, status in world.fetched:
                out.write(f"{t:.3f}\t{host_key}\t{world.base(host_key)}\t{method}\t{path}\t{status}\n")
    return report
