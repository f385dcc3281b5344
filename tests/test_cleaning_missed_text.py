"""Article text the rule-based extraction used to miss or show wrongly (issue #15, session 13): each
test is a hand-written page or text of one kind that trafilatura-eval's development pages showed;
no third-party text. Each failed before its rule: the figures are in the lead's BENCHMARKS.md."""
from __future__ import annotations

import json

from copydesk import cleaning
from copydesk.cleaning import clean_text
from copydesk.cleaning.extract import _drop_headline
from copydesk.cleaning.second_opinion import choose

URL = "https://example.org/news/1"

TRAM = [
    "The harbour council voted eleven to four on Tuesday night to extend the eastern tram line by six kilometres, "
    "ending a dispute that had stalled the project for almost two years.",
    "Engineers expect construction to begin in the autumn and the first trams to run by the end of 2027, the "
    "transport office said in a statement on Wednesday morning.",
    "Opponents argued that the cost would crowd out spending on bus routes in the northern suburbs, while supporters "
    "pointed to a survey of three thousand residents.",
    "The new line will serve the hospital, two secondary schools and the ferry terminal, and the council expects about "
    "nine thousand passengers a day in its first year.",
    "A public hearing on the exact route through the old town is planned for March, and residents can send written "
    "comments to the planning office until then.",
    "The regional government has promised to pay for a third of the cost, and the rest is to come from a bond the city "
    "plans to issue before the summer recess.",
    "Shopkeepers on the high street asked for the works to be done in stages so that no part of the street is closed "
    "for more than six weeks at a time.",
    "The transport office said it would publish a timetable for the works once the contracts have been signed, "
    "probably in the second half of next year.",
]
MUSEUM = [
    "The museum reopened its west wing on Saturday after four years of renovation, with a collection of ship models, "
    "maps and letters from the old port.",
    "Curators spent most of the closure cataloguing objects that had sat in crates since the flood of 1998, some of "
    "which had never been shown before.",
    "The largest piece is a model of a three-masted schooner, built by a retired carpenter over eleven winters and "
    "given to the museum by his daughter.",
    "Visitors can also listen to recorded interviews with former dock workers, who describe the night shifts, the "
    "strikes and the closing of the shipyard.",
    "Admission stays free for children and students, and the museum will open late on Thursdays until the end of the "
    "summer, the director said.",
    "A second phase of the works, covering the east wing and the library, is planned to start next spring if the city "
    "council approves the budget.",
]


