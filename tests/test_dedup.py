"""The dedup stage: which copies are grouped, which negatives are not, and the Assignment semantics."""
from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.dedup import Assignment, Deduper
from copydesk.dedup.shingles import Shingling
from copydesk.dedup.signatures import Signer
from tests.fixtures.dedup import stories as S


def fresh() -> Deduper:
    d = Deduper(window_days=None)
    d.add("orig-harbour", S.text(S.HARBOUR), source="Kestrel Gazette")
    d.add("orig-orchard", S.text(S.ORCHARD), source="Valley Times")
    return d


@pytest.mark.parametrize("make", [
    pytest.param(lambda: S.reprint(S.HARBOUR), id="reprint-new-headline-dateline-boilerplate"),
    pytest.param(lambda: S.trimmed(S.HARBOUR, 0.55), id="trimmed-ending"),
    pytest.param(lambda: S.excerpt(S.HARBOUR), id="aggregator-excerpt"),
    pytest.param(lambda: S.light_edit(S.HARBOUR), id="light-edits-reordered"),
    pytest.param(lambda: S.ocr_noise(S.text(S.HARBOUR)), id="ocr-noise"),
    pytest.param(lambda: S.entity_debris(S.text(S.HARBOUR)), id="entity-debris"),
])
def test_copies_are_grouped(make):
    d = fresh()
    a = d.add("copy", make(), source="Some Outlet")
    assert a.cluster_id == "orig-harbour"
    assert a.duplicate_of == "orig-harbour"
    assert a.similarity is not None and d.threshold <= a.similarity <= 1.0


def test_different_story_on_same_event_is_not_grouped():
    d = fresh()
    a = d.add("same-event", S.text(S.HARBOUR_SAME_EVENT), source="Kestrel Gazette")
    assert a == Assignment("same-event", "same-event", None, None)


def test_short_quote_inside_another_story_is_not_grouped():
    d = fresh()
    a = d.add("quoting", S.quoting(S.HARBOUR[3]), source="Valley Times")
    assert a.cluster_id != "orig-harbour"


def test_two_stories_in_one_outlet_template_are_not_grouped():
    d = Deduper(window_days=None)
    # the outlet's template becomes known from its earlier, unrelated stories
    for k in range(3):
        d.add(f"filler-{k}", S.in_template(S.filler_story(k).split("\n\n")), source="Fairhaven Courier")
    a = d.add("harbour", S.in_template(S.HARBOUR), source="Fairhaven Courier")
    b = d.add("orchard", S.in_template(S.ORCHARD), source="Fairhaven Courier")
    assert a.duplicate_of is None and b.duplicate_of is None
    # a copy in that template is still found
    c = d.add("harbour-again", S.in_template(S.trimmed(S.HARBOUR, 0.6).split("\n\n")), source="Fairhaven Courier")
    assert c.cluster_id == "harbour"


def test_cluster_id_is_first_member_and_duplicate_of_the_matched_article():
    d = Deduper(window_days=None)
    first = d.add("x1", S.excerpt(S.HARBOUR))
    assert first == Assignment("x1", "x1", None, None)
    full = d.add("x2", S.text(S.HARBOUR))
    assert (full.cluster_id, full.duplicate_of) == ("x1", "x1")
    # the full text became a representative of x1's cluster: a copy that matches it better than
    # the excerpt names it as duplicate_of, while the cluster stays x1
    late = d.add("x3", S.reprint(S.HARBOUR))
    assert (late.cluster_id, late.duplicate_of) == ("x1", "x2")


def test_unique_stories_start_their_own_clusters():
    d = Deduper(window_days=None)
    ids = [d.add(f"f{k}", S.filler_story(100 + k)).cluster_id for k in range(20)]
    assert ids == [f"f{k}" for k in range(20)]


def test_add_is_idempotent():
    d = fresh()
    a = d.add("copy", S.reprint(S.HARBOUR))
    n = len(d)
    assert d.add("copy", "completely different text now") == a
    assert len(d) == n and "copy" in d and "nope" not in d


def test_deterministic_for_a_given_order():
    docs = [("h", S.text(S.HARBOUR)), ("o", S.text(S.ORCHARD)), ("r", S.reprint(S.HARBOUR)),
            ("t", S.trimmed(S.ORCHARD, 0.5)), ("n", S.ocr_noise(S.text(S.HARBOUR))),
            ("e", S.text(S.HARBOUR_SAME_EVENT))] + [(f"f{k}", S.filler_story(k)) for k in range(5)]
    runs = [[Deduper(window_days=None).add(i, t) for i, t in docs] for _ in range(2)]
    assert runs[0] == runs[1]


