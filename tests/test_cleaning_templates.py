"""SiteTemplates: learning recurring lines per site, persistence through a mapping, bounded memory."""
from __future__ import annotations

import random

from copydesk.cleaning import SiteTemplates
from copydesk.cleaning.templates import line_key

TEMPLATE_TOP = ["Harbour Times", "World News"]
TEMPLATE_BOTTOM = [
    "Harbour Times Store",
    "Get the Harbour Times app for breaking news alerts, puzzles and the daily print edition on your phone.",
]
CREDIT = "Jane Doe contributed reporting from the harbour."

TOPICS = ["tram", "ferry", "bridge", "library", "orchard", "bakery", "stadium", "airport", "museum", "school"]


def word(i: int) -> str:
    """A word unique to story i (numbers alone would not do: line keys ignore digits)."""
    return "".join(chr(97 + (i // 26**k) % 26) for k in range(3)) + "ville"


def article(i: int) -> list[str]:
    t = f"{TOPICS[i % len(TOPICS)]} {word(i)}"
    return [
        f"Story {i}: officials discussed the {t} project on day {i} of the session, with several residents attending.",
        f"The {t} budget for year {2020 + i} was revised twice, according to documents seen by reporters on site {i}.",
        f"Critics of the {t} plan, number {i}, said the consultation had been too short and poorly advertised.",
        CREDIT,
    ]


def page(i: int) -> str:
    return "\n".join(TEMPLATE_TOP + article(i) + TEMPLATE_BOTTOM)


def test_template_lines_are_stripped_and_article_lines_kept():
    st = SiteTemplates({})
    for i in range(4):
        st.learn("harbour.example", page(i))
    out = st.strip("harbour.example", page(99))
    assert out == "\n".join(article(99))


def test_strip_before_learn_from_the_second_page_on():
    """The pipeline order: strip(site, text) then learn(site, text)."""
    st = SiteTemplates({})
    outputs = []
    for i in range(5):
        text = page(i)
        outputs.append(st.strip("harbour.example", text))
        st.learn("harbour.example", text)
    assert outputs[0] == page(0)  # nothing learned yet
    for i in (1, 2):  # short labels go from the second page, the longer promo needs more pages
        assert "Harbour Times Store" not in outputs[i] and "World News" not in outputs[i]
    assert outputs[4] == "\n".join(article(4))


def test_recurring_credit_and_sites_are_separate():
    st = SiteTemplates({})
    for i in range(10):
        st.learn("harbour.example", page(i))
    assert CREDIT in st.strip("harbour.example", page(50))
    # another site learned nothing
    assert st.strip("other.example", page(50)) == page(50)


def test_refetched_page_is_not_learned_twice():
    st = SiteTemplates({})
    for _ in range(6):
        st.learn("harbour.example", page(1))
    # the story's own paragraphs did not become "template"
    assert st.strip("harbour.example", page(1)).count("Story 1:") == 1


def test_never_strips_most_of_a_page():
    st = SiteTemplates({}, max_strip_share=0.5)
    long_template = [f"Template paragraph {k} about the newspaper, its history, its awards and its many sections." for k in range(6)]
    for i in range(8):
        st.learn("s.example", "\n".join(long_template + article(i)))
    # a page made mostly of template prose keeps its prose; only short labels could go
    text = "\n".join(long_template + ["A short new story line."])
    assert st.strip("s.example", text) == text


def test_persistence_through_the_mapping():
    store: dict[str, bytes] = {}
    st = SiteTemplates(store)
    for i in range(4):
        st.learn("harbour.example", page(i))
    assert isinstance(store["harbour.example"], bytes)
    again = SiteTemplates(store)  # a restarted daemon
    assert again.strip("harbour.example", page(77)) == "\n".join(article(77))


def test_flush_writes_back_when_not_write_through():
    store: dict[str, bytes] = {}
    st = SiteTemplates(store, write_through=False)
    st.learn("harbour.example", page(1))
    assert store == {}
    st.flush()
    assert "harbour.example" in store


def test_damaged_store_entry_starts_afresh():
    st = SiteTemplates({"harbour.example": b"garbage"})
    assert st.strip("harbour.example", page(1)) == page(1)
    st.learn("harbour.example", page(1))


def test_memory_is_bounded():
    store: dict[str, bytes] = {}
    st = SiteTemplates(store, window=20, max_sites=3)
    rnd = random.Random(7)
    for i in range(200):
        site = f"site{i % 7}.example"
        st.learn(site, page(i) + f"\nUnique line {rnd.random()}")
    assert len(st._models) <= 3
    for site, model in st._models.items():
        assert len(model.pages) <= 20
        assert len(model.counts) <= 20 * 9
    # evicted models were written back and reload as they were
    assert len(store) == 7
    st.flush()
    for site, model in st._models.items():
        assert SiteTemplates(store, window=20)._model(site).pages == model.pages


def test_line_key_ignores_case_punctuation_and_numbers():
    assert line_key("© 2023 Harbour Times. All rights reserved") == line_key("© 2024 harbour times — all rights reserved!")
    assert line_key("Harbour Times Store") != line_key("Harbour Times Shop")


def test_process_strips_then_learns_the_unstripped_text():
    st = SiteTemplates({})
    outs = [st.process("harbour.example", page(i)) for i in range(150)]
    # template lines stay learned across the whole run (the window slides past the first pages)
    assert all("Harbour Times Store" not in out for out in outs[1:])
    assert outs[-1] == "\n".join(article(149))


def test_learn_then_strip_order_gives_the_same_result():
    a, b = SiteTemplates({}), SiteTemplates({})
    for i in range(12):
        text = page(i)
        out_a = a.strip("harbour.example", text)
        a.learn("harbour.example", text)
        b.learn("harbour.example", text)
        out_b = b.strip("harbour.example", text)
        assert out_a == out_b
    # the very first page keeps its labels in both orders
    fresh = SiteTemplates({})
    fresh.learn("x.example", page(0))
    assert fresh.strip("x.example", page(0)) == page(0)


def test_precomputed_line_keys_give_the_same_result():
    """Keys computed elsewhere (an extraction worker) change nothing; keys that do not fit the text
    (another line count) are recomputed."""
    from copydesk.cleaning import line_keys

    a, b = SiteTemplates({}), SiteTemplates({})
    for i in range(30):
        text = page(i)
        assert a.process("harbour.example", text) == b.process("harbour.example", text, keys=line_keys(text))
    text = page(31)
    assert b.process("harbour.example", text, keys=[1, 2]) == a.process("harbour.example", text)
