"""What people see: the live progress line and the end-of-run summary table (rich)."""
from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from copydesk.stats import RunStats, SourceCounts

console = Console(stderr=False, highlight=False)


def table_console() -> Console:
    """For tables: the terminal's width on a terminal; elsewhere (a pipe, a file, journald) wide
    enough that no column is cut: `comple…` in a log is useless."""
    if console.is_terminal:
        return console
    return Console(file=console.file, width=1000, highlight=False, color_system=None, soft_wrap=True)


def interactive() -> bool:
    return sys.stdout.isatty()


def progress() -> Progress:
    """A live progress display; silent (disabled) when stdout is not a terminal."""
    columns = [SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"), TimeElapsedColumn()]
    return Progress(*columns, console=console, disable=not interactive(), transient=False)


def _reasons(c: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"


def summary_table(stats: RunStats, *, title: str, crawl: bool = True) -> Table:
    """One row per source; the reasons behind 'skipped' and 'failed' are listed under the table."""
    t = Table(title=title, title_justify="left")
    cols = ["source"] + (["requests", "304"] if crawl else []) + ["pages", "new", "copies", "skipped", "failed", "time"]
    for i, col in enumerate(cols):
        t.add_column(col, justify="left" if i == 0 else "right")

    def row(name: str, c: SourceCounts, style: str | None = None) -> None:
        cells = [name] + ([str(c.requests), str(c.not_modified)] if crawl else [])
        cells += [str(c.pages), str(c.stored_new), str(c.stored_copy), str(sum(c.skipped.values())),
                  str(sum(c.failed.values())), f"{c.elapsed:.1f}s"]
        t.add_row(*cells, style=style)

    for name, c in sorted(stats.sources.items()):
        row(name, c)
    if len(stats.sources) > 1:
        t.add_section()
        row("total", stats.total(), style="bold")
    return t


def reasons_lines(stats: RunStats) -> list[str]:
    total = stats.total()
    lines = []
    if total.skipped:
        lines.append(f"skipped: {_reasons(total.skipped)}")
    if total.failed:
        lines.append(f"failed:  {_reasons(total.failed)}")
    if total.known:
        lines.append(f"already known (not requested): {total.known}")
    return lines


def health_lines(stats: RunStats) -> list[str]:
    """A line for each source whose discovery failed in part (degraded) or in full (failed)."""
    lines = []
    for name, c in sorted(stats.sources.items()):
        health = c.health("completed")
        if health != "completed":
            tried = c.discovery_ok + c.discovery_failed
            lines.append(f"{health}: {name}: {c.discovery_failed} of {tried} feeds, sitemaps and section pages failed")
    return lines


def print_summary(stats: RunStats, *, title: str, crawl: bool = True, corpus: Any = None) -> None:
    console.print(summary_table(stats, title=title, crawl=crawl))
    for line in reasons_lines(stats) + health_lines(stats):
        console.print(line)
    if corpus is not None:
        console.print(f"corpus: {corpus}")
