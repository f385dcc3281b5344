"""Choosing between candidate extractions by evidence (cleaning.candidates, cleaning.evidence,
cleaning.selector). The failure classes of issue 15 on whole fixture pages: test_cleaning_layouts.py.
"""
from __future__ import annotations

from copydesk import cleaning
from copydesk.cleaning import candidates, selector
from copydesk.cleaning.candidates import Evidence
from copydesk.cleaning.evidence import FEATURES, PageEvidence

# ----------------------------------------------------------------------------- the selector itself

ARTICLE = [
    "The regional water board approved a plan on Monday to replace four hundred kilometres of old pipes over the next decade.",
    "Engineers said that about a fifth of the water pumped into the network is lost through leaks before it reaches any tap.",
    "The work will start in the northern districts, where the oldest cast iron mains were laid before the war and burst most often.",
    "Households will see their bills rise by about three percent a year while the work lasts, the board said in a statement.",
]
PROMO = [
    "Compare today's best mortgage rates and save hundreds every month by switching to a lower fixed rate now.",
    "Apply online for our partner credit card and pay no interest on balance transfers for up to twenty-four months.",
    "See the rates",
    "Open a savings account in minutes and earn more on your money with instant withdrawals and no fees at all.",
    "Check your eligibility",
]
COMMENTS = [
    "Greta says:", "3 hours ago",
    "I have been saying this for years and nobody at the council ever listens to any of us, so we will see.",
    "Reply", "Hal says:", "5 hours ago",
    "Great reporting as always, my family has lived here for three generations and never seen anything like it.",
    "Reply",
]


def evidence_for(*link_texts: str) -> Evidence:
    return Evidence(title="Water board approves pipe replacement plan",
                    description="The regional water board approved a plan to replace four hundred kilometres of old pipes.",
                    link_texts={candidates.norm_line(t) for t in link_texts}, page_words=400)


def test_model_file_matches_the_features():
    model = selector.load_model()
    assert model.features == FEATURES
    assert len(model.weights) == len(FEATURES) == len(model.mean) == len(model.scale)
    assert set(model.candidates) == set(candidates.DEFAULT_CANDIDATES)


def test_longer_candidate_with_comment_thread_does_not_replace_the_article():
    texts = {"tp_fast": "\n".join(ARTICLE), "readability": "\n".join(ARTICLE + COMMENTS * 3)}
    assert selector.choose(texts, evidence_for()) == "tp_fast"


def test_longer_candidate_whose_extra_is_prose_replaces_a_partial_one():
    more = [
        "The board also agreed to publish a map of planned works every spring so that residents can prepare for road closures.",
        "Council members from the southern districts asked for their streets to be brought forward in the schedule, without success.",
        "A public meeting on the plan will be held at the town hall on the first Thursday of next month, the chair announced.",
    ]
    texts = {"tp_fast": "\n".join(ARTICLE[:2]), "readability": "\n".join(ARTICLE + more)}
    assert selector.choose(texts, evidence_for()) == "readability"


def test_extra_lines_that_are_page_links_count_against_a_candidate():
    teasers = [f"Headline number {i} about something else in the region today" for i in range(8)]
    ev = evidence_for(*teasers)
    pe = PageEvidence({"a": "\n".join(ARTICLE), "b": "\n".join(ARTICLE + teasers)}, ev)
    row = dict(zip(FEATURES, pe.pair("b", "a")))
    assert row["add_link"] == 1.0 and row["add_share"] > 0.3
    assert row["d_link_share"] > 0


def test_comment_markers_are_seen():
    pe = PageEvidence({"a": "\n".join(ARTICLE), "b": "\n".join(ARTICLE + COMMENTS)}, evidence_for())
    row = dict(zip(FEATURES, pe.pair("b", "a")))
    assert row["add_comment"] >= 0.5
    assert row["drop_share"] == 0.0


def test_page_evidence_reads_title_description_ld_json_and_links():
    tree = cleaning.parse.parse_html(
        "<html><head><title>T one two</title><meta name='description' content='Desc words here'>"
        "<script type='application/ld+json'>{\"@graph\": [{\"@type\": \"NewsArticle\", \"headline\": \"H\", "
        "\"articleBody\": \"Body of the story\"}]}</script></head>"
        "<body><a href='/x'>Other story about the harbour</a><a href='/y'>Home</a><p>text</p></body></html>")
    ev = candidates.page_evidence(tree)
    assert "T one two" in ev.title and "H" in ev.title
    assert ev.description == "Desc words here"
    assert ev.ld_body == "Body of the story"
    assert ev.link_texts == {"other story about the harbour"}


def test_choice_is_deterministic_and_independent_of_candidate_order():
    texts = {"tp_fast": "\n".join(ARTICLE[:2]), "t_fast": "\n".join(ARTICLE), "readability": "\n".join(ARTICLE + PROMO)}
    reordered = dict(reversed(list(texts.items())))
    ev = evidence_for()
    assert selector.choose(texts, ev) == selector.choose(reordered, ev) == selector.choose(dict(texts), ev)
