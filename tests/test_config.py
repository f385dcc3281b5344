import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.config import ConfigError, load, parse_duration

GOOD = """
corpus = "out"
[crawl]
user_agent = "test-agent"
per_host_concurrency = 3
timeout = "10s"
[schedule]
interval = "15m"
[filter]
keywords = ["harbour"]
languages = ["en"]
since = "2026-01-01"
[dedup]
threshold = 0.6
window = "7d"
[[sources]]
name = "wire"
feeds = ["https://example.org/rss.xml"]
follow = ['/\\d{4}/\\d{2}/']
interval = "5m"
[[sources]]
name = "paper"
sitemaps = ["https://paper.example/sitemap.xml"]
cron = "*/15 * * * *"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "copydesk.toml"
    p.write_text(text)
    return p


def test_good_config(tmp_path):
    cfg = load(write(tmp_path, GOOD))
    assert cfg.corpus == (tmp_path / "out").resolve()
    assert cfg.crawl.user_agent == "test-agent" and cfg.crawl.per_host_concurrency == 3
    assert cfg.crawl.timeout == 10 and cfg.crawl.concurrency == 16  # default kept
    assert cfg.schedule.interval == 900
    assert cfg.filter.since.isoformat() == "2026-01-01"
    assert cfg.dedup.threshold == 0.6 and cfg.dedup.window == 7 * 86400
    assert [s.name for s in cfg.sources] == ["wire", "paper"]
    assert cfg.sources[0].interval == 300 and cfg.sources[1].cron == "*/15 * * * *"
    assert cfg.sources[0].hosts == {"example.org"}


def test_cluster_section(tmp_path):
    import os
    import socket

    assert load(write(tmp_path, GOOD)).cluster is None, "without [cluster], everything is embedded"
    c = load(write(tmp_path, GOOD + "[cluster]\nredis = 'redis://redis.lan:6379/2'\n")).cluster
    assert (c.redis, c.name, c.worker, c.lease_seconds) == ("redis://redis.lan:6379/2", "copydesk",
                                                             f"{socket.gethostname()}-{os.getpid()}", 60.0)
    c = load(write(tmp_path, GOOD + "[cluster]\nredis = 'unix:///run/redis.sock'\nname = 'desk2'\nworker = 'w1'\n"
                                    "lease_seconds = '2m'\n")).cluster
    assert (c.name, c.worker, c.lease_seconds, c.writer) == ("desk2", "w1", 120.0, True)
    assert load(write(tmp_path, GOOD + "[cluster]\nredis = 'redis://h:6379/0'\nwriter = false\n")).cluster.writer is False
    assert c.max_deliveries == 5
    cfg = load(write(tmp_path, GOOD + "[cluster]\nredis = 'redis://h:6379/0'\nmax_deliveries = 3\n"))
    from copydesk.scrapy_settings import cluster_scrapy_settings

    assert cfg.cluster.max_deliveries == 3
    assert cluster_scrapy_settings(cfg, "w1", consume=True)["FRONTIER_MAX_DELIVERIES"] == 3  # what the scheduler reads


def test_defaults_without_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load()
    assert cfg.sources == () and cfg.crawl.obey_robots is True and cfg.dedup.threshold == 0.5


@pytest.mark.parametrize("snippet,key,words", [
    ("[crawl]\ntimout = 5", "crawl.timout", "unknown key"),
    ("colour = 1", "colour", "unknown key"),
    ("[crawl]\nconcurrency = 'many'", "crawl.concurrency", "expected an integer"),
    ("[crawl]\nobey_robots = 1", "crawl.obey_robots", "true or false"),
    ("[crawl]\nper_host_concurrency = 0", "crawl.per_host_concurrency", "at least 1"),
    ("[schedule]\ninterval = '15 minutes'", "schedule.interval", "duration"),
    ("[filter]\nsince = 'yesterday'", "filter.since", "ISO date"),
    ("[filter]\nlanguages = ['english']", "filter.languages[0]", "ISO 639-1"),
    ("[filter]\nkeywords = 'iran'", "filter.keywords", "list of strings"),
    ("[dedup]\nthreshold = 1.5", "dedup.threshold", "(0, 1]"),
    ("[[sources]]\nname = 'a'\nfeeds = ['https://x.org/f']\nfollow = ['(unclosed']", "sources[0].follow[0]",
     "regular expression"),
    ("[[sources]]\nname = 'a'\nfeeds = ['ftp://x.org/f']", "sources[0].feeds[0]", "http(s) URL"),
    ("[[sources]]\nname = 'a'\nfeeds = ['https://x.org:99999/f']", "sources[0].feeds[0]", "valid port"),
    ("[[sources]]\nname = 'a'\nfeeds = ['https://x.org/f']\nsitemaps = ['https://x.org:abc/s.xml']", "sources[0].sitemaps[0]",
     "valid port"),
    ("[cluster]\nredis = 'redis://h:99999/0'", "cluster.redis", "redis://host:6379/0"),
    ("[[sources]]\nname = 'a'", "sources[0].feeds", "at least one"),
    ("[[sources]]\nname = 'a'\nfeeds = ['https://x.org/f']\ncron = 'every day'", "sources[0].cron", "crontab"),
    ("[[sources]]\nname = 'a'\nfeeds = ['https://x.org/f']\ninterval = '5m'\ncron = '* * * * *'", "sources[0].cron",
     "not both"),
    ("[[sources]]\nname = 'a'\nfeeds = ['https://x.org/f']\n[[sources]]\nname = 'a'\nfeeds = ['https://y.org/f']",
     "sources[1].name", "duplicate"),
    ("[cluster]\nname = 'x'", "cluster.redis", "is required"),
    ("[cluster]\nredis = 'http://host:6379'", "cluster.redis", "redis://host:6379/0"),
    ("[cluster]\nredis = 6379", "cluster.redis", "expected a string"),
    ("[cluster]\nredis = 'redis://h:6379/0'\nname = 'a b'", "cluster.name", "letters, digits"),
    ("[cluster]\nredis = 'redis://h:6379/0'\nworker = 'host 1'", "cluster.worker", "without spaces"),
    ("[cluster]\nredis = 'redis://h:6379/0'\nlease_seconds = 0", "cluster.lease_seconds", "positive"),
    ("[cluster]\nredis = 'redis://h:6379/0'\nleases = 5", "cluster.leases", "unknown key"),
    ("[cluster]\nredis = 'redis://h:6379/0'\nwriter = 'no'", "cluster.writer", "true or false"),
    ("[cluster]\nredis = 'redis://h:6379/0'\nmax_deliveries = 1", "cluster.max_deliveries", "at least 2"),
    ("[[sources]]\nname = 'a b'\nfeeds = ['https://x.org/f']", "sources[0].name", "letters"),
    ("[[sources]]\nname = 'a'\nfeeds = ['https://x.org/f']\nfeed = ['https://x.org/g']", "sources[0].feed",
     "unknown key"),
    # the typo is the only discovery key: it is named, not reported as a source without feeds
    ("[[sources]]\nname = 'a'\nfeed = ['https://x.org/g']", "sources[0].feed", "did you mean 'feeds'?"),
    ("[[sources]]\nname = 'a'\nsitemap = ['https://x.org/s.xml']", "sources[0].sitemap", "unknown key"),
    ("[[sources]]\nnmae = 'a'\nfeeds = ['https://x.org/f']", "sources[0].name", "is required (found 'nmae': a typo?)"),
    ("[cluster]\nrdis = 'redis://h:6379/0'", "cluster.redis", "is required (found 'rdis': a typo?)"),
])
def test_bad_config_names_the_key(tmp_path, snippet, key, words):
    with pytest.raises(ConfigError) as e:
        load(write(tmp_path, snippet))
    assert e.value.key == key
    assert words in str(e.value)


def test_not_toml(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(write(tmp_path, "corpus = [unclosed"))


def test_durations():
    assert parse_duration("90s", "k") == 90 and parse_duration("2h", "k") == 7200 and parse_duration(45, "k") == 45
    with pytest.raises(ConfigError):
        parse_duration("-5m", "k")


def test_cli_exit_status_2_names_key(tmp_path):
    p = write(tmp_path, "[crawl]\ntimeout = 'soon'\n")
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(p)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "crawl.timeout" in r.stderr


def test_cli_crawl_needs_sources(tmp_path):
    p = write(tmp_path, "corpus = 'c'\n")
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "crawl", "-c", str(p)], capture_output=True, text=True)
    assert r.returncode == 2 and "sources" in r.stderr


def test_the_readme_config_block_shows_the_defaults(tmp_path):
    """README: "Every key has the default shown except `sources`"."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    shown = load(write(tmp_path, block.split("[[sources]]")[0]))
    (tmp_path / "empty").mkdir()
    default = load(write(tmp_path / "empty", 'corpus = "corpus"'))
    for section in ("crawl", "schedule", "filter", "dedup", "compaction"):
        assert getattr(shown, section) == getattr(default, section), section
        # and every key is shown (compaction's target_bytes is written target_mb)
        part = re.search(rf"^\[{section}\]\n(.*?)(?=^\[|\Z)", block, re.S | re.M).group(1)
        keys = {f.name.replace("target_bytes", "target_mb") for f in dataclasses.fields(getattr(default, section))}
        assert {k for k in keys if not re.search(rf"^{k}\s*=", part, re.M)} == set(), section


@pytest.mark.parametrize("zero", [0, "0s", "0m", " 0 h"])
def test_a_zero_jitter_is_accepted_however_it_is_written(tmp_path, zero):
    cfg = load(write(tmp_path, f"[schedule]\njitter = {zero!r}\n" if isinstance(zero, str) else f"[schedule]\njitter = {zero}\n"))
    assert cfg.schedule.jitter == 0.0
