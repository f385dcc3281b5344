"""Imported last by the extraction workers' forkserver (copydesk.workers), after the modules that
load what every worker keeps (the language model, trafilatura's and jusText's stoplists, dateparser's
locales for the daemon): that heap, ~100,000 objects, is collected once and frozen (gc.freeze).

A worker forked from the forkserver then never walks it in its own collections, and leaves the
memory pages it shares with the forkserver unwritten (a collection writes to every object it
walks). Without it, a worker's first collections after a page took ~10 ms each (BENCHMARKS.md,
"Session 15").
"""
from __future__ import annotations

from copydesk.gc_tuning import freeze_heap

freeze_heap()
