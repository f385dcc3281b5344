"""What the corpus says: `copydesk stories` (one line per story) and the data of `copydesk report`.

Everything is read from the corpus' stories tables (storage/stories.py) and, for crawl health,
the state database, and aggregated with pyarrow and numpy (vectorised: no Python loop over
documents), so it stays fast at a million documents. The HTML page is built by copydesk.report_html.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copydesk.errors import UsageError
from copydesk.storage import stories as st
from copydesk.storage.corpus import STATE
from copydesk.storage.state import NOT_CRAWLS

UTC = dt.timezone.utc


def parse_since(value: str | None) -> dt.datetime | None:
    """--since: an ISO date (UTC midnight) or date-time."""
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since: not an ISO date or date-time: {value!r} (e.g. 2026-03-04)") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def check_corpus(root: Path) -> None:
    if not root.is_dir():
        raise UsageError(f"no corpus at {root}: no such directory (check --corpus or the config's `corpus`)")
    if not any((root / n).exists() for n in ("manifest.json", "documents", STATE)):
        raise UsageError(f"{root} is not a copydesk corpus (no manifest.json, documents/ or {STATE}/)")


def _ts_scalar(t: dt.datetime) -> pa.Scalar:
    return pa.scalar(t, st.TIMESTAMP)


def _story_time(stories: pa.Table) -> pa.ChunkedArray:
    return pc.coalesce(stories["published"], stories["first_fetched_at"])


def select_stories(stories: pa.Table, *, since: dt.datetime | None = None, source: str | None = None,
                   min_copies: int = 0) -> pa.Table:
    """Stories first published at or after ``since``, with a member from ``source``, with at least
    ``min_copies`` copies; largest first, then newest."""
    mask = pc.greater_equal(stories["copies"], min_copies)
    if since is not None:
        mask = pc.and_(mask, pc.fill_null(pc.greater_equal(_story_time(stories), _ts_scalar(since)), False))
    if source is not None:
        mask = pc.and_(mask, _contains(stories["sources"], source))
    t = stories.filter(mask)
    t = t.append_column("_when", _story_time(t))
    t = t.sort_by([("copies", "descending"), ("_when", "descending"), ("story_id", "ascending")])
    return t.drop_columns(["_when"])


def _contains(lists: pa.ChunkedArray, value: str) -> pa.Array:
    """Which lists hold ``value`` (vectorised)."""
    lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists).to_numpy()
    hit = np.zeros(len(lists), dtype=bool)
    hit[parents[pc.equal(flat, value).to_numpy(zero_copy_only=False)]] = True
    return pa.array(hit)


def iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def story_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"story_id": row["story_id"], "title": row["title"], "source": row["source"], "site": row["site"],
            "url": row["url"], "representative_id": row["representative_id"], "published": iso(row["published"]),
            "first_fetched_at": iso(row["first_fetched_at"]), "copies": row["copies"], "members": row["members"],
            "outlets": row["outlets"], "sources": row["sources"], "median_lag_seconds": row["median_lag_seconds"],
            "max_lag_seconds": row["max_lag_seconds"]}


def human_lag(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    s = int(round(seconds))
    sign, s = ("-" if s < 0 else ""), abs(s)
    if s < 60:
        return f"{sign}{s}s"
    if s < 3600:
        return f"{sign}{s // 60}m"
    if s < 86400:
        return f"{sign}{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{sign}{s // 86400}d{(s % 86400) // 3600:02d}h"


def stories_command(root: Path, *, since: str | None, source: str | None, min_copies: int, as_json: bool,
                    limit: int | None) -> int:
    from rich.table import Table

    from copydesk.report import table_console

    console = table_console()

    check_corpus(root)
    if min_copies < 0:
        raise UsageError("--min-copies: must be 0 or more")
    t = select_stories(st.read(root), since=parse_since(since), source=source, min_copies=min_copies)
    by_source = True  # outlets counted as config sources, like the "first" column
    total = t.num_rows
    shown = t if not limit or limit <= 0 else t.slice(0, limit)
    if as_json:
        print(json.dumps({"corpus": str(root), "computed_at": st.computed_at(root), "total": total,
                          "stories": [story_json(r) for r in shown.to_pylist()]}, indent=2, ensure_ascii=False))
        return 0
    table = Table(title=f"stories with at least {min_copies} cop{'y' if min_copies == 1 else 'ies'}"
                        + (f" since {since}" if since else "") + (f" carried by {source}" if source else ""),
                  title_justify="left")
    for col, j, w in (("published (UTC)", "left", 16), ("first", "left", 5), ("copies", "right", 6),
                      ("outlets", "right", 7), ("median lag", "right", 10), ("title", "left", 12)):
        table.add_column(col, justify=j, no_wrap=True, min_width=w)
    room = max(12, console.width - 16 - 5 - 6 - 7 - 10 - 19)  # the title gets what the other columns leave
    for r in shown.to_pylist():
        when = r["published"] or r["first_fetched_at"]
        table.add_row(when.strftime("%Y-%m-%d %H:%M") if when else "-", r["source"], str(r["copies"]),
                      str(len(r["sources"] if by_source else r["outlets"])), human_lag(r["median_lag_seconds"]),
                      _cut(r["title"] or "(no title)", room))
    console.print(table)
    if total > shown.num_rows:
        console.print(f"{total - shown.num_rows} more (--limit 0 shows all)")
    if not st.STORIES_FILE or not (root / st.STORIES_FILE).exists():
        console.print("(computed now: this corpus has no stories table yet; the next crawl writes it)")
    return 0


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def story_titles(root: Path, story_ids: list[str]) -> dict[str, dict[str, Any]]:
    """story_id -> title, first publisher (source) and its publication time, from the stories
    table; {} when the corpus has none yet (`status` must stay cheap: nothing is computed)."""
    if not story_ids:
        return {}
    t = st.read(root, compute_missing=False)
    t = t.filter(pc.is_in(t["story_id"], value_set=pa.array(story_ids, pa.string())))
    return {r["story_id"]: {"title": r["title"], "first_publisher": r["source"], "published": iso(r["published"])}
            for r in t.select(["story_id", "title", "source", "published"]).to_pylist()}


# -- the report's data ----------------------------------------------------------------------------
@dataclass
class ReportData:
    corpus: str
    generated_at: str
    since: str | None
    by: str
    totals: dict[str, int]
    per_day: pa.Table            # day, outlet, unique, copies
    matrix: pa.Table             # outlet, origin, copies, median_lag_seconds
    lags: pa.Table               # outlet, n, q05, q25, q50, q75, q95 (seconds)
    largest: list[dict[str, Any]]  # stories with their members (lag, outlet)
    health: list[dict[str, Any]]
    failures: pa.Table           # source, reason, n
    settings: dict[str, Any] = field(default_factory=dict)


def group_quantiles(keys: pa.Array, values: np.ndarray, qs: tuple[float, ...]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Exact (linear) quantiles of ``values`` per distinct key: (keys, counts, quantiles[group, q])."""
    if len(keys) == 0:
        return pa.array([], keys.type), np.zeros(0, np.int64), np.zeros((0, len(qs)))
    t = pa.table({"k": keys, "v": values}).sort_by([("k", "ascending"), ("v", "ascending")])
    k = t["k"].combine_chunks()
    v = t["v"].to_numpy()
    new = np.ones(len(k), dtype=bool)
    if len(k) > 1:
        new[1:] = pc.not_equal(k.slice(1), k.slice(0, len(k) - 1)).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, len(k)))
    out = np.empty((len(starts), len(qs)))
    for j, q in enumerate(qs):  # a loop over the few quantiles, vectorised over the groups
        pos = q * (sizes - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        out[:, j] = v[starts + lo] + (v[starts + hi] - v[starts + lo]) * (pos - lo)
    return k.take(pa.array(starts)), sizes, out


def report_data(root: Path, *, since: dt.datetime | None = None, by: str = "source", top: int = 10,
                settings: dict[str, Any] | None = None) -> ReportData:
    """Everything the report shows. ``by``: "source" (config source names) or "site" (hosts)."""
    check_corpus(root)
    stories, members = st.read_both(root, ["story_id", by, "published", "fetched_at", "rank", "lag_seconds"])
    if since is not None:
        s_mask = pc.fill_null(pc.greater_equal(_story_time(stories), _ts_scalar(since)), False)
        stories = stories.filter(s_mask)
        members = members.filter(pc.is_in(members["story_id"], value_set=stories["story_id"].combine_chunks()))
    when = pc.coalesce(members["published"], members["fetched_at"])
    is_copy = pc.greater(members["rank"], 0)
    outlet = members[by]
    # articles per day per outlet, unique (representatives) vs copies
    day = pc.cast(when, pa.date32()) if members.num_rows else pa.chunked_array([], pa.date32())
    daily = pa.table({"day": day, "outlet": outlet, "copy": is_copy}).group_by(
        ["day", "outlet", "copy"], use_threads=False).aggregate([([], "count_all")])
    per_day = _pivot_copy(daily)
    # who copies whom: copies by outlet x the representative's outlet
    origin_of = stories.select(["story_id", by]).rename_columns(["story_id", "origin"])
    copies = members.filter(is_copy).select(["story_id", by, "lag_seconds"]).rename_columns(
        ["story_id", "outlet", "lag_seconds"])
    copies = copies.join(origin_of, "story_id") if copies.num_rows else copies.append_column(
        "origin", pa.array([], pa.string()))
    pair = pc.binary_join_element_wise(copies["outlet"], copies["origin"], "\x1f") if copies.num_rows \
        else pa.array([], pa.string())
    keys, counts, med = group_quantiles(pair.combine_chunks() if isinstance(pair, pa.ChunkedArray) else pair,
                                        copies["lag_seconds"].to_numpy() if copies.num_rows else np.zeros(0), (0.5,))
    split = [k.split("\x1f") for k in keys.to_pylist()]  # one per (outlet, origin) pair, not per document
    matrix = pa.table({"outlet": [s[0] for s in split], "origin": [s[1] for s in split],
                       "copies": pa.array(counts, pa.int64()), "median_lag_seconds": pa.array(med[:, 0])})
    # lag distribution per outlet
    qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    keys, counts, qv = group_quantiles(copies["outlet"].combine_chunks() if copies.num_rows else pa.array([], pa.string()),
                                       copies["lag_seconds"].to_numpy() if copies.num_rows else np.zeros(0), qs)
    lags = pa.table({"outlet": keys, "n": pa.array(counts, pa.int64()),
                     **{f"q{int(q * 100):02d}": pa.array(qv[:, i]) for i, q in enumerate(qs)}})
    # the largest stories with their spread
    big = select_stories(stories, min_copies=1).slice(0, top)
    spread = members.filter(pc.is_in(members["story_id"], value_set=big["story_id"].combine_chunks())) \
        .select(["story_id", by, "lag_seconds", "rank"]).sort_by([("story_id", "ascending"), ("rank", "ascending")])
    by_story: dict[str, list[tuple[str, int]]] = {}
    for sid, o, lag in zip(spread["story_id"].to_pylist(), spread[by].to_pylist(), spread["lag_seconds"].to_pylist()):
        by_story.setdefault(sid, []).append((o, lag))  # at most `top` stories
    largest = [{**story_json(r), "origin": r[by], "spread": by_story.get(r["story_id"], [])} for r in big.to_pylist()]
    health, failures = crawl_health(root, since)
    n_docs = members.num_rows
    n_copies = int(pc.sum(is_copy.cast(pa.int64())).as_py() or 0) if n_docs else 0
    totals = {"documents": n_docs, "stories": stories.num_rows, "copies": n_copies,
              "stories_with_copies": int(pc.sum(pc.greater(stories["copies"], 0).cast(pa.int64())).as_py() or 0)
              if stories.num_rows else 0}
    return ReportData(corpus=str(root), generated_at=iso(dt.datetime.now(UTC)) or "", since=iso(since), by=by,
                      totals=totals, per_day=per_day, matrix=matrix, lags=lags, largest=largest, health=health,
                      failures=failures, settings=settings or {})


def _pivot_copy(daily: pa.Table) -> pa.Table:
    """(day, outlet, copy, count_all) -> (day, outlet, unique, copies)."""
    daily = daily.append_column("u", pc.if_else(daily["copy"], 0, daily["count_all"])).append_column(
        "c", pc.if_else(daily["copy"], daily["count_all"], 0))
    t = daily.group_by(["day", "outlet"], use_threads=False).aggregate([("u", "sum"), ("c", "sum")])
    t = t.select(["day", "outlet", "u_sum", "c_sum"]).rename_columns(["day", "outlet", "unique", "copies"])
    return t.sort_by([("day", "ascending"), ("outlet", "ascending")])


def crawl_health(root: Path, since: dt.datetime | None) -> tuple[list[dict[str, Any]], pa.Table]:
    """Per source: runs by status, requests, 304s and their share, the last success (crawl runs only:
    an `ingest` credited to a source is no run of its crawl); and failed URLs by source and reason. Aggregated by SQLite from the state database (read-only)."""
    path = root / STATE / "state.sqlite3"
    empty = pa.table({"source": pa.array([], pa.string()), "reason": pa.array([], pa.string()),
                      "n": pa.array([], pa.int64())})
    if not path.exists():
        return [], empty
    t0 = since.timestamp() if since else 0.0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT source, count(*), sum(status='completed'), sum(status='failed'), sum(status='interrupted'),"
            " coalesce(sum(json_extract(counts, '$.requests')), 0), coalesce(sum(json_extract(counts, '$.not_modified')), 0),"
            " max(CASE WHEN status='completed' THEN finished_at END), max(started_at)"
            " FROM runs WHERE started_at >= ? AND status != 'running' AND kind NOT IN " + NOT_CRAWLS +
            " GROUP BY source ORDER BY source", (t0,)).fetchall()
        fails = db.execute("SELECT source, reason, count(*) FROM errors WHERE outcome='failed' AND at >= ?"
                           " GROUP BY source, reason ORDER BY source, count(*) DESC", (t0,)).fetchall()
    finally:
        db.close()
    health = []
    for src, runs, ok, failed, interrupted, requests, not_modified, last_ok, last_run in rows:
        health.append({"source": src, "runs": runs, "completed": ok or 0, "failed": failed or 0,
                       "interrupted": interrupted or 0, "requests": int(requests), "not_modified": int(not_modified),
                       "share_304": (not_modified / requests) if requests else None,
                       "last_success": iso(dt.datetime.fromtimestamp(last_ok, UTC)) if last_ok else None,
                       "last_run": iso(dt.datetime.fromtimestamp(last_run, UTC)) if last_run else None})
    failures = pa.table({"source": [f[0] or "" for f in fails], "reason": [f[1] for f in fails],
                         "n": pa.array([f[2] for f in fails], pa.int64())}) if fails else empty
    return health, failures


