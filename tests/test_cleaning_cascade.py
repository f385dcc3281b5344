"""analyze(select=...): the rule-based extraction (the default, cleaning.rules) and the cost-aware
cascade (select="cascade", cleaning.cascade): the rule-based extraction on every page, the expensive candidates and the evidence-based choice only when the
gate says the cheap text is at risk. Pages: copydesk's own fixtures (tests/fixtures/cleaning)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from copydesk import cleaning
from copydesk.cleaning import candidates, cascade
from copydesk.cleaning.parse import parse_html

FIXTURES = Path(__file__).parent / "fixtures" / "cleaning"
CASES = {c["id"]: c for c in (json.loads(line) for line in (FIXTURES / "cases.jsonl").read_text(encoding="utf-8").splitlines())}


def page(cid: str) -> tuple[bytes, str]:
    case = CASES[cid]
    return (FIXTURES / case["html_path"]).read_bytes(), case["url"]


def cheap_text_at_risk(cid: str) -> bool:
    data, url = page(cid)
    rules = cleaning.analyze(data, url, select="rules")
    markup = cleaning.decode_html(data)
    tree = parse_html(markup)
    return cascade.at_risk(rules.text if rules else "", candidates.page_evidence(tree), candidates.declared_language(markup))


def test_default_is_the_rule_based_extraction():
    data, url = page("101-layoutrow-night-trains")
    assert cleaning.analyze(data, url).text == cleaning.analyze(data, url, select="rules").text


def test_select_names_a_mode():
    with pytest.raises(ValueError, match="select must be one of"):
        cleaning.analyze("<p>x</p>", select="longest")


def test_gate_file_matches_the_features():
    gate = cascade.load_gate()
    assert gate.features == cascade.GATE_FEATURES
    assert len(gate.weights) == len(gate.features) == len(gate.mean) == len(gate.scale)
    assert 0.0 < gate.threshold < 1.0


@pytest.mark.parametrize("cid", ["000-wordpress-tram-vote", "003-newscms-ferry-strike", "012-wordpress-marathon-heat"])
def test_plain_article_stays_on_the_cheap_path(cid):
    """A page the rules already get right is not escalated: the cascade's text is the rules' text."""
    data, url = page(cid)
    assert not cheap_text_at_risk(cid)
    assert cleaning.analyze(data, url, select="cascade").text == cleaning.analyze(data, url).text


@pytest.mark.parametrize("cid", ["128-brokennesting-radio-mast", "130-brokennesting-night-trains"])
def test_page_at_risk_is_escalated_to_the_evidence_choice(cid):
    """The gate flags the rules' text of a broken-nesting page (it came from the balanced last
    resort) and the cascade gives the evidence-based choice, which differs from the rules' text.
    (Until round 5 the layout-table row, the shared comment thread and the promo boxes were the
    pages here; the rules now handle those themselves, tests/test_cleaning_layouts.py.)"""
    data, url = page(cid)
    rules = cleaning.analyze(data, url, select="rules")
    chosen = cleaning.analyze(data, url, select="cascade")
    assert cheap_text_at_risk(cid)
    assert chosen.text == cleaning.analyze(data, url, select="evidence").text
    assert chosen.text != (rules.text if rules else "")


def test_metadata_is_the_same_whichever_path_chose_the_text():
    data, url = page("100-layoutrow-canal-lock")
    a, b = cleaning.analyze(data, url, select="cascade"), cleaning.analyze(data, url)
    assert (a.title, a.published, a.canonical_url) == (b.title, b.published, b.canonical_url)
