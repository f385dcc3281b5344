"""cleaning.stoplists: jusText's stoplist built once per stoplist object, with the same result."""
from __future__ import annotations

import justext.core
from trafilatura import external

from copydesk.cleaning import stoplists


def test_justext_uses_the_remembering_stoplist_once_cleaning_is_imported():
    import copydesk.cleaning.candidates  # noqa: F401 - installs it

    assert justext.core.define_stoplist is stoplists.define_stoplist


def test_trafilaturas_union_stoplist_is_built_once_and_unchanged():
    union = external.JT_STOPLIST or external.jt_stoplist_init()
    first = justext.core.define_stoplist(union)
    assert justext.core.define_stoplist(union) is first
    assert first == frozenset(w.lower() for w in union)
    assert len(first) > 100_000


def test_another_stoplist_object_gets_its_own_set():
    first = justext.core.define_stoplist(("The", "And"))
    second = justext.core.define_stoplist(("The", "Of"))
    assert first == {"the", "and"} and second == {"the", "of"}
    assert justext.core.define_stoplist(frozenset({"Zu"})) == {"zu"}
