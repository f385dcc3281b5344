"""Imported last by the extraction workers' forkserver (copydesk.workers), after the modules that
load what every worker keeps (the language model, trafilatura's and jusText's stoplists, dateparser's
locales for the daemon): that heap, ~100,000 objects, is collected once and frozen (gc.freeze).

A worker forked from the forkserver then never walks it in its own collections, so they no longer
write to the memory pages it shares with the forkserver (a collection writes to every object it
walks; reference counting still writes to the objects a worker uses). Before, a worker's first
collection after trafilatura built its stoplist union took ~10 ms (BENCHMARKS.md, "Session 15").
"""
from __future__ import annotations

from copydesk.gc_tuning import freeze_heap

freeze_heap()
