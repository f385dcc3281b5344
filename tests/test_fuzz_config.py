"""Hostile and broken config input: config.from_dict / config.load raise ConfigError and nothing else.

Property tests over TOML-like dicts built from the real key names, over TOML text rendered from
them, and over arbitrary bytes as a config file; then one regression test per fuzz finding
(RELIABILITY.md, "Hostile and broken input").
"""
from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copydesk import config
from copydesk.config import ConfigError

FUZZ = Path(__file__).parent / "fixtures" / "fuzz"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------------------- strategies

toml_ints = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, 1, -1, 1023, 1024, 10**400, -(10**400)]))
toml_floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 1.0, 0.7, 1e308]))
hostile_strings = st.sampled_from([
    "", " ", "15m", "90s", "2h", "1d", "0s", "-1m", "1.5h", "9" * 400 + "d", "15 m", "nan", "inf", "\x00",
    "~nosuchuser/corpus", "a\x00b", "en", "EN", "eng", "2026-01-31", "2026-02-30", "2026-01-31T10:00:00",
    "*/15 * * * *", "*/0 * * * *", "0 0 31 2 *", "(", "a{99999999999}", "(" * 2000 + ")" * 2000, "[z-a]",
    "http://[::1/", "https://example.org/feed.xml", "ftp://example.org/", "http:///", "wire", "a\n", "x" * 65,
])
toml_strings = st.one_of(st.text(max_size=40), hostile_strings)
toml_dates = st.one_of(
    st.dates(), st.datetimes(timezones=st.sampled_from([None, dt.timezone.utc])), st.times(),
)
toml_scalars = st.one_of(toml_ints, toml_floats, st.booleans(), toml_strings, toml_dates)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)

_TABLES = {
    "crawl": ["user_agent", "obey_robots", "concurrency", "per_host_concurrency", "timeout", "max_page_bytes",
              "retries", "extract_timeout", "checkpoint_interval"],
    "schedule": ["interval", "jitter"],
    "filter": ["keywords", "languages", "since"],
    "dedup": ["threshold", "window"],
}
_SOURCE_KEYS = ["name", "feeds", "sitemaps", "start_urls", "follow", "interval", "cron"]
_url_lists = st.lists(st.one_of(st.sampled_from(["https://ex.example/rss.xml", "https://ex.example/", "/\\d{4}/"]),
                                toml_strings, toml_scalars), max_size=3)


def _table(keys: list[str]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={k: st.one_of(toml_values, _url_lists) for k in keys + ["unknown_key"]})


sources = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.one_of(st.sampled_from(["wire", "wire", "blog.reposts", "", "a\n", "x" * 65]), toml_values),
            "feeds": st.one_of(_url_lists, toml_values), "sitemaps": st.one_of(_url_lists, toml_values),
            "start_urls": st.one_of(_url_lists, toml_values), "follow": st.one_of(_url_lists, toml_values),
            "interval": toml_values, "cron": st.one_of(hostile_strings, toml_values), "unknown": toml_values,
        },
    ),
    max_size=3,
)

config_dicts = st.fixed_dictionaries(
    {},
    optional={
        "corpus": st.one_of(hostile_strings, toml_values),
        **{name: st.one_of(_table(keys), toml_values) for name, keys in _TABLES.items()},
        "sources": st.one_of(sources, toml_values),
        "surprise": toml_values,
    },
)


# A small TOML writer, so that the dicts above also go through tomllib and config.load.
def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_str(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def _toml_str(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\uFFFD")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def to_toml(d: dict) -> str:
    lines = [f"{_toml_str(k)} = {_toml_value(v)}" for k, v in d.items()]
    return "\n".join(lines) + "\n"


_SCRATCH = Path(tempfile.mkdtemp(prefix="copydesk-fuzz-config-"))


def _scratch() -> Path:
    return _SCRATCH / "copydesk.toml"


def _only_config_error(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ConfigError as e:
        assert e.key or str(e), "ConfigError without key or message"
        assert isinstance(str(e), str)
        return None


# ----------------------------------------------------------------------------- properties


@SETTINGS
@given(config_dicts)
def test_from_dict_raises_only_config_error(data):
    _only_config_error(config.from_dict, data, base=Path("/tmp"))


@SETTINGS
@given(config_dicts)
def test_load_of_rendered_toml_raises_only_config_error(data):
    p = _scratch()
    p.write_text(to_toml(data), encoding="utf-8")
    _only_config_error(config.load, p)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_load_of_arbitrary_bytes_raises_only_config_error(body):
    p = _scratch()
    p.write_bytes(body)
    _only_config_error(config.load, p)


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False))
def test_load_of_mutated_real_config_raises_only_config_error(rnd):
    from tests.fuzzing import TOML_TOKENS, mutate

    seed = (FUZZ / "config.toml").read_bytes()
    p = _scratch()
    p.write_bytes(mutate(seed, rnd, tokens=TOML_TOKENS, seeds=[seed], max_len=50_000))
    _only_config_error(config.load, p)


def test_seed_config_is_valid():
    cfg = config.load(FUZZ / "config.toml")
    assert [s.name for s in cfg.sources] == ["example-wire", "blog.reposts"]


# ----------------------------------------------------------------------------- regressions (fuzz findings)


@pytest.mark.parametrize("data, key", [
    ({"crawl": {"timeout": 10**400}}, "crawl.timeout"),                 # OverflowError: int too large to convert to float
    ({"dedup": {"threshold": 10**400}}, "dedup.threshold"),             # OverflowError
    ({"schedule": {"interval": math.nan}}, "schedule.interval"),        # NaN was accepted as a duration
    ({"schedule": {"interval": math.inf}}, "schedule.interval"),        # inf was accepted
    ({"schedule": {"jitter": math.nan}}, "schedule.jitter"),
    ({"crawl": {"timeout": "9" * 400 + "d"}}, "crawl.timeout"),         # float('9'*400) = inf
    ({"sources": [{"name": "a", "feeds": ["http://[::1/"]}]}, "sources[0].feeds[0]"),  # ValueError: Invalid IPv6 URL
    ({"sources": [{"name": "a\n", "feeds": ["http://x/"]}]}, "sources[0].name"),       # "$" matched before "\n"
    ({"corpus": "~nosuchuser-copydesk/x"}, "corpus"),                    # RuntimeError: Could not determine home directory
    ({"corpus": "a\x00b"}, "corpus"),                                    # ValueError: embedded null byte
    ({"sources": [{"name": "a", "feeds": ["http://x/"], "follow": ["(" * 2000 + ")" * 2000]}]}, "sources[0].follow[0]"),  # RecursionError
    ({"sources": [{"name": "a", "feeds": ["http://x/"], "follow": ["a{99999999999}"]}]}, "sources[0].follow[0]"),       # OverflowError
])
def test_regression_config_findings(data, key):
    with pytest.raises(ConfigError) as e:
        config.from_dict(data)
    assert e.value.key == key


@pytest.mark.parametrize("text", [
    "a = " + "[" * 5000 + "]" * 5000,            # RecursionError in tomllib
    "a = " + "{b=" * 3000 + "1" + "}" * 3000,    # RecursionError in tomllib
    "a = " + "9" * 5000,                         # ValueError: exceeds the limit (4300 digits) for int conversion
    "corpus = \"\x00\"",                         # a raw NUL: TOMLDecodeError (was already handled)
])
def test_regression_toml_findings(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as e:
        config.load(p)
    assert "not valid TOML" in str(e.value)
    assert len(str(e.value)) < 1000


def test_regression_config_path_is_a_directory(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):  # IsADirectoryError escaped
        config.load(tmp_path)
