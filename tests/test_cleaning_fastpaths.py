"""cleaning's fast paths (guards, string scans) agree with the plain definitions they replace."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.cleaning.parse import sanitize
from copydesk.cleaning.postclean import _ENTITY_DEBRIS, _SPACES, _has_debris, normalize

TEXT = st.text(alphabet=st.sampled_from(list("ab ;&,#039quotamphellipQUOT\n\r\t\u00a0\u2009\u3000\u2028\x0b\x0c\x85\x01\x7f\u200b\ufeff\u00ad é")), max_size=60)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_sanitize_removes_exactly_the_control_characters(text):
    assert sanitize(text) == re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_space_runs_become_one_space(text):
    assert _SPACES.sub(" ", text) == re.sub(r"[^\S\n]+", " ", text)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_entity_debris_guard_never_skips_a_match(text):
    assert _has_debris(text) or not _ENTITY_DEBRIS.search(text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_normalize_of_text_with_odd_characters(text):
    out = normalize(text)
    assert not re.search(r"[\r\u2028\u2029\x0b\x0c\x85\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f]", out)
    assert "\n\n" not in out and "  " not in out
