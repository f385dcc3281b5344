"""`copydesk report`: one self-contained HTML page (docs/report.md).

Charts are matplotlib figures saved as SVG and written inline into the page: no script, no style
sheet, font or image from anywhere else, so the file opens offline and makes no request. matplotlib
because it draws static charts without a browser runtime (Altair/Vega-Lite would need ~1 MB of
JavaScript inlined and a JS engine to draw), is a long-maintained PyPI wheel, and its SVG keeps
text as text (searchable, selectable). The data comes aggregated from copydesk.newsroom.
"""
from __future__ import annotations

import io
import re
from html import escape
from typing import Any

import numpy as np
import pyarrow as pa

from copydesk.newsroom import ReportData, human_lag

PALETTE = ["#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d96a3", "#6a4c93", "#c06c84", "#2e4057",
           "#f18f01", "#99c24d", "#048ba8"]
UNIQUE, COPY = "#1f5f8b", "#9cc3dd"


def _figure(width: float, height: float, layout: str | None = "constrained") -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96, layout=layout)


def _svg(fig: Any, name: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name, "font.size": 9}):
        fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE (not allowed inside HTML)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    return f'<figure class="chart" data-chart="{escape(name)}">{svg}</figure>'


def _colors(names: list[str]) -> dict[str, str]:
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(sorted(names))}


# -- charts ----------------------------------------------------------------------------------------
def chart_per_day(d: ReportData, max_outlets: int = 12, max_days: int = 90) -> str:
    """Small multiples, one per outlet (the busiest ``max_outlets``), over the last ``max_days``
    days up to today (or from --since): archive pages and far-future dates would stretch it."""
    t = d.per_day
    day = t["day"].cast("int32").to_numpy() if t.num_rows else np.zeros(0, np.int32)  # days since 1970-01-01
    today = int(np.datetime64(d.generated_at[:10], "D").astype(np.int64))
    start = int(np.datetime64(d.since[:10], "D").astype(np.int64)) if d.since else None
    if day.size:
        end = min(int(day.max()), today)
        start = max(start if start is not None else int(day.min()), end - max_days + 1)
        keep = (day >= start) & (day <= end)
    else:
        keep = np.zeros(0, dtype=bool)
    outside = int(t["unique"].to_numpy()[~keep].sum() + t["copies"].to_numpy()[~keep].sum()) if t.num_rows else 0
    note = (f'<p class="meta">{outside:,} articles published outside the days shown (archive pages, '
            f"older stories, dates in the future) are counted everywhere else.</p>") if outside else ""
    t = t.filter(pa.array(keep))
    if t.num_rows == 0:
        return '<p class="empty">No articles in this period.</p>' + note
    outlets = np.array(t["outlet"].to_pylist(), dtype=object)
    day = day[keep]
    uniq, cop = t["unique"].to_numpy(), t["copies"].to_numpy()
    names = list(dict.fromkeys(sorted(outlets, key=lambda o: -(uniq[outlets == o].sum() + cop[outlets == o].sum()))))
    names = names[:max_outlets]
    first, last = int(day.min()), int(day.max())
    x = (np.arange(first, last + 2)).astype("datetime64[D]")  # one more day: the last step's right edge
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    import matplotlib.dates as mdates
    from matplotlib.ticker import MaxNLocator

    fig = _figure(10, 1.9 * rows + 0.6, layout=None)  # a fixed grid: constrained layout costs seconds here
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - 0.35 / (1.9 * rows + 0.6), bottom=0.6 / (1.9 * rows + 0.6),
                        hspace=0.45, wspace=0.18)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names):
        m = outlets == name
        u = np.zeros(last - first + 2)
        c = np.zeros(last - first + 2)
        u[day[m] - first] = uniq[m]  # one row per (day, outlet): a dense series per outlet
        c[day[m] - first] = cop[m]
        ax.fill_between(x, 0, u, step="post", color=UNIQUE, label="unique (first publication)", linewidth=0)
        ax.fill_between(x, u, u + c, step="post", color=COPY, label="copies", linewidth=0)
        ax.set_title(name, fontsize=9, loc="left")
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.tick_params(labelsize=7)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.supylabel("articles per day", fontsize=8)
    return _svg(fig, "per-day") + note


