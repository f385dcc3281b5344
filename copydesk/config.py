"""Load and validate copydesk's TOML config into typed settings.

Every problem raises ConfigError naming the key (``crawl.timeout``, ``sources[2].follow[0]``) and
what is wrong; the CLI turns it into exit status 2. Unknown keys are errors, never ignored.
"""
from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from copydesk.crawler.sink import published_before

DEFAULT_CONFIG = "copydesk.toml"
DEFAULT_USER_AGENT = "copydesk/0.1 (+https://github.com/copydesk/copydesk)"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a source name (``[[sources]] name``, `ingest --source`, and
    ``[cluster] name``): None when it is letters, digits, '-', '_' or '.', at most 64, not starting
    with '-', '_' or '.'. The one rule for every name copydesk stores or puts in a key."""
    if _SOURCE_NAME.fullmatch(name):
        return None
    return f"use letters, digits, '-', '_' or '.' (at most 64, starting with a letter or digit), got {_short(name)}"


class ConfigError(ValueError):
    """A bad config: ``key`` names the offending key, the message says what is wrong."""

    def __init__(self, key: str, problem: str, path: str | Path | None = None):
        self.key, self.problem, self.path = key, problem, path
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{key}: {problem}" if key else f"{where}{problem}")


@dataclass(frozen=True)
class CrawlSettings:
    user_agent: str = DEFAULT_USER_AGENT
    obey_robots: bool = True
    concurrency: int = 16
    per_host_concurrency: int = 2
    timeout: float = 30.0
    max_page_bytes: int = 10_000_000
    retries: int = 2
    extract_timeout: float = 20.0
    checkpoint_interval: float = 10.0


@dataclass(frozen=True)
class ScheduleSettings:
    interval: float = 1800.0
    jitter: float = 30.0


@dataclass(frozen=True)
class FilterSettings:
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: dt.date | None = None

    def too_old(self, published: str | None) -> bool:
        """True when an ISO date(-time) is before ``since``; unknown or unparseable dates pass
        (the crawler's rule for feed entries, applied to stored pages too)."""
        return published_before(published, self.since)


@dataclass(frozen=True)
class DedupSettings:
    threshold: float = 0.5  # measured (docs/dedup.md); DESIGN.md's example 0.7 misses most paraphrased and OCR copies
    window: float = 30 * 86400.0


@dataclass(frozen=True)
class CompactionSettings:
    """[compaction] (docs/corpus.md, "Compaction"): serve merges the small parts of closed days."""

    auto: bool = True              # serve compacts after its runs; `copydesk compact` any time
    min_parts: int = 8             # a closed day is compacted once it holds at least this many parts
    target_bytes: int = 128 * 2**20  # merged parts of about this size (target_mb in the file)


@dataclass(frozen=True)
class ClusterSettings:
    """[cluster] (docs/scale-out-core.md): several daemons on one Redis. Absent: everything embedded."""

    redis: str                     # redis://host:6379/0, rediss://..., unix:///path/redis.sock
    name: str = "copydesk"         # key prefix copydesk:{name}: (several clusters on one server)
    worker: str = ""               # this daemon's id; default <hostname>-<pid>
    lease_seconds: float = 60.0    # writer lease and frontier leases: a dead holder's work moves after this
    writer: bool = True            # may take the writer role (open the corpus and store); false on hosts without the corpus
    max_deliveries: int = 5        # an article request taken this many times and never finished goes to the dead-letter stream


@dataclass(frozen=True)
class Source:
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    interval: float | None = None
    cron: str | None = None
    allowed_domains: tuple[str, ...] = ()  # besides the registrable domains of its URLs (crawler.domains)

    @property
    def hosts(self) -> frozenset[str]:
        urls = (*self.feeds, *self.sitemaps, *self.start_urls)
        return frozenset((urlsplit(u).hostname or "").lower() for u in urls)


@dataclass(frozen=True)
class Config:
    corpus: Path = Path("corpus")
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    sources: tuple[Source, ...] = ()
    path: Path | None = None
    compaction: CompactionSettings = field(default_factory=CompactionSettings)
    cluster: ClusterSettings | None = None

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError("sources", f"no source named {name!r} (known: {known})", self.path)


def parse_duration(value: Any, key: str) -> float:
    """'90s', '15m', '2h', '1d' (or a number of seconds) -> seconds."""
    if isinstance(value, bool):
        raise ConfigError(key, f"expected a duration like '15m', got {value!r}")
    try:
        if isinstance(value, (int, float)):
            seconds = float(value)
        elif isinstance(value, str) and (m := _DURATION.match(value)):
            seconds = float(m.group(1)) * _UNITS[m.group(2)]
        else:
            raise ConfigError(key, f"expected a duration like '90s', '15m', '2h' or '1d', got {value!r}")
    except OverflowError:  # an integer past float range (TOML integers are unbounded in tomllib)
        seconds = math.inf
    if not math.isfinite(seconds):
        raise ConfigError(key, f"must be a finite duration, got {_short(value)}")
    if seconds <= 0:
        raise ConfigError(key, f"must be positive, got {value!r}")
    return seconds


def load(path: str | Path | None = None, *, required: bool = False) -> Config:
    """Read ``path`` (default ./copydesk.toml). A missing default file gives the defaults unless
    ``required``; a missing named file is always an error."""
    explicit = path is not None
    p = Path(path if explicit else DEFAULT_CONFIG)
    if not p.exists():
        if explicit or required:
            raise ConfigError("", f"config file not found: {p}")
        return Config()
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError("", f"not valid TOML: {e}", p) from None
    except OSError as e:  # a directory, no permission, ...
        raise ConfigError("", f"cannot read the config file: {e.strerror or e}", p) from None
    try:
        data = tomllib.loads(text)
    # ValueError: an integer of more than 4300 digits; RecursionError: arrays or tables nested thousands deep
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as e:
        raise ConfigError("", f"not valid TOML: {_short(e)}", p) from None
    try:
        return from_dict(data, base=p.parent, path=p)
    except ConfigError as e:
        raise ConfigError(e.key, e.problem, p) from None


def from_dict(data: dict[str, Any], *, base: Path = Path("."), path: Path | None = None) -> Config:
    r = _Reader(data, "")
    corpus = r.string("corpus", "corpus", allow_empty=False)
    crawl = _crawl(r.table("crawl"))
    schedule = _schedule(r.table("schedule"))
    filt = _filter(r.table("filter"))
    dedup = _dedup(r.table("dedup"))
    compaction = _compaction(r.table("compaction"))
    cluster = _cluster(r.table("cluster")) if "cluster" in data else None
    sources = tuple(_source(t) for t in r.tables("sources"))
    r.done()
    names = [s.name for s in sources]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(f"sources[{i}].name", f"duplicate source name {name!r}")
    try:
        corpus_path = Path(corpus).expanduser()
        if not corpus_path.is_absolute():
            corpus_path = (base / corpus_path).resolve()
    except (RuntimeError, ValueError, OSError) as e:  # "~nosuchuser/x", an embedded NUL byte
        raise ConfigError("corpus", f"not a usable path ({e}): {_short(corpus)}") from None
    return Config(corpus_path, crawl, schedule, filt, dedup, sources, path, compaction=compaction, cluster=cluster)


def _crawl(r: _Reader) -> CrawlSettings:
    d = CrawlSettings()
    out = CrawlSettings(
        user_agent=r.string("user_agent", d.user_agent, allow_empty=False),
        obey_robots=r.boolean("obey_robots", d.obey_robots),
        concurrency=r.integer("concurrency", d.concurrency, minimum=1),
        per_host_concurrency=r.integer("per_host_concurrency", d.per_host_concurrency, minimum=1),
        timeout=r.duration("timeout", d.timeout),
        max_page_bytes=r.integer("max_page_bytes", d.max_page_bytes, minimum=1024),
        retries=r.integer("retries", d.retries, minimum=0),
        extract_timeout=r.duration("extract_timeout", d.extract_timeout),
        checkpoint_interval=r.duration("checkpoint_interval", d.checkpoint_interval),
    )
    r.done()
    return out


def _schedule(r: _Reader) -> ScheduleSettings:
    d = ScheduleSettings()
    interval = r.duration("interval", d.interval)
    jitter = r.value("jitter", None)
    out = ScheduleSettings(interval, d.jitter if jitter is None else _nonnegative_duration(jitter, r.key("jitter")))
    r.done()
    return out


def _nonnegative_duration(value: Any, key: str) -> float:
    """A duration that may be zero: 0, "0s", "0m", ..."""
    if value == 0 or isinstance(value, str) and (m := _DURATION.match(value)) and float(m.group(1)) == 0:
        return 0.0
    return parse_duration(value, key)


def _filter(r: _Reader) -> FilterSettings:
    keywords = tuple(k.strip() for k in r.strings("keywords"))
    languages = tuple(lang.lower() for lang in r.strings("languages"))
    for i, lang in enumerate(languages):
        if not re.fullmatch(r"[a-z]{2}", lang):
            raise ConfigError(r.key(f"languages[{i}]"), f"expected an ISO 639-1 code like 'en', got {lang!r}")
    since_raw = r.value("since", "")
    since: dt.date | None = None
    if isinstance(since_raw, dt.datetime):
        since = since_raw.date()
    elif isinstance(since_raw, dt.date):
        since = since_raw
    elif isinstance(since_raw, str):
        if since_raw.strip():
            try:
                since = dt.date.fromisoformat(since_raw.strip()[:10])
            except ValueError:
                raise ConfigError(r.key("since"), f"expected an ISO date like '2026-01-31', got {since_raw!r}") from None
    else:
        raise ConfigError(r.key("since"), f"expected an ISO date string, got {since_raw!r}")
    r.done()
    return FilterSettings(keywords, languages, since)


def _dedup(r: _Reader) -> DedupSettings:
    d = DedupSettings()
    threshold = r.number("threshold", d.threshold)
    if not 0.0 < threshold <= 1.0:
        raise ConfigError(r.key("threshold"), f"must be in (0, 1], got {threshold}")
    window = r.value("window", None)
    out = DedupSettings(threshold, d.window if window is None else parse_duration(window, r.key("window")))
    r.done()
    return out


def _compaction(r: _Reader) -> CompactionSettings:
    d = CompactionSettings()
    out = CompactionSettings(auto=r.boolean("auto", d.auto), min_parts=r.integer("min_parts", d.min_parts, minimum=2),
                             target_bytes=r.integer("target_mb", d.target_bytes // 2**20, minimum=1) * 2**20)
    r.done()
    return out


def _cluster(r: _Reader) -> ClusterSettings:
    import os
    import socket

    url = r.string("redis", None, allow_empty=False).strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
        ok = parts.scheme in ("redis", "rediss") and bool(parts.hostname) or parts.scheme == "unix" and bool(parts.path)
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(r.key("redis"), f"expected a URL like 'redis://host:6379/0' (redis, rediss or unix), got {_short(url)}")
    name = r.string("name", "copydesk", allow_empty=False)
    if problem := name_problem(name):
        raise ConfigError(r.key("name"), problem)
    worker = r.string("worker", f"{socket.gethostname()}-{os.getpid()}", allow_empty=False)
    if not re.fullmatch(r"[^\s|]{1,128}", worker):
        raise ConfigError(r.key("worker"), f"expected an id without spaces or '|' (at most 128), got {_short(worker)}")
    out = ClusterSettings(url, name, worker, r.duration("lease_seconds", ClusterSettings.lease_seconds),
                          r.boolean("writer", ClusterSettings.writer),
                          r.integer("max_deliveries", ClusterSettings.max_deliveries, minimum=2))
    r.done()
    return out


def _source(r: _Reader) -> Source:
    name = r.string("name", None, allow_empty=False)
    if problem := name_problem(name):
        raise ConfigError(r.key("name"), problem)
    feeds = _urls(r, "feeds")
    sitemaps = _urls(r, "sitemaps")
    start_urls = _urls(r, "start_urls")
    follow = r.strings("follow")
    for i, pattern in enumerate(follow):
        try:
            re.compile(pattern)
        except (re.error, OverflowError, RecursionError) as e:  # "a{9999999999}", "((((...))))" thousands deep
            raise ConfigError(r.key(f"follow[{i}]"), f"not a valid regular expression ({e}): {pattern!r}") from None
    allowed_domains = tuple(d.strip().lower().rstrip(".") for d in r.strings("allowed_domains"))
    for i, domain in enumerate(allowed_domains):
        from copydesk.crawler.domains import domain_problem

        if problem := domain_problem(domain):
            raise ConfigError(r.key(f"allowed_domains[{i}]"), problem)
    interval_raw = r.value("interval", None)
    interval = None if interval_raw is None else parse_duration(interval_raw, r.key("interval"))
    cron = r.value("cron", None)
    if cron is not None:
        if interval is not None:
            raise ConfigError(r.key("cron"), "give either interval or cron, not both")
        if not isinstance(cron, str):
            raise ConfigError(r.key("cron"), f"expected a crontab string like '*/15 * * * *', got {cron!r}")
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(cron, timezone="UTC")
        except ValueError as e:
            raise ConfigError(r.key("cron"), f"not a valid crontab expression ({e}): {cron!r}") from None
    r.done()  # first: `feed = [...]` is named as an unknown key, not reported as a source without feeds
    if not (feeds or sitemaps or start_urls):
        raise ConfigError(r.key("feeds"), "a source needs at least one of feeds, sitemaps or start_urls")
    return Source(name, feeds, sitemaps, start_urls, follow, interval, cron, allowed_domains)


def _urls(r: _Reader, name: str) -> tuple[str, ...]:
    urls = r.strings(name)
    for i, url in enumerate(urls):
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # "http://[::1": an unterminated IPv6 literal; "http://host:99999"
            ok = False
        if not ok:
            raise ConfigError(r.key(f"{name}[{i}]"), f"expected an http(s) URL with a valid port, got {url!r}")
    return urls


class _Reader:
    """Typed access to one TOML table that remembers which keys were read (the rest are unknown)."""

    def __init__(self, data: Any, prefix: str):
        if not isinstance(data, dict):
            raise ConfigError(prefix, f"expected a table, got {type(data).__name__}")
        self.data, self.prefix, self.used = data, prefix, set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def value(self, name: str, default: Any) -> Any:
        self.used.add(name)
        return self.data.get(name, default)

    def _typed(self, name: str, default: Any, types: tuple[type, ...], what: str) -> Any:
        v = self.value(name, default)
        if v is None:
            typo = difflib.get_close_matches(name, [k for k in self.data if isinstance(k, str)], n=1)
            hint = f" (found {typo[0]!r}: a typo?)" if typo else ""
            raise ConfigError(self.key(name), f"is required{hint}")
        if isinstance(v, bool) and bool not in types or not isinstance(v, types):
            raise ConfigError(self.key(name), f"expected {what}, got {v!r}")
        return v

    def string(self, name: str, default: str | None, *, allow_empty: bool = True) -> str:
        v = self._typed(name, default, (str,), "a string")
        if not allow_empty and not v.strip():
            raise ConfigError(self.key(name), "must not be empty")
        return v

    def boolean(self, name: str, default: bool) -> bool:
        return self._typed(name, default, (bool,), "true or false")

    def integer(self, name: str, default: int, *, minimum: int) -> int:
        v = self._typed(name, default, (int,), "an integer")
        if v < minimum:
            raise ConfigError(self.key(name), f"must be at least {minimum}, got {v}")
        return v

    def number(self, name: str, default: float) -> float:
        v = self._typed(name, default, (int, float), "a number")
        try:
            return float(v)
        except OverflowError:
            raise ConfigError(self.key(name), f"number out of range: {_short(v)}") from None

    def duration(self, name: str, default: float) -> float:
        return parse_duration(self.value(name, default), self.key(name))

    def strings(self, name: str) -> tuple[str, ...]:
        v = self.value(name, [])
        if isinstance(v, str):
            raise ConfigError(self.key(name), f"expected a list of strings, got a single string {v!r} (write [{v!r}])")
        if not isinstance(v, list):
            raise ConfigError(self.key(name), f"expected a list of strings, got {v!r}")
        for i, item in enumerate(v):
            if not isinstance(item, str) or not item.strip():
                raise ConfigError(self.key(f"{name}[{i}]"), f"expected a non-empty string, got {item!r}")
        return tuple(v)

    def table(self, name: str) -> _Reader:
        return _Reader(self.value(name, {}), self.key(name))

    def tables(self, name: str) -> list[_Reader]:
        v = self.value(name, [])
        if not isinstance(v, list):
            raise ConfigError(self.key(name), "expected an array of tables ([[sources]])")
        return [_Reader(t, f"{self.key(name)}[{i}]") for i, t in enumerate(v)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            key = self.key(unknown[0])
            known = ", ".join(sorted(self.used))
            close = difflib.get_close_matches(unknown[0], sorted(self.used), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(key, f"unknown key ({hint}known keys here: {known})")


def _short(value: Any, limit: int = 80) -> str:
    """repr() of a value for a message, cut short (a 5,000-digit integer must not flood the terminal)."""
    try:
        text = repr(value)
    except ValueError:  # int.__repr__ past sys.get_int_max_str_digits()
        return f"<{type(value).__name__} too large to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."

