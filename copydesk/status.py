"""`copydesk status`: the daemon (running or not, pid, since when, its last error), sources with
last/next run, corpus size and clusters, recent errors.

It only reads: the state database is opened read-only (no schema, no WAL switch, no files created),
so it works for a user who may only read the corpus, and while a daemon writes it. Whether a daemon
holds the corpus, and its schedule, come from the lock file (storage.lock.holder).

With a [cluster] config it also shows the cluster (copydesk.cluster.registry.cluster_status: one
pipelined read): workers, the frontier, docs waiting for the writer, the writer lease; the sources'
runs and recent errors merge what the cluster keeps in Redis (``_merge_shared``). A worker host
has no corpus (the writer holds it): there, status shows the cluster alone. Redis unreachable: one
line and exit status 2, like a missing corpus.
"""
from __future__ import annotations

import calendar
import json
import time
from pathlib import Path
from typing import Any

from copydesk.config import ClusterSettings, Config
from copydesk.errors import UsageError
from copydesk.storage import StateStore
from copydesk.storage.corpus import STATE
from copydesk.storage.lock import holder


def _ts(t: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t else None


def check_corpus(corpus: Path) -> None:
    """A corpus directory to report on: it exists and looks like one (a typo is an error, exit 2)."""
    if not corpus.exists():
        raise UsageError(f"no corpus at {corpus}: no such directory (check --corpus or the config's `corpus`)")
    if not corpus.is_dir():
        raise UsageError(f"{corpus} is not a directory (check --corpus or the config's `corpus`)")
    if not any((corpus / name).exists() for name in (STATE, "manifest.json", "documents")):
        raise UsageError(f"{corpus} is not a copydesk corpus (no manifest.json, documents/ or {STATE}/)")


def daemon_info(corpus: Path) -> dict[str, Any]:
    """The daemon (or other writer) holding the corpus, from its lock file."""
    h = holder(corpus)
    if h is None:
        return {"running": False}
    out: dict[str, Any] = {"running": h.get("running"), "pid": h.get("pid"), "host": h.get("host"),
                           "command": h.get("command"), "since": _ts(h.get("since"))}
    if h.get("running") is False:
        out["note"] = "the process that held the corpus died without releasing it"
    if "next_runs" in h:
        out["next_runs"] = h["next_runs"]
    if h.get("last_error"):
        e = h["last_error"]
        out["last_error"] = {**e, "at": _ts(e.get("at"))}
    return out


def cluster_info(settings: ClusterSettings, shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """The cluster as `status` shows it; UsageError (one line) when Redis cannot be asked.
    ``shared``: filled with the runs and errors the cluster keeps in Redis (cluster.seen.status_view)."""
    import redis

    from copydesk.cluster.connection import client, keys_prefix, safe_url
    from copydesk.cluster.registry import cluster_status
    from copydesk.cluster.seen import status_view

    where = safe_url(settings.redis)
    c = client(settings.redis, socket_timeout=5.0)
    try:
        out = cluster_status(c, keys_prefix(settings.name))
        if shared is not None:
            shared.update(status_view(c, keys_prefix(settings.name)))
    except redis.RedisError as e:
        raise UsageError(f"redis unavailable at {where}: cannot show the cluster ({type(e).__name__}: {e})") from None
    finally:
        c.close()
    return {"redis": where, "name": settings.name, "prefix": keys_prefix(settings.name), **out}


def collect(cfg: Config) -> dict[str, Any]:
    """Everything `status` shows (`--json` prints this)."""
    if cfg.cluster is None:
        return collect_corpus(cfg)
    shared: dict[str, Any] = {}
    cluster = cluster_info(cfg.cluster, shared)
    if not cfg.corpus.exists():  # a worker host: the writer's host holds the corpus
        return {"corpus": str(cfg.corpus), "corpus_here": False, "cluster": cluster}
    return {**collect_corpus(cfg, shared), "corpus_here": True, "cluster": cluster}


def collect_corpus(cfg: Config, shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """The corpus and its daemon (everything `status` shows without a cluster). ``shared``: a
    cluster's runs and errors in Redis (cluster.seen.status_view), merged with the writer's corpus
    state (``_merge_shared``)."""
    from copydesk.schedule import next_run

    check_corpus(cfg.corpus)
    state_path = cfg.corpus / STATE / "state.sqlite3"
    info: dict[str, Any] = {"corpus": str(cfg.corpus), "exists": state_path.exists(), "daemon": daemon_info(cfg.corpus),
                            "sources": [], "corpus_stats": {}, "largest_clusters": [], "skipped": {},
                            "recent_errors": []}
    last: dict[str, dict[str, Any]] = {}
    completed: dict[str, float | None] = {}
    names = [s.name for s in cfg.sources]
    if state_path.exists():
        state = StateStore(state_path, readonly=True)
        try:
            last = state.last_runs()
            completed = {n: state.last_completed(n) for n in names}
            counts = state.counts()
            counts["size_on_disk_bytes"] = _du(cfg.corpus)
            info["corpus_stats"] = counts
            info["largest_clusters"] = [{"cluster_id": c, "documents": n} for c, n in state.largest_clusters(5)]
            from copydesk.newsroom import story_titles  # titles and first publishers, from the stories table

            titles = story_titles(cfg.corpus, [c["cluster_id"] for c in info["largest_clusters"]])
            for c in info["largest_clusters"]:
                c.update(titles.get(c["cluster_id"], {}))
            info["skipped"] = state.skipped_counts()
            info["recent_errors"] = [{**e, "at": _ts(e["at"])} for e in state.recent_errors(10)]
        finally:
            state.close()
        manifest = cfg.corpus / "manifest.json"
        if manifest.exists():
            info["manifest"] = json.loads(manifest.read_text())
    if shared:
        last, completed = _merge_shared(info, last, completed, shared)

    daemon_runs = info["daemon"].get("next_runs") if info["daemon"].get("running") else None
    for name in names + [n for n in last if n not in names]:
        run = last.get(name)
        src = next((s for s in cfg.sources if s.name == name), None)
        entry: dict[str, Any] = {"name": name, "configured": src is not None}
        if run:
            took = _took(run)
            entry["last_run"] = {"started": _ts(run["started_at"]), "finished": _ts(run["started_at"] + took),
                                 "duration_s": round(took, 1),
                                 "status": run["status"], "kind": run["kind"], "counts": run["counts"]}
        if daemon_runs is not None and name in daemon_runs:
            entry["next_run"] = daemon_runs[name]  # the daemon's own schedule: what /healthz says
        elif src is not None:
            entry["next_run"] = _ts(next_run(cfg, src, completed.get(name)))
        info["sources"].append(entry)
    return info


Runs = dict[str, dict[str, Any]]


def _merge_shared(info: dict[str, Any], local: Runs, completed: dict[str, float | None],
                  shared: dict[str, Any]) -> tuple[Runs, dict[str, float | None]]:
    """A cluster's view of its sources (docs/scale-out-serve.md): a source's run is counted by three
    roles. Discovery records its run in Redis (requests, discovered, known); the writer's run in its
    corpus counts what it stored; the shared fetch crawl fetches the articles in no run of a source,
    its failures and skips are only the error rows in Redis (run 0). The last run shown is the
    discovery run merged with the writer's run of the same round (started after it) and the fetch
    crawl's rows since it started; the next run comes from the cluster's last completed run. Recent
    errors are the cluster's (the writer's are mirrored into Redis) merged with the corpus's own."""
    errors = shared.get("errors") or []
    runs = dict(local)
    for name, d in (shared.get("last") or {}).items():
        w = local.get(name)
        if w is not None and w["started_at"] < d["started_at"]:
            w = None  # the writer stored nothing of this round (yet)
        elif w is not None and w.get("kind") == "ingest":
            continue  # an ingest credited to the source since: shown as is
        runs[name] = _merged_run(d, w, [e for e in errors if e.get("source") == name and not e.get("run")
                                        and (e.get("at") or 0) >= d["started_at"]])
    done = {**completed, **(shared.get("completed") or {})}  # the cluster schedules from Redis
    rows = [e for e in errors if e.get("outcome") == "failed"]
    seen = {(e.get("source"), e.get("url"), e.get("reason")) for e in rows}
    for e in info["recent_errors"]:  # already formatted; the writer's rows are in Redis too
        if (e["source"], e["url"], e["reason"]) not in seen:
            rows.append({**e, "at": calendar.timegm(time.strptime(e["at"], "%Y-%m-%dT%H:%M:%SZ")) if e["at"] else None})
    rows.sort(key=lambda e: e.get("at") or 0, reverse=True)
    info["recent_errors"] = [{k: e.get(k) for k in ("at", "source", "url", "outcome", "reason", "detail")}
                             | {"at": _ts(e.get("at"))} for e in rows[:10]]
    return runs, done


def _merged_run(d: dict[str, Any], w: dict[str, Any] | None, fetch_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Discovery's run ``d`` + the writer's run ``w`` (or None) + the fetch crawl's error rows."""
    counts: dict[str, Any] = {}
    for run in (d, w):
        for k, v in ((run or {}).get("counts") or {}).items():
            if isinstance(v, dict):
                acc = counts.setdefault(k, {})
                for r, n in v.items():
                    acc[r] = acc.get(r, 0) + n
            elif isinstance(v, (int, float)) and k != "elapsed_s":
                counts[k] = counts.get(k, 0) + v
            elif k not in counts:
                counts[k] = v
    urls: set[tuple[str | None, str | None]] = set()
    for e in fetch_rows:  # one per URL and outcome: the round's fetch failures and skips
        if (e.get("url"), e.get("outcome")) in urls or e.get("outcome") not in ("failed", "skipped"):
            continue
        urls.add((e.get("url"), e.get("outcome")))
        acc = counts.setdefault(e["outcome"], {})
        acc[e.get("reason")] = acc.get(e.get("reason"), 0) + 1
    # the fetch crawl keeps no per-source request count: one request per article page the writer
    # got or the fetch crawl failed or skipped
    counts["requests"] = ((d.get("counts") or {}).get("requests", 0) + len(urls)
                          + ((w or {}).get("counts") or {}).get("pages", 0))
    end = max(d["started_at"] + _took(d), w["started_at"] + _took(w) if w else 0,
              max((e.get("at") or 0 for e in fetch_rows), default=0))
    counts["elapsed_s"] = round(end - d["started_at"], 3)
    status = d["status"] if d["status"] != "completed" or w is None else w["status"]
    return {"kind": d.get("kind"), "started_at": d["started_at"], "finished_at": end, "status": status,
            "counts": counts}


def _took(run: dict[str, Any]) -> float:
    """How long a run took: its own time (counts' elapsed_s: in a crawl of several sources, up to
    the source's last event, docs/operations.md), else from its start to its recording."""
    elapsed = (run.get("counts") or {}).get("elapsed_s")
    if isinstance(elapsed, (int, float)):
        return float(elapsed)
    return (run["finished_at"] or run["started_at"]) - run["started_at"]


def _du(root: Path) -> int:
    total = 0
    for p in root.rglob("*"):
        try:
            if p.is_file():
                total += p.stat().st_size
        except OSError:  # a part file moved or a temporary file removed meanwhile, or not ours to read
            pass
    return total


def _console() -> Any:
    from copydesk.report import table_console

    return table_console()


def render(info: dict[str, Any]) -> None:
    console = _console()
    if "cluster" in info:
        render_cluster(console, info["cluster"])
    if info.get("corpus_here") is False:
        console.print(f"corpus {info['corpus']}: not on this host (the writer's host holds it)", markup=False)
        return
    render_corpus(console, info)


def render_cluster(console: Any, c: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(f"[bold]cluster[/bold] {c['name']} on {c['redis']}")
    w = c["writer"]
    if w["holder"]:
        console.print(f"writer: {w['holder']} (lease {w['expires_in']:.0f}s left)" if w["expires_in"] is not None
                      else f"writer: {w['holder']}", markup=False)
    else:
        console.print("writer: none (docs wait in Redis until a daemon with the corpus takes the lease)")
    f, d = c["frontier"], c["docs"]
    # acknowledged entries are deleted: the stream's length is queued + leased
    console.print(f"frontier: {f['length']} requests ({f['pending']} leased to workers, "
                  f"{f['length'] - f['pending']} queued) · docs waiting for the writer: {d['length']}", markup=False)
    if f.get("dead"):
        console.print(f"frontier dead letters: {f['dead']} (requests no worker could read or finish; "
                      f"XRANGE {c['prefix']}frontier:dead - +)", markup=False)
    if not c["workers"]:
        console.print("workers: none")
        return
    t = Table(title="workers", title_justify="left")
    for col in ("worker", "host", "pid", "role", "heartbeat", "pages/min"):
        t.add_column(col, no_wrap=True)
    for wk in c["workers"]:
        t.add_row(wk["id"], wk["host"], str(wk["pid"]), wk["role"],
                  f"{wk['age']:.0f}s ago" + (" (stale)" if wk["stale"] else ""), f"{wk['pages_per_min']:g}")
    console.print(t)


def _run_status(run: dict[str, Any]) -> str:
    """A run's status as the table shows it; an ingest credited to a source (`ingest --source NAME`)
    is labelled: it fetched nothing from the source and does not move its next run."""
    if not run:
        return "-"
    return f"{run['status']} (ingest)" if run.get("kind") == "ingest" else run["status"]


def render_corpus(console: Any, info: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(f"[bold]corpus[/bold] {info['corpus']}")
    d = info["daemon"]
    if d.get("running"):
        line = f"daemon: running, pid {d['pid']} on {d['host']}, since {d['since']} (`{d['command']}`)"
    elif d.get("running") is None and d.get("pid"):
        line = f"daemon: held by pid {d['pid']} on another host ({d['host']}), since {d['since']} (`{d['command']}`)"
    elif d.get("pid"):
        line = f"daemon: not running (pid {d['pid']}, `{d['command']}`, since {d['since']}, died without releasing the corpus)"
    else:
        line = "daemon: not running"
    console.print(line, markup=False)
    if d.get("last_error"):
        e = d["last_error"]
        console.print(f"daemon's last error: {e['at']} {e.get('logger', '')}: {e.get('msg', '')}", markup=False)
    if not info["exists"]:
        console.print("  (empty: nothing crawled or ingested yet)")
    t = Table(title="sources", title_justify="left")
    for col in ("source", "last run (UTC)", "took", "status", "new", "copies", "skipped", "failed", "next run (UTC)"):
        t.add_column(col, no_wrap=True)

    def short(ts: str | None) -> str:
        return ts[5:16].replace("T", " ") if ts else "-"

    for s in info["sources"]:
        r = s.get("last_run") or {}
        c = r.get("counts") or {}
        t.add_row(s["name"], short(r.get("started")) if r else "never", f"{r['duration_s']}s" if r else "-",
                  _run_status(r), str(c.get("stored_new", "-")), str(c.get("stored_copy", "-")),
                  str(sum((c.get("skipped") or {}).values())) if c else "-",
                  str(sum((c.get("failed") or {}).values())) if c else "-",
                  short(s.get("next_run")))
    console.print(t)
    cs = info["corpus_stats"]
    if cs:
        console.print(f"documents {cs['documents']} · unique stories {cs['unique_documents']} · copies {cs['copies']}"
                      f" · clusters with copies {cs['clusters_with_copies']} · part files {cs['parts']}"
                      f" · size on disk {cs['size_on_disk_bytes'] / 1e6:.1f} MB")
    if info["largest_clusters"]:
        console.print("largest stories (copydesk stories lists them all):")
        for c in info["largest_clusters"]:
            first = f"first {c['first_publisher']} {(c.get('published') or '')[:16].replace('T', ' ')}: " \
                if c.get("first_publisher") else ""
            n = c["documents"]
            console.print(f"  {n:>4} article{'s' if n != 1 else ' '}  {first}{c.get('title') or c['cluster_id']}",
                          markup=False)
    if info["skipped"]:
        console.print("skipped URLs by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(info["skipped"].items())))
    if info["recent_errors"]:
        t = Table(title="recent errors", title_justify="left")
        for col in ("at", "source", "reason", "url"):
            t.add_column(col, no_wrap=True)
        for e in info["recent_errors"]:
            t.add_row(e["at"], e["source"] or "", e["reason"], e["url"] or "")
        console.print(t)
