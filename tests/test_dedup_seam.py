"""The ClusterIndex seam (dedup/api.py): Deduper satisfies it, and keeps its contract on disk.

The contract checks take a factory, so a second backend is checked by adding its factory to
``BACKENDS``.
"""
from __future__ import annotations

import inspect
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from copydesk.dedup import Assignment, ClusterIndex, Deduper, Features, Preparer, Sketch
from tests.fixtures.dedup import stories as S

Factory = Callable[[Path], ClusterIndex]
BACKENDS: dict[str, Factory] = {"embedded": lambda path: Deduper(path, window_days=30)}
DAY = 86400.0


def _same(got: list[Assignment | None], want: list[Assignment]) -> bool:
    """Equal assignments; a similarity read back from disk is its float32 value (the files' width)."""
    return all(g is not None and (g.doc_id, g.cluster_id, g.duplicate_of) == (w.doc_id, w.cluster_id, w.duplicate_of)
               and (g.similarity == w.similarity or g.similarity == pytest.approx(w.similarity, abs=1e-6))
               for g, w in zip(got, want, strict=True))


def _members(proto: type) -> list[str]:
    return sorted(n for n in vars(proto) if not n.startswith("_") or n in ("__contains__", "__len__")
                  if n not in ("__module__", "__doc__", "__dict__", "__weakref__"))


def test_deduper_satisfies_the_protocol(tmp_path):
    assert isinstance(Deduper(window_days=None), ClusterIndex)
    assert isinstance(Deduper(tmp_path, window_days=None), ClusterIndex)
    assert not isinstance(object(), ClusterIndex)
    # runtime_checkable looks at names only: the signatures must match too
    for name in _members(ClusterIndex) + ["window"]:
        theirs, ours = getattr(ClusterIndex, name, None), getattr(Deduper, name, None)
        if callable(theirs) and not isinstance(theirs, property):
            assert inspect.signature(ours) == inspect.signature(theirs), name
    assert isinstance(Deduper.note, property)


def test_features_carry_a_typed_sketch():
    f = Preparer().features(S.text(S.HARBOUR))
    assert isinstance(f, Features) and isinstance(f.sketch, Sketch)
    assert not f.sketch.short and f.sketch.signature.size == 128 and f.sketch.band_keys.size == 32 + 16
    assert f.sketch.sample.size and len(f.sketch.line_hashes) == len(S.HARBOUR)
    short = Preparer().features("Storm closes coast road.").sketch
    assert short.short and short.exact and short.signature.size == 0
    assert Preparer().features("").sketch.exact == 0  # an empty text is never matched
    back = pickle.loads(pickle.dumps(f))  # extraction workers send features across processes
    assert Preparer().fits(back, S.text(S.HARBOUR)) and (back.sketch.band_keys == f.sketch.band_keys).all()
    with pytest.raises(AttributeError):
        f.sketch.short = True  # type: ignore[misc]


@pytest.mark.parametrize("backend", BACKENDS)
def test_add_is_query_then_insert(backend, tmp_path):
    """The second of two near-copies joins the first's cluster: never two heads; an id added twice
    keeps its first assignment."""
    index = BACKENDS[backend](tmp_path / "index")
    first = index.add("orig", S.text(S.HARBOUR), timestamp=DAY, source="Gazette")
    copy = index.add("copy", S.reprint(S.HARBOUR), timestamp=DAY + 1, source="Courier")
    assert first == Assignment("orig", "orig", None, None)
    assert (copy.cluster_id, copy.duplicate_of) == ("orig", "orig") and copy.similarity >= 0.5
    assert index.add("copy", S.text(S.ORCHARD), timestamp=DAY + 2) == copy
    assert "copy" in index and index.assignment("copy") == copy and len(index) == 2
    assert index.assignment("nope") is None and "nope" not in index
    index.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_flush_is_durable_with_its_note_and_a_crash_loses_only_what_restore_replays(backend, tmp_path):
    path = tmp_path / "index"
    index = BACKENDS[backend](path)
    assert index.note is None
    a = index.add("orig", S.text(S.HARBOUR), timestamp=DAY, source="Gazette")
    index.flush(note={"parts": 1})
    b = index.add("copy", S.reprint(S.HARBOUR), timestamp=DAY + 1, source="Courier")
    c = index.add("other", S.text(S.ORCHARD), timestamp=DAY + 2)
    # a crash here: the process dies without another flush (the files stay as the flush left them)
    crashed = BACKENDS[backend](path)
    assert crashed.note == {"parts": 1}
    assert "orig" in crashed and crashed.assignment("orig") == a and len(crashed) == 1
    assert "copy" not in crashed and "other" not in crashed
    # recovery replays the corpus records after the note: the recorded assignments come back unchanged
    for rec in (b, c, a):
        crashed.restore(rec, {"copy": S.reprint(S.HARBOUR), "other": S.text(S.ORCHARD),
                              "orig": "ignored: present"}[rec.doc_id], timestamp=DAY + 3)
    assert [crashed.assignment(i) for i in ("orig", "copy", "other")] == [a, b, c]
    crashed.close(note={"parts": 2})
    # after close: reads still answer, and everything is on disk with the close's note
    assert crashed.assignment("copy") == b and len(crashed) == 3
    reopened = BACKENDS[backend](path)
    assert reopened.note == {"parts": 2} and len(reopened) == 3
    assert _same([reopened.assignment(i) for i in ("orig", "copy", "other")], [a, b, c])
    # and the reopened index still matches against what it holds
    assert reopened.add("copy2", S.trimmed(S.HARBOUR, 0.6), timestamp=DAY + 4).cluster_id == "orig"
    reopened.flush()
    assert BACKENDS[backend](path).note == {"parts": 2}  # flush(None) keeps the previous note


@pytest.mark.parametrize("backend", BACKENDS)
def test_advance_moves_now_and_the_window_evicts(backend, tmp_path):
    index = BACKENDS[backend](tmp_path / "index")
    index.add("old", S.text(S.HARBOUR), timestamp=DAY)
    index.advance(DAY + 10 * DAY)
    assert "old" in index
    index.advance(DAY + 31 * DAY)
    assert "old" not in index and len(index) == 0
    index.advance(DAY)  # never back
    assert index.add("new", S.reprint(S.HARBOUR)).duplicate_of is None
    index.close()