def test_short_texts_use_an_exact_hash():
    d = Deduper(window_days=None)
    d.add("s1", "Storm closes coast road. Police say the road will reopen on Friday.")
    same = d.add("s2", "STORM closes coast road!  Police say the road will reopen on Friday")
    other = d.add("s3", "Storm closes coast road. Police say the road will reopen on Sunday.")
    assert (same.cluster_id, same.similarity) == ("s1", 1.0)
    assert other.cluster_id == "s3"


def test_empty_texts_are_never_grouped():
    d = Deduper(window_days=None)
    assert d.add("e1", "").cluster_id == "e1"
    assert d.add("e2", " \n\n -- ").cluster_id == "e2"


def test_restore_inserts_a_known_assignment():
    d = Deduper(window_days=None)
    d.restore(Assignment("h", "h", None, None), S.text(S.HARBOUR))
    d.restore(Assignment("r", "h", "h", 0.8), S.reprint(S.HARBOUR))
    assert "h" in d and "r" in d and len(d) == 2
    assert d.add("t", S.trimmed(S.HARBOUR, 0.5)).cluster_id == "h"


def test_window_evicts_old_documents():
    day = 86400.0
    d = Deduper(window_days=10)
    d.add("old", S.text(S.HARBOUR), timestamp=0.0)
    d.add("o2", S.text(S.ORCHARD), timestamp=5 * day)
    assert d.add("recent-copy", S.reprint(S.HARBOUR), timestamp=9 * day).cluster_id == "old"
    d.add("news", S.filler_story(1), timestamp=30 * day)  # "now" moves to day 30: horizon day 20
    assert "old" not in d and "o2" not in d and "recent-copy" not in d
    assert len(d) == 1
    assert d.add("late-copy", S.reprint(S.HARBOUR), timestamp=30 * day).duplicate_of is None


def test_signatures_are_datasketch_minhash_with_pinned_scheme():
    sh = Shingling().hashes("harbour council approves ferry terminal expansion")
    signer = Signer(num_perm=128, seed=1)
    m = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=lambda x: x)
    m.update_batch([int(h) for h in sh])
    assert np.array_equal(m.hashvalues, signer.sign(sh))
    assert signer.minhash(signer.sign(sh)).scheme == "affine32"


POOL = [S.text(S.HARBOUR), S.reprint(S.HARBOUR), S.trimmed(S.HARBOUR, 0.5), S.text(S.ORCHARD),
        S.trimmed(S.ORCHARD, 0.7), S.text(S.HARBOUR_SAME_EVENT), S.filler_story(1), "Short note on the weather."]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, len(POOL) - 1)), max_size=12))
def test_replaying_a_stream_gives_the_same_assignments(stream):
    def run() -> list[Assignment]:
        d = Deduper(window_days=None)
        return [d.add(f"id{i}", POOL[k], timestamp=float(i)) for i, k in stream]

    first = run()
    assert first == run()
    by_id: dict[str, Assignment] = {}
    for a in first:  # an id keeps its first assignment however often it is added
        assert by_id.setdefault(a.doc_id, a) == a
        assert (a.duplicate_of is None) == (a.cluster_id == a.doc_id)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=300, unique=True))
def test_numpy_signature_equals_datasketch_update_batch(values):
    hashes = np.array(sorted(values), dtype=np.uint32)
    m = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=lambda x: x)
    m.update_batch(values)
    assert np.array_equal(m.hashvalues, Signer(128, 1).sign(hashes))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, len(POOL) - 1)), max_size=12))
def test_precomputed_features_give_the_same_assignments(stream):
    """Features from another process (Preparer) change nothing; the pipeline relies on it."""
    from copydesk.dedup import Preparer

    prep = Preparer()
    plain, fed = Deduper(window_days=None), Deduper(window_days=None)
    for i, k in stream:
        a = plain.add(f"id{i}", POOL[k], timestamp=float(i), source="wire")
        assert fed.add(f"id{i}", POOL[k], timestamp=float(i), source="wire", features=prep.features(POOL[k])) == a


def test_features_of_another_text_or_other_parameters_are_not_used():
    from copydesk.dedup import Preparer

    d = fresh()
    copy = S.reprint(S.HARBOUR)
    other = Preparer().features(S.text(S.ORCHARD))  # made from a different text: ignored
    assert d.add("copy", copy, source="x", features=other).cluster_id == "orig-harbour"
    assert not d.preparer.fits(Preparer(ngram=5).features(copy), copy)
    assert d.preparer.fits(Preparer().features(copy), copy)