def _ld(obj: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_readability_wins_by_the_prose_it_adds_not_by_table_cells_it_repeats():
    # trafilatura renders a table row as "| a | b |", readability gives each cell a line: those
    # lines are not something readability adds, so what it adds (three paragraphs) reads as prose
    rows = [("5,000", "36 months", "2.0 %", "143.17"), ("10,000", "36 months", "2.0 %", "286.35"),
            ("5,000", "24 months", "2.0 %", "212.66"), ("5,000", "48 months", "4.0 %", "108.44")]
    table = ["| Amount | Term | Rate | Instalment |"] + [f"| {' | '.join(r)} |" for r in rows]
    cells = ["Amount", "Term", "Rate", "Instalment"] + [cell for r in rows for cell in r]
    primary = "\n".join(TRAM[:3] + table)
    second = "\n".join(TRAM[:3] + cells + TRAM[3:6])
    assert choose(primary, second, 50).source == "readability"
    # the rule still refuses what is only the cells again
    assert choose(primary, "\n".join(TRAM[:3] + cells + cells + cells), 50).source == "trafilatura"


def _forum_page() -> str:
    replies = [
        "Same here, the update went through in about ten minutes without any trouble at all.",
        "Mine failed twice with an error code, and a restart of the phone fixed it in the end.",
        "Did anyone check whether the battery life changed after the update was installed?",
        "It is only the preparation for the real update, which should follow in a few weeks.",
        "I had to connect the phone to the computer again before it would install anything.",
        "Thanks for the tip, the second attempt worked for me after I freed some storage space.",
    ]
    posts = []
    for i, reply in enumerate(replies, 1):
        quoted = replies[i - 2] if i > 1 else TRAM[0]
        posts.append(
            f'<li class="postbit postcontainer" id="post_{i}"><div class="postdetails"><div class="userinfo">'
            f'<a class="username" href="/members/{i}.html"><strong>member{i}</strong></a><span class="usertitle">Regular</span></div>'
            f'<dl class="userstats"><dd>03.03.2011, 14:{10 + i}</dd><dd><a class="postcounter" href="/t-post{i}.html#post{i}">#{660 + i}</a></dd></dl></div>'
            f'<div class="postbody"><div class="postrow"><div class="content"><div id="post_message_{i}">'
            f'<blockquote class="postcontent restore"><div class="bbcode_container"><div class="bbcode_quote"><div class="quote_container">'
            f'<div class="bbcode_postedby">Quote from <strong>member{i - 1}</strong> <a href="/t-post{i - 1}.html#post{i - 1}" rel="nofollow">view post</a></div>'
            f'<div class="message">{quoted}</div></div></div></div>{reply}</blockquote></div></div></div></div></li>')
    ld = _ld({"@context": "https://schema.org", "@type": "DiscussionForumPosting", "headline": "Preparation update is out"})
    return (f"<html><head><title>Preparation update is out</title>{ld}</head><body><h1>Preparation update is out</h1>"
            f'<div id="postlist" class="postlist"><ol id="posts" class="posts">{"".join(posts)}</ol></div></body></html>'), replies


def test_forum_thread_keeps_its_posts():
    # precision mode prunes a thread's posts as comments; the page declares itself a forum thread
    html, replies = _forum_page()
    text = cleaning.analyze(html, URL, min_words=1).text
    assert all(reply in text for reply in replies)  # before: only the first


def test_article_rendered_by_script_comes_from_its_structured_data():
    teaser = ("The harbour council has approved the eastern tram extension following approximately two years of "
              "disagreement concerning construction expenditure, the controversial alignment through the historic "
              "quarter, and considerable disruption expected for shopkeepers, neighbouring residents and commuters.")
    ld = _ld({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Council approves tram line extension",
              "articleBody": " ".join(TRAM[:6])})
    html = (f"<html><head><title>Council approves tram line extension</title>{ld}</head><body><div id=\"app\">"
            f"<h1>Council approves tram line extension</h1><p>{teaser}</p><div class=\"loading\">Loading</div></div></body></html>")
    text = cleaning.analyze(html, URL, min_words=1).text
    assert all(p in text for p in TRAM[:6])  # before: the teaser alone (35 words)
    # a page whose article is there as text does not take its structured data
    shown = "".join(f"<p>{p}</p>" for p in MUSEUM)
    html = html.replace(f"<p>{teaser}</p>", shown)
    assert cleaning.analyze(html, URL, min_words=1).text == "\n".join(MUSEUM)


def test_short_article_keeps_the_link_line_precision_mode_drops():
    html = ("<html><head><title>Neighbourhood news</title></head><body>"
            '<div id="menu"><ul><li><a href="/">Home</a></li><li><a href="/program">Program</a></li><li><a href="/contact">Contact</a></li></ul></div>'
            '<div id="main"><h1>News</h1><div class="newsentry"><p class="newsdate"><a href="/2012/05/31/parking/">Thursday, 31 May 2012</a></p>'
            '<h2 class="newsheading">The office for street parking informs…</h2><div class="newstext">'
            '<p>The council wants to triple the parking fees! With the planned increase for 2013, also known as daylight robbery, many '
            'residents can no longer afford a permit. So that nobody has to sell the car, everyone please sign this petition:</p>'
            '<p><a href="https://petitions.example.org/online/against-the-parking-fees-2013">https://petitions.example.org/online/against-the-parking-fees-2013</a></p>'
            '</div></div><div class="prevpost"><a href="/2012/05/17/meeting/" rel="prev">← The first monthly meeting is set!</a></div>'
            '<div class="nextpost"><a href="/2012/11/22/wedding/" rel="next">Tax darling – the party as matchmaker →</a></div></div>'
            '<div id="pageinfo"><ul><li><a href="/contact/">Contact</a></li><li><a href="/imprint/">Imprint</a></li></ul></div></body></html>')
    text = cleaning.analyze(html, URL, min_words=1).text
    assert "https://petitions.example.org/online/against-the-parking-fees-2013" in text
    assert "please sign this petition" in text


def test_article_in_divs_wins_over_a_box_of_paragraphs_beside_it():
    # the article's prose is in <div>s, a box beside it has <p>s: the fast pass takes the box
    box = "".join(f"<p>{p}</p>" for p in TRAM[3:8])
    body = "".join(f'<div class="para">{a} {b}</div>' for a, b in zip(MUSEUM, reversed(MUSEUM)))
    html = ("<html><head><title>Museum reopens its west wing</title></head><body><div id=\"wrapper\">"
            f'<div class="column-wide"><div class="story"><h1>Museum reopens its west wing</h1><div class="text">{body}</div></div></div>'
            f'<div class="column-small"><div class="module-box">{box}</div></div></div></body></html>')
    text = cleaning.analyze(html, URL, min_words=1).text
    assert all(p in text for p in MUSEUM)
    assert not any(p in text for p in TRAM[3:8])


def test_every_copy_of_the_headline_at_the_top_goes_with_its_labels():
    title = "Museum reopens its west wing | Harbour Times"
    text = "\n".join(["Museum reopens its west wing | Culture | Harbour Times | 23.05.2011",
                      "Museum reopens its west wing"] + MUSEUM)
    assert _drop_headline(text, title) == "\n".join(MUSEUM)
    # a line that goes on after the headline with more than labels stays
    longer = "Museum reopens its west wing | a collection of ship models, maps and letters"
    assert _drop_headline("\n".join([longer] + MUSEUM), title).startswith(longer)


def test_a_label_left_without_its_value_does_not_open_the_text():
    assert clean_text("\n".join(["Published:", "Museum reopens its west wing"] + MUSEUM)) == "\n".join(
        ["Museum reopens its west wing"] + MUSEUM)
    # a colon line inside the text is not a label of the page
    inner = "\n".join(MUSEUM[:2] + ["In short:"] + MUSEUM[2:])
    assert clean_text(inner) == inner