def settings_of(cfg: Any, root: Path) -> dict[str, Any]:
    """The dedup and filter settings in force: the config's, and the dedup index's from the manifest."""
    from copydesk.storage import Corpus

    manifest = Corpus(root).manifest
    out: dict[str, Any] = {"dedup (config)": {"threshold": cfg.dedup.threshold, "window": f"{cfg.dedup.window / 86400:g}d"},
                           "filter (config)": {"keywords": list(cfg.filter.keywords) or "all",
                                               "languages": list(cfg.filter.languages) or "all",
                                               "since": cfg.filter.since.isoformat() if cfg.filter.since else "-"}}
    if manifest.get("dedup"):
        out["dedup index (manifest.json)"] = manifest["dedup"]
    if cfg.path:
        out["config file"] = str(cfg.path)
    return out


def report_command(cfg: Any, root: Path, *, since: str | None, out: Path, by: str = "source") -> int:
    from copydesk import report_html
    from copydesk.report import console

    if out.exists() and out.is_dir():
        raise UsageError(f"-o {out}: is a directory; give a file name such as report.html")
    if not out.parent.is_dir():
        raise UsageError(f"-o {out}: no such directory {out.parent}")
    data = report_data(root, since=parse_since(since), by=by, settings=settings_of(cfg, root))
    from copydesk.storage.atomic import write_atomic

    write_atomic(out, report_html.render(data).encode("utf-8"))
    console.print(f"report: {out} ({data.totals['documents']} documents, {data.totals['stories']} stories, "
                  f"{data.totals['stories_with_copies']} with copies)")
    return 0
