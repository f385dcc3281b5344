"""jusText's stoplist, looked up by identity instead of by value.

jusText's `classify_paragraphs` passes the stoplist it is given to `justext.core.define_stoplist`,
an `lru_cache` keyed by the stoplist's value: every call hashes the whole stoplist again. trafilatura's
full passes hand it the union of all jusText's languages, a tuple of 154,484 words, whenever their
text is short or unclean: about 3 ms per call for the hash alone, as much as the rest of a short
page's extraction. `remember_stoplists()` makes `define_stoplist` return the set it built before for
the same immutable stoplist object (same object, same words: the result is the same set).
"""
from __future__ import annotations

from collections.abc import Iterable

import justext.core

_MAX_REMEMBERED = 64  # stoplist objects: trafilatura's union, and one frozenset per language asked
# jusText's own function (bench/extraction.py times trafilatura's defaults with it, as users run them)
shipped_define_stoplist = justext.core.define_stoplist
# id(stoplist) -> (stoplist, its frozenset); the stoplist is kept so that its id is not reused
_built: dict[int, tuple[Iterable[str], frozenset[str]]] = {}


def define_stoplist(stoplist: Iterable[str]) -> frozenset[str]:
    """`justext.core.define_stoplist`, remembered by identity for tuples and frozensets (which
    cannot change); anything else goes to jusText's own function as before."""
    hit = _built.get(id(stoplist))
    if hit is not None and hit[0] is stoplist:
        return hit[1]
    built = shipped_define_stoplist(stoplist)
    if isinstance(stoplist, (tuple, frozenset)) and len(_built) < _MAX_REMEMBERED:
        _built[id(stoplist)] = (stoplist, built)
    return built


def remember_stoplists() -> None:
    """Install the remembering `define_stoplist` in jusText (idempotent; `classify_paragraphs`
    looks the name up in its module on every call)."""
    justext.core.define_stoplist = define_stoplist