def chart_matrix(d: ReportData, max_outlets: int = 20) -> str:
    t = d.matrix
    if t.num_rows == 0:
        return '<p class="empty">No copies: every story was published by one outlet only.</p>'
    outlet, origin = t["outlet"].to_pylist(), t["origin"].to_pylist()
    n, lag = t["copies"].to_pylist(), t["median_lag_seconds"].to_pylist()
    total: dict[str, int] = {}
    for o, g, c in zip(outlet, origin, n):  # one per (outlet, origin) pair
        total[o] = total.get(o, 0) + c
        total[g] = total.get(g, 0) + c
    rows = sorted({o for o in outlet}, key=lambda o: -total[o])[:max_outlets]
    cols = sorted({g for g in origin}, key=lambda g: -total[g])[:max_outlets]
    grid = np.zeros((len(rows), len(cols)))
    for o, g, c, l in zip(outlet, origin, n, lag):
        if o in rows and g in cols:
            grid[rows.index(o), cols.index(g)] = c
    fig = _figure(min(10, 2.2 + 1.1 * len(cols)), 1.2 + 0.5 * len(rows))
    ax = fig.subplots()
    im = ax.imshow(grid, cmap="Blues", aspect="auto", vmin=0)
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("origin (first publisher)")
    ax.set_ylabel("outlet carrying the copy")
    for o, g, c, l in zip(outlet, origin, n, lag):
        if o in rows and g in cols:
            i, j = rows.index(o), cols.index(g)
            ax.text(j, i, f"{c}\n{human_lag(l)}", ha="center", va="center", fontsize=8,
                    color="white" if grid[i, j] > grid.max() * 0.6 else "black")
    fig.colorbar(im, ax=ax, label="copies", shrink=0.8)
    return _svg(fig, "who-copies-whom")


