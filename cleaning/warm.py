"""Imported by every extraction pool's forkserver (copydesk.workers, through copydesk.cleaning.preload
for the daemon): the one-time loads that pay off
even in a short command (crawl, ingest, demo), so each worker forked from it starts with them (shared
copy-on-write) instead of paying on its first page and again after every recycle (pebble's max_tasks).

py3langid's model ~0.4 s of CPU and ~100 MB; the public suffix list that trafilatura reads through
courlan/tld (site names) ~30 ms; the selector's and the cascade gate's model files and jusText's
English stopword list, small; ftfy (imported by the line filters on a page's first mojibake) ~1 s;
the union of jusText's stoplists that trafilatura's full passes use (154,000 words) ~0.1 s.
Together ~0.9 s on the 2-core bench machine.

dateparser's ~200 locales (~2 s more) are not loaded here but in ``copydesk.cleaning.preload``, which
imports this module and which only the long-lived daemon's forkserver loads
(``workers.start_early(long_lived=True)``): a short command would pay that for nothing unless a page
has a date in words, and then only in the worker that meets it.
"""
from __future__ import annotations

import courlan
import ftfy  # noqa: F401 - imported by the line filters on a page's first mojibake: ~1 s
import justext.core
import py3langid
from trafilatura.external import jt_stoplist_init

from copydesk import cleaning  # noqa: F401 - trafilatura, lxml, readability and copydesk's cleaning modules
from copydesk.cleaning import candidates, cascade, selector

py3langid.classify("copydesk loads the language model once in the forkserver")
courlan.extract_domain("https://www.example.co.uk/")
selector.load_model()
cascade.load_gate()
candidates.stoplist("en")
# trafilatura's full passes hand jusText the words of all its stoplists when a text is short or
# unclean: built on first use (~0.1 s, then ~10 ms more for the first collection that walks it)
justext.core.define_stoplist(jt_stoplist_init())  # remembered by cleaning.stoplists
