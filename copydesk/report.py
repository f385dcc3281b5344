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


def interactive() -> bool:
    return sys.stdout.isatty()


def progress(total: int | None = None, description: str = "working") -> Progress:
    """A live progress display; silent (disabled) when stdout is not a terminal."""
    columns = [SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"), TimeElapsedColumn()]
    return Progress(*columns, console=console, disable=not interactive(), transient=False)


def _reasons(c: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"


def summary_table(stats: RunStats, *, title: str, crawl: bool = True) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False)
    t.add_column("source")
    if crawl:
        t.add_column("requests", justify="right")
        t.add_column("304", justify="right")
    t.add_column("pages", justify="right")
    t.add_column("stored new", justify="right")
    t.add_column("stored copies", justify="right")
    t.add_column("skipped (reason n)")
    t.add_column("failed (reason n)")
    t.add_column("time", justify="right")

    def row(name: str, c: SourceCounts, style: str | None = None) -> None:
        cells = [name]
        if crawl:
            cells += [str(c.requests), str(c.not_modified)]
        cells += [str(c.pages), str(c.stored_new), str(c.stored_copy),
                  f"{sum(c.skipped.values())}: {_reasons(c.skipped)}" if c.skipped else "0",
                  f"{sum(c.failed.values())}: {_reasons(c.failed)}" if c.failed else "0",
                  f"{c.elapsed:.1f}s"]
        t.add_row(*cells, style=style)

    for name, c in sorted(stats.sources.items()):
        row(name, c)
    if len(stats.sources) > 1:
        t.add_section()
        row("total", stats.total(), style="bold")
    return t


def print_summary(stats: RunStats, *, title: str, crawl: bool = True, corpus: Any = None) -> None:
    console.print(summary_table(stats, title=title, crawl=crawl))
    if corpus is not None:
        console.print(f"corpus: {corpus}")
