"""`copydesk status`: sources with last/next run, corpus size and clusters, recent errors."""
from __future__ import annotations

import time
from typing import Any

from copydesk.config import Config
from storage import StateStore
from storage.corpus import STATE, Corpus


def _ts(t: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t else None


def collect(cfg: Config) -> dict[str, Any]:
    state_path = cfg.corpus / STATE / "state.sqlite3"
    info: dict[str, Any] = {"corpus": str(cfg.corpus), "exists": state_path.exists(), "sources": [], "corpus_stats": {},
                            "largest_clusters": [], "skipped": {}, "recent_errors": []}
    last: dict[str, dict[str, Any]] = {}
    if state_path.exists():
        state = StateStore(state_path)
        try:
            last = state.last_runs()
            counts = state.counts()
            counts["size_on_disk_bytes"] = _du(cfg.corpus)
            info["corpus_stats"] = counts
            info["largest_clusters"] = [{"cluster_id": c, "documents": n} for c, n in state.largest_clusters(5)]
            info["skipped"] = state.skipped_counts()
            info["recent_errors"] = [{**e, "at": _ts(e["at"])} for e in state.recent_errors(10)]
        finally:
            state.close()
        info["manifest"] = Corpus(cfg.corpus).manifest
    from copydesk.schedule import next_run

    names = [s.name for s in cfg.sources] + [n for n in last if n not in {s.name for s in cfg.sources}]
    for name in names:
        run = last.get(name)
        src = next((s for s in cfg.sources if s.name == name), None)
        entry: dict[str, Any] = {"name": name, "configured": src is not None}
        if run:
            entry["last_run"] = {"started": _ts(run["started_at"]), "finished": _ts(run["finished_at"]),
                                 "duration_s": round((run["finished_at"] or run["started_at"]) - run["started_at"], 1),
                                 "status": run["status"], "kind": run["kind"], "counts": run["counts"]}
        if src is not None:
            entry["next_run"] = _ts(next_run(cfg, src, run["started_at"] if run and run["status"] == "completed" else None))
        info["sources"].append(entry)
    return info


def _du(root: Any) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def render(info: dict[str, Any]) -> None:
    from rich.table import Table

    from copydesk.report import console

    console.print(f"[bold]corpus[/bold] {info['corpus']}")
    if not info["exists"]:
        console.print("  (empty: nothing crawled or ingested yet)")
    t = Table(title="sources", title_justify="left")
    for col in ("source", "last run (UTC)", "took", "status", "new", "copies", "skipped", "failed", "next run"):
        t.add_column(col, no_wrap=True)
    def short(ts: str | None) -> str:
        return ts[5:16].replace("T", " ") if ts else "-"

    for s in info["sources"]:
        r = s.get("last_run") or {}
        c = r.get("counts") or {}
        t.add_row(s["name"], short(r.get("started")) if r else "never", f"{r['duration_s']}s" if r else "-", r.get("status", "-"),
                  str(c.get("stored_new", "-")), str(c.get("stored_copy", "-")),
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
        console.print("largest clusters: " + ", ".join(f"{c['cluster_id']} ({c['documents']})"
                                                      for c in info["largest_clusters"]))
    if info["skipped"]:
        console.print("skipped URLs by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(info["skipped"].items())))
    if info["recent_errors"]:
        t = Table(title="recent errors", title_justify="left")
        for col in ("at", "source", "reason", "url"):
            t.add_column(col)
        for e in info["recent_errors"]:
            t.add_row(e["at"], e["source"] or "", e["reason"], e["url"] or "")
        console.print(t)
