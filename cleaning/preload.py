"""Imported by the extraction pool's forkserver (copydesk.pipeline.Extractor): loads, once, what
every extraction needs, so each worker forked from it starts with it (shared copy-on-write) instead
of paying for it on its first page and again after every recycle (pebble's max_tasks).

py3langid's model takes ~0.4 s of CPU and ~100 MB to load; the public suffix list that trafilatura
reads through courlan/tld (site names) ~30 ms, on a worker's first page. The selector's and the cascade
gate's model files and jusText's English stopword list are small, read here once for the same reason.
"""
from __future__ import annotations

import courlan
import py3langid

from copydesk import cleaning  # noqa: F401 - trafilatura, lxml, readability and copydesk's cleaning modules
from copydesk.cleaning import candidates, cascade, selector

py3langid.classify("copydesk loads the language model once in the forkserver")
courlan.extract_domain("https://www.example.co.uk/")
selector.load_model()
cascade.load_gate()
candidates.stoplist("en")
