"""Imported by the daemon's extraction pool's forkserver (copydesk.workers, `serve`): loads, once, what
every extraction needs, so each worker forked from it starts with it (shared copy-on-write) instead
of paying for it on its first page and again after every recycle (pebble's max_tasks). The pools of
the short commands (crawl, ingest, demo) preload copydesk.cleaning.warm alone: this module is that
plus dateparser's locales, ~2 s at every pool start that a short command pays for nothing unless a page needs them.

py3langid's model takes ~0.4 s of CPU and ~100 MB to load; the public suffix list that trafilatura
reads through courlan/tld (site names) ~30 ms, on a worker's first page. The selector's and the cascade
gate's model files and jusText's English stopword list are small, read here once for the same reason.
dateparser, which htmldate asks about a date written in words that its own rules cannot read (trafilatura's
metadata, `extensive_search`), loads the data of its ~200 locales on its first such call: 5-9 s of CPU
and ~45 MB, paid here once instead of on the first such page of every worker. ftfy (mojibake repair,
imported on first use by cleaning.postclean) likewise: ~1 s.
"""
from __future__ import annotations

from htmldate.extractors import get_external_parser

from copydesk.cleaning import warm  # noqa: F401 - the loads every pool makes (language model, ftfy, models, ...)

# a phrase no locale reads as a date makes dateparser try (and so load) every locale
get_external_parser().get_date_data("copydesk 12 preload 2024")