def chart_largest(d: ReportData) -> str:
    if not d.largest:
        return '<p class="empty">No story with copies in this period.</p>'
    outlets = sorted({o for s in d.largest for o, _ in s["spread"]})
    color = _colors(outlets)
    fig = _figure(10, 0.9 + 0.42 * len(d.largest))
    ax = fig.subplots()
    seen: set[str] = set()
    for y, s in enumerate(d.largest):
        for k, (o, lag) in enumerate(s["spread"]):
            h = lag / 3600
            ax.scatter([h], [y], s=90 if k == 0 else 40, marker="*" if k == 0 else "o", color=color[o],
                       edgecolor="black", linewidth=0.4, zorder=3, label=None if o in seen else o)
            seen.add(o)
        last = s["spread"][-1][1] / 3600 if s["spread"] else 0
        ax.plot([0, last], [y, y], color="#bbbbbb", linewidth=1, zorder=1)
    titles = [(s["title"] or "(no title)") for s in d.largest]
    ax.set_yticks(range(len(titles)), [t if len(t) <= 60 else t[:59] + "…" for t in titles], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("symlog", linthresh=1)  # minutes to months on one axis: linear to 1 h, logarithmic beyond
    ax.set_xlim(left=-0.1)
    ax.set_xlabel("hours after the first publication (star: the first publisher; logarithmic beyond 1 h)")
    ax.grid(axis="x", color="#eeeeee")
    ax.legend(fontsize=7, loc="lower right", title="outlet", title_fontsize=7)
    return _svg(fig, "largest-stories")


def chart_lags(d: ReportData) -> str:
    t = d.lags
    if t.num_rows == 0:
        return '<p class="empty">No copies, so no lags.</p>'
    rows = t.to_pylist()
    rows.sort(key=lambda r: r["q50"])
    stats = [{"label": f"{r['outlet']} ({r['n']})", "whislo": r["q05"] / 3600, "q1": r["q25"] / 3600,
              "med": r["q50"] / 3600, "q3": r["q75"] / 3600, "whishi": r["q95"] / 3600, "fliers": []} for r in rows]
    fig = _figure(10, 0.9 + 0.45 * len(rows))
    ax = fig.subplots()
    ax.bxp(stats, orientation="horizontal", showfliers=False, patch_artist=True,
           boxprops={"facecolor": COPY, "edgecolor": UNIQUE}, medianprops={"color": "#d1495b", "linewidth": 2})
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(left=0)
    ax.set_xlabel("lag behind the first publication, hours, logarithmic beyond 1 h "
                  "(box: quartiles; whiskers: 5th-95th percentile)")
    ax.grid(axis="x", color="#eeeeee")
    return _svg(fig, "lags")


def chart_health(d: ReportData) -> str:
    if not d.health:
        return '<p class="empty">No runs recorded.</p>'
    names = [h["source"] for h in d.health]
    fig = _figure(10, 0.9 + 0.4 * len(names))
    ax = fig.subplots()
    left = np.zeros(len(names))
    for key, color in (("completed", "#66a182"), ("interrupted", "#edae49"), ("failed", "#d1495b")):
        v = np.array([h[key] for h in d.health], dtype=float)
        ax.barh(names, v, left=left, color=color, label=key)
        left += v
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.set_xlabel("runs")
    ax.legend(fontsize=7, loc="lower right")
    return _svg(fig, "crawl-health")


# -- the page --------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:2rem auto;max-width:1100px;
color:#1d2733;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #dde3ea}
.meta{color:#5b6776;font-size:.9rem} .cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{background:#f3f6f9;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.4rem} figure.chart{margin:.5rem 0} figure.chart svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0} th,td{padding:.2rem .6rem;border-bottom:1px solid #e5e9ee;
text-align:left;vertical-align:top} td.n{text-align:right} .empty{color:#5b6776;font-style:italic}
details{margin:.3rem 0} code{background:#f3f6f9;padding:0 .2rem}
"""


def _table(headers: list[str], rows: list[list[Any]], *, id_: str | None = None, numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="n">{escape(str(c))}</td>' if i in numeric else f"<td>{escape(str(c))}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    ident = f' id="{escape(id_)}"' if id_ else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _spread(spread: list[tuple[str, int]], n: int = 12) -> str:
    text = ", ".join(f"{o} +{human_lag(lag)}" for o, lag in spread[1:n + 1])
    return text + (f", … {len(spread) - 1 - n} more" if len(spread) - 1 > n else "")


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def render(d: ReportData) -> str:
    tot = d.totals
    by = "source" if d.by == "source" else "site"
    cards = "".join(f'<div class="card"><b>{v:,}</b>{escape(k)}</div>' for k, v in (
        ("documents", tot["documents"]), ("stories", tot["stories"]), ("copies", tot["copies"]),
        ("stories with copies", tot["stories_with_copies"])))
    matrix_rows = sorted(d.matrix.to_pylist(), key=lambda r: (-r["copies"], r["outlet"], r["origin"]))
    matrix_table = _table(["outlet", "origin (first publisher)", "copies", "median lag"],
                          [[r["outlet"], r["origin"], r["copies"], human_lag(r["median_lag_seconds"])] for r in matrix_rows],
                          id_="who-copies-whom", numeric={2, 3})
    largest = _table(["first published (UTC)", "first publisher", "title", "copies", "outlets", "spread (outlet +lag)"],
                     [[(s["published"] or s["first_fetched_at"] or "-").replace("T", " ")[:16], s["origin"], s["title"] or "(no title)", s["copies"],
                       len(s["sources"] if by == "source" else s["outlets"]),
                       _spread(s["spread"])] for s in d.largest],
                     id_="largest-stories-table", numeric={3, 4})
    lag_rows = [[r["outlet"], r["n"], human_lag(r["q25"]), human_lag(r["q50"]), human_lag(r["q75"]), human_lag(r["q95"])]
                for r in sorted(d.lags.to_pylist(), key=lambda r: r["q50"])]
    lags_table = _table(["outlet", "copies", "25th pct", "median", "75th pct", "95th pct"], lag_rows, numeric={1, 2, 3, 4, 5})
    failures: dict[str, list[str]] = {}
    for f in d.failures.to_pylist():
        failures.setdefault(f["source"], []).append(f"{f['reason']} {f['n']}")
    health = _table(["source", "runs", "completed", "failed", "interrupted", "requests", "304s", "share of 304s",
                     "last success (UTC)", "failed URLs by reason"],
                    [[h["source"], h["runs"], h["completed"], h["failed"], h["interrupted"], h["requests"],
                      h["not_modified"], _pct(h["share_304"]), (h["last_success"] or "never").replace("T", " ")[:16],
                      ", ".join(failures.get(h["source"], [])) or "-"] for h in d.health],
                    id_="crawl-health-table", numeric={1, 2, 3, 4, 5, 6, 7})
    settings = "".join(f"<h3>{escape(k)}</h3>" + (_table(["setting", "value"], [[a, b] for a, b in v.items()])
                                                  if isinstance(v, dict) else f"<p><code>{escape(str(v))}</code></p>")
                       for k, v in d.settings.items()) or '<p class="empty">No settings recorded.</p>'
    since = f" · stories since {escape(d.since)}" if d.since else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>copydesk report: {escape(d.corpus)}</title><style>{CSS}</style></head>
<body>
<h1>What the corpus says</h1>
<p class="meta">corpus <code>{escape(d.corpus)}</code> · generated {escape(d.generated_at)}{since} · outlets named by {by}.
A story is a cluster of copies; its first publisher is its earliest published member (docs/report.md).</p>
<div class="cards">{cards}</div>
<h2 id="per-day">Articles per day per outlet: first publications and copies</h2>
<p class="meta">By publication date (UTC; the fetch date for pages without one). Unique: the story's first publication; copies: every later member.</p>
{chart_per_day(d)}
<h2 id="syndication">Who copies whom</h2>
<p class="meta">Each cell: copies that an outlet (row) carried of stories first published by an origin (column), and their median lag.</p>
{chart_matrix(d)}
{matrix_table if len(matrix_rows) <= 20 else f"<details><summary>all {len(matrix_rows)} outlet-origin pairs</summary>{matrix_table}</details>"}
<h2 id="largest">The largest stories and how they spread</h2>
{chart_largest(d)}
{largest}
<h2 id="lags">Lag behind the first publication, per outlet</h2>
{chart_lags(d)}
{lags_table}
<h2 id="health">Crawl health per source</h2>
{chart_health(d)}
{health}
<h2 id="settings">Dedup and filter settings in force</h2>
{settings}
</body></html>
"""
