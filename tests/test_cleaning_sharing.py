"""What the rules share to be cheaper gives what trafilatura gives without sharing: one parsed page
for several trafilatura calls, copydesk's metadata pass (cleaning.metadata) for trafilatura's, the
container scan of the page evidence; dateparser loaded in the forkserver; min_words is a policy on
the result, not a change to the extraction."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import trafilatura

from copydesk.cleaning import Article, Rejected, analyze
from copydesk.cleaning import candidates as cand
from copydesk.cleaning.extract import _date_params, flatten_deep_tables
from copydesk.cleaning.parse import parse_html, sanitize, trafilatura_tree

FIXTURES = Path(__file__).parent / "fixtures" / "cleaning"
CASES = [json.loads(line) for line in (FIXTURES / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
META_FIELDS = ("title", "author", "date", "sitename", "description", "url")


def _markup(c: dict) -> str:
    return flatten_deep_tables(sanitize((FIXTURES / c["html_path"]).read_text(encoding="utf-8")))


def _trafilatura_itself(page: str, url: str | None, mode: str, metadata: bool):
    return trafilatura.bare_extraction(page, url=url, include_comments=False, deduplicate=False, with_metadata=metadata,
                                       include_tables=True, date_extraction_params=_date_params() if metadata else None,
                                       **cand._TRAFILATURA_MODES[mode])


@pytest.mark.parametrize("c", CASES[::4], ids=lambda c: c["id"])
def test_one_parsed_page_and_copydesks_metadata_give_trafilaturas_own_results(c):
    markup = _markup(c)
    page = trafilatura_tree(markup)
    for mode, metadata in (("tp_fast", True), ("tp_full", False), ("t_full", True)):
        ours = cand.trafilatura_candidate(page, c["url"], mode, metadata=metadata, date_params=_date_params())
        theirs = _trafilatura_itself(markup, c["url"], mode, metadata)
        assert (ours is None) == (theirs is None)
        if ours is None:
            continue
        assert ours.text == theirs.text
        if metadata:
            assert {f: getattr(ours, f) for f in META_FIELDS} == {f: getattr(theirs, f) for f in META_FIELDS}
    assert trafilatura_tree(markup) is not page  # parsed anew each call: nothing cached between pages


def test_a_page_trafilaturas_loader_refuses_is_refused_as_before():
    markup = "plain words, no markup at all, " * 20
    assert trafilatura_tree(markup) == markup
    assert cand.trafilatura_candidate(markup, "https://x.test/a", "tp_fast", metadata=True) is None
    assert _trafilatura_itself(markup, "https://x.test/a", "tp_fast", True) is None


def _marked_texts_plainly(body, page_words: int) -> set[str]:
    """The container scan as first written: every element, every block read for every container."""
    out: set[str] = set()
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        attr = f"{el.get('class') or ''} {el.get('id') or ''}"
        if len(attr) < 3 or not cand._MARKED.search(attr):
            continue
        texts = [cand.norm_line(b.text_content()) for b in (list(el.iter(*cand._MARKED_BLOCKS)) or [el])]
        if sum(t.count(" ") + 1 for t in texts) > cand.MAX_MARKED_SHARE * page_words:
            continue
        out.update(t for t in texts if t.count(" ") >= 2)
    return out


@pytest.mark.parametrize("c", CASES, ids=lambda c: c["id"])
def test_container_scan_finds_what_the_plain_scan_finds(c):
    tree = parse_html(_markup(c))
    ev = cand.page_evidence(tree)
    body = tree.find("body")
    assert ev.marked_texts == _marked_texts_plainly(body if body is not None else tree, ev.page_words)


def test_nested_marked_containers_share_their_blocks():
    html = ("<html><body><div class='sidebar'><div class='related'><p>one two three four</p>"
            "<div class='promo'><p>buy this great thing now</p></div></div></div>"
            + "<p>" + "word " * 40 + "</p></body></html>")
    tree = parse_html(html)
    ev = cand.page_evidence(tree)
    assert ev.marked_texts == {"one two three four", "buy this great thing now"}
    assert ev.marked_texts == _marked_texts_plainly(tree.find("body"), ev.page_words)


def test_preload_loads_dateparsers_locales_and_ftfy():
    """htmldate asks dateparser about dates in words; dateparser reads its ~200 locales on its first
    such call (5-9 s); the line filters import ftfy on their first mojibake (~1 s): in the
    forkserver, once, not on a worker's first such page."""
    code = ("import sys; from dateparser.languages.loader import LocaleDataLoader as L; n0 = len(L._loaded_locales); "
            "f0 = 'ftfy' in sys.modules; import copydesk.cleaning.preload; "
            "print(n0, len(L._loaded_locales), int(f0), int('ftfy' in sys.modules))")
    before, after, ftfy_before, ftfy_after = map(int, subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert before == 0 and after >= 100
    assert (ftfy_before, ftfy_after) == (0, 1)


BRIEF = ("<html><head><title>Harbour notice</title></head><body><nav><a href='/'>Home</a></nav><article>"
         "<p>The northern ferry pier closes on Saturday from six until noon for repairs to its gangway, "
         "the harbour office said; boats will use the southern pier instead.</p></article></body></html>")


@pytest.mark.parametrize("select", ["rules", "cascade", "evidence"])
def test_min_words_is_a_policy_on_the_result(select):
    """The same text is extracted whatever min_words says; only the verdict differs."""
    assert analyze(BRIEF, "https://harbour.test/notice", select=select) == Rejected("too_short")
    short = analyze(BRIEF, "https://harbour.test/notice", select=select, min_words=1)
    assert isinstance(short, Article) and short.text.startswith("The northern ferry pier closes on Saturday")
    for c in CASES[::8]:
        html = (FIXTURES / c["html_path"]).read_text(encoding="utf-8")
        a, b = analyze(html, c["url"], select=select), analyze(html, c["url"], select=select, min_words=1)
        assert not isinstance(a, Article) or a == b
