"""The rule-based extraction of issue #5: trafilatura's precision mode first, escalating on fixed
rules. It is the first, cheap stage of copydesk's cascade (cleaning.cascade) and `select="rules"`.

    fast precision pass -> full pass when it has under 2 x min_words, unless it has min_words and
    covers 45 % of the page's <p> prose (a short article found whole) -> damaged-HTML recovery
    (fast passes on repaired trees) when still under min_words -> layout tables unwrapped when a
    table row of 60+ words came out -> readability-lxml as a second opinion when the text is short,
    covers under 45 % of the page's <p> prose or is still layout-table rows
    (cleaning.second_opinion.choose) -> trafilatura's balanced full pass when all of that left under
    min_words (taken when its text reads as prose or holds the text found so far) -> the page's
    ld+json articleBody when still under min_words (a page that renders its article with script) ->
    the lines of promo and related boxes set into the article column dropped
    (candidates.inline_box_texts)

A page laid out with tables (layout_tables) that hold no other table (reads_unwrapped_first) is first
read with them unwrapped (read_unwrapped: the full pass); when that reading holds the page (UnwrappedReading.holds_page) it is the text and none
of the passes before the layout-table step runs; otherwise it serves that step.

A page that declares itself a forum thread (schema.org DiscussionForumPosting) is read in balanced
mode: precision mode prunes its posts as comments. On a page whose prose is not in <p>s, the full
pass is also asked when the fast text covers under 45 % of the page's prose counted in every
element (page_prose_words), and taken when it is another text that covers the page (the fast pass
took a box beside the article).

The page's placeholder anchors (<a> without href) are unwrapped before any pass
(parse.drop_placeholder_anchors), and every <br> gets a line break after it
(parse.separate_br_lines). The text of the first (fast precision) pass is kept too: the
cascade reuses it as the `tp_fast` candidate when it escalates, instead of computing it again
(unless the unwrapped reading made the fast pass unnecessary); and
so is the parsed page (one parse serves both trafilatura passes, their metadata and the cascade's
page evidence).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html

from . import candidates
from .headline import declared_site_names, shown_headline, without_site_name
from .model import count_words
from .parse import drop_placeholder_anchors, parse_html, recovery_trees, separate_br_lines, trafilatura_tree
from .second_opinion import READABILITY_CONTAINMENT, _containment, choose, readability_text, reads_as_prose


# The rules' fixed thresholds; their effect on each development set is in docs/cleaning.md
# ("Thresholds"), measured by bench/rules_thresholds.py.
FULL_PASS_FACTOR = 2  # the full pass runs when the fast pass has under this many x min_words
LAYOUT_ROW_WORDS = 60  # a table row (or cell) of this many words means a layout table
UNWRAP_KEEPS = 0.5  # the reading with layout tables unwrapped keeps this share of the words it replaces (or of the page's, to skip the fast pass)
SECOND_OPINION_COVERAGE = 0.45  # readability (and, under 2 x min_words, the full pass) is asked when the text has under this share of the page's <p> words


@dataclass
class RulesResult:
    text: str  # post-cleaned, headline not yet dropped
    doc: Any  # trafilatura's Document with the page's metadata (None when trafilatura failed)
    # post-cleaned text of the first pass (trafilatura, fast; precision when favoured, except on a forum thread)
    # None when the page was read with its layout tables unwrapped and no fast pass ran
    fast_text: str | None
    # the page as trafilatura's loader parsed it, placeholder anchors unwrapped, a line break after each
    # <br> (parse.separate_br_lines), otherwise unchanged
    # (each trafilatura call worked on its own copy), for the cascade's page evidence; the markup
    # itself when that loader refused the page
    page: lxml.html.HtmlElement | str
    # readability-lxml's post-cleaned text of the page itself (copydesk's parse, `<br>`s separated), when the
    # second opinion was asked on it: the cascade reuses it as its `readability` candidate
    readability: str | None = None
    fast_mode: str = "tp_fast"  # the trafilatura mode of the first pass (candidates._TRAFILATURA_MODES)


def rules_extract(markup: str, url: str | None, *, min_words: int, favor_precision: bool = True,
                  second_opinion: bool = True, post_clean: bool = True,
                  date_params: dict[str, Any] | None = None) -> RulesResult:
    """The issue-#5 escalation on one page (sanitised markup)."""
    fast_mode = "tp_fast" if favor_precision else "t_fast"
    full_mode = "tp_full" if favor_precision else "t_full"
    page = trafilatura_tree(markup)  # one parse for the fast and the full pass (and their metadata)
    if not isinstance(page, str):
        drop_placeholder_anchors(page)
        separate_br_lines(page)
        if favor_precision and is_forum_thread(page):
            # a forum thread's posts are its content, and precision mode prunes them as comments
            fast_mode, full_mode = "t_fast", "t_full"
    paragraph_words = page_paragraph_words(markup)
    # a page laid out with tables is read with them unwrapped first: when that reading holds the
    # page, the fast pass (which would give the tables' rows, then this same reading) is not run
    unwrapped_reading = None
    if not isinstance(page, str) and reads_unwrapped_first(page):
        unwrapped_reading = read_unwrapped(_parse(markup), url, full_mode, post_clean)
    fast_text: str | None = None
    if unwrapped_reading is not None and unwrapped_reading.holds_page(page, min_words):
        # the page's metadata as the fast pass reads it (and, as there, none when a library raises on it)
        doc = merge_meta(unwrapped_reading.doc, candidates.trafilatura_metadata(page, url, fast_mode, date_params))
        text, words = unwrapped_reading.text, count_words(unwrapped_reading.text)
    else:
        doc = candidates.trafilatura_candidate(page, url, fast_mode, metadata=True, date_params=date_params)
        text = fast_text = candidates.post(doc.text if doc else "", post_clean)
        words = count_words(text)
    if fast_text is None:
        pass  # the unwrapped reading holds the page: neither the full pass nor recovery is asked
    elif words < FULL_PASS_FACTOR * min_words and not _covers_page(words, paragraph_words, min_words):
        full = candidates.trafilatura_candidate(page, url, full_mode, metadata=doc is None, date_params=date_params)
        full_text = candidates.post(full.text if full else "", post_clean)
        full_words = count_words(full_text)
        if full_words > words:
            doc, text, words = merge_meta(full, doc), full_text, full_words
    elif words >= FULL_PASS_FACTOR * min_words and paragraph_words <= words and not isinstance(page, str):
        # the text holds as many words as all the page's <p>s: the <p> coverage above cannot tell
        # whether the fast pass took a box beside an article whose prose is not in <p>s, the page's
        # prose counted in every element can
        prose = page_prose_words(page)
        if words < SECOND_OPINION_COVERAGE * prose:
            full = candidates.trafilatura_candidate(page, url, full_mode, date_params=date_params)
            full_text = candidates.post(full.text if full else "", post_clean)
            # taken when it is another text (not the fast one with more around it), covers the page
            # and reads as prose
            if (count_words(full_text) >= SECOND_OPINION_COVERAGE * prose
                    and _containment(text, full_text) < READABILITY_CONTAINMENT
                    and reads_as_prose(full_text.split("\n"))):
                doc, text, words = merge_meta(full, doc), full_text, count_words(full_text)

    tree = None
    from_page = False  # `tree` is _parse(markup): the page itself (not a recovery tree, not unwrapped)
    if words < min_words:
        for candidate in recovery_trees(markup):
            rec = candidates.trafilatura_candidate(candidate, url, fast_mode, metadata=doc is None, date_params=date_params)
            rec_text = candidates.post(rec.text if rec else "", post_clean)
            rec_words = count_words(rec_text)
            if rec_words > words:
                doc, text, words, tree = merge_meta(rec, doc), rec_text, rec_words, candidate
            if words >= min_words:
                break

    # the text is trafilatura's reading of the page with its layout tables unwrapped
    unwrapped = fast_text is None
    table_rows = _has_layout_table_rows(text)
    if table_rows:
        if tree is not None or unwrapped_reading is None:
            # a recovery tree, or a page whose layout tables only copydesk's parse shows
            if tree is None:
                tree, from_page = _parse(markup), True
            unwrapped_reading = read_unwrapped(tree, url, full_mode, post_clean)
        if unwrapped_reading is not None:
            # the guard against unwrapping losing the article compares what trafilatura extracted,
            # before the line filters: teasers the filters drop from the unwrapped text were
            # inside the table row too, where no filter could reach them
            if unwrapped_reading.raw_words >= UNWRAP_KEEPS * words:
                doc, text = merge_meta(unwrapped_reading.doc, doc), unwrapped_reading.text
                words = count_words(text)
                table_rows = _has_layout_table_rows(text)
                unwrapped = not table_rows
            tree = None  # changed: not the page any more

    readability = None
    # readability is asked when the text is still layout-table rows, or when it is short or covers
    # little of the page's <p> prose, unless it already is a second reading (layout tables unwrapped)
    settled = _covers_page(words, paragraph_words, min_words) or (unwrapped and words >= min_words)
    if second_opinion and (table_rows or not settled):
        if tree is None:
            tree, from_page = _parse(markup), True
        if tree is not None:
            alt = candidates.post(readability_text(tree), post_clean)  # readability mutates `tree`
            readability = alt if from_page else None
            tree = None
            chosen = choose(text, alt, min_words, table_rows=table_rows).text
            if chosen is not text:
                text = chosen
    if count_words(text) < min_words and favor_precision:
        # precision mode can reject a whole article (broken nesting, a short article in an odd
        # container) and neither recovery nor readability found one: balanced mode gets its turn, and
        # its text is taken on the terms readability's is (more words, and they read as prose)
        bal = candidates.trafilatura_candidate(page, url, "t_full", metadata=doc is None, date_params=date_params)
        bal_text = candidates.post(bal.text if bal else "", post_clean)
        # or when it holds the text found so far (the same article, with the lines precision mode dropped)
        if count_words(bal_text) > count_words(text) and (
                reads_as_prose(bal_text.split("\n"))
                or (text and _containment(text, bal_text) >= READABILITY_CONTAINMENT)):
            doc, text = merge_meta(bal, doc), bal_text
    if count_words(text) < min_words and not isinstance(page, str):
        # a page that renders its article with script: the body may be in its structured data only
        body = candidates.post(ld_article_body(page), post_clean)
        if count_words(body) > max(count_words(text), min_words - 1) and reads_as_prose(_SENTENCE_SPLIT.split(body)):
            text = body
    if doc is not None and not isinstance(page, str):
        sites = declared_site_names(page)
        doc.title = shown_headline(page, without_site_name(doc.title, sites), text, sites)
    if not isinstance(page, str):
        # promo and related boxes set into the article column: their paragraph is prose, so every
        # extractor keeps it
        boxes = candidates.inline_box_texts(page)
        if boxes:
            text = "\n".join(line for line in text.split("\n") if candidates.norm_line(line) not in boxes)
    return RulesResult(text, doc, fast_text, page, readability, fast_mode)


# the text of a page that an extraction can hold: not its scripts' and styles' (no extractor keeps them)
_PAGE_TEXT = lxml.etree.XPath(".//text()[not(parent::script or parent::style)]")


@dataclass
class UnwrappedReading:
    """trafilatura's full pass over the page with its layout tables unwrapped (unwrap_layout_tables)."""

    doc: Any  # trafilatura's Document (no metadata), or None
    text: str  # post-cleaned
    raw_words: int  # words of trafilatura's text before the line filters

    def holds_page(self, page: lxml.html.HtmlElement, min_words: int) -> bool:
        """The reading can stand for `page` without a fast pass on the page as it is.

        It has an article's worth of words, no layout-table rows, and keeps UNWRAP_KEEPS of the
        words of every text of the page outside its scripts and styles (_PAGE_TEXT): as no
        extraction of the page has more words than that, this reading would also pass the guard
        that takes it in place of a fast text made of layout-table rows.
        """
        if count_words(self.text) < min_words or _has_layout_table_rows(self.text):
            return False
        body = page.find("body")
        return self.raw_words >= UNWRAP_KEEPS * count_words(" ".join(_PAGE_TEXT(body if body is not None else page)))


def read_unwrapped(tree: lxml.html.HtmlElement | None, url: str | None, mode: str,
                   post_clean: bool) -> UnwrappedReading | None:
    """trafilatura's `mode` pass over `tree` with its layout tables unwrapped (`tree` is changed),
    or None when it has no layout table."""
    if tree is None or not unwrap_layout_tables(tree):
        return None
    doc = candidates.trafilatura_candidate(tree, url, mode)
    raw = doc.text if doc else ""
    return UnwrappedReading(doc, candidates.post(raw, post_clean), count_words(raw))


def _parse(markup: str) -> lxml.html.HtmlElement | None:
    """copydesk's parse of the page, each <br> followed by a line break (parse.separate_br_lines)."""
    tree = parse_html(markup)
    if tree is not None:
        separate_br_lines(tree)
    return tree


def merge_meta(primary: Any, fallback: Any) -> Any:
    """trafilatura Documents: fill the metadata `primary` lacks from `fallback`."""
    if primary is None:
        return fallback
    if fallback is None:
        return primary
    for field in ("title", "author", "date", "sitename", "description", "url", "language"):
        if not getattr(primary, field, None) and getattr(fallback, field, None):
            setattr(primary, field, getattr(fallback, field))
    return primary


_FORUM_POSTING = re.compile(r'"@type"\s*:\s*(?:"DiscussionForumPosting"|\[[^\]]*"DiscussionForumPosting")')


def is_forum_thread(tree: lxml.html.HtmlElement) -> bool:
    """The page declares itself a forum thread (schema.org DiscussionForumPosting, as trafilatura reads it)."""
    return any(script.text and _FORUM_POSTING.search(script.text)
               for script in tree.iterfind('.//script[@type="application/ld+json"]'))


def ld_article_body(tree: lxml.html.HtmlElement) -> str:
    """The longest schema.org articleBody of the page's ld+json, or ""."""
    body = ""
    for obj in candidates.ld_objects(tree):
        value = obj.get("articleBody")
        if isinstance(value, str) and len(value) > len(body):
            body = value
    return body


# an articleBody is often one line: its sentences are what reads as prose or not
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n")
PROSE_RUN_WORDS = 12  # a run of text this long between two tags is prose, whatever the element
# runs of text long enough to hold PROSE_RUN_WORDS words, outside scripts and styles (one XPath, in C)
_LONG_RUNS = lxml.etree.XPath(
    "//text()[string-length(.) >= 24][not(parent::script or parent::style or parent::noscript"
    " or parent::template or parent::title)]"
)


def page_prose_words(tree: lxml.html.HtmlElement) -> int:
    """Words of the page's runs of prose: runs of text between two tags of PROSE_RUN_WORDS words or
    more, in any element (<p>, <div>, <td>...)."""
    n = 0
    for run in _LONG_RUNS(tree):
        words = len(run.split())
        if words >= PROSE_RUN_WORDS:
            n += words
    return n


_TAG = re.compile(r"<[^<>]*>")  # not [^>]*: quadratic on a run of "<" without ">"
_P_NAME_END = frozenset(">\n\t\r ")


def page_paragraph_words(markup: str) -> int:
    """Words inside <p> elements of the whole page (article, comments, footer alike).

    A string scan rather than a parse or a regex over the page: this runs on every page. A <p>
    whose "</p" does not come before the next "<p" is not counted.
    """
    n = 0
    find, size = markup.find, len(markup)
    pos = find("<p")
    while pos != -1:
        nxt = find("<p", pos + 2)
        if markup[pos + 2:pos + 3] in _P_NAME_END:  # not <pre>, <param>, <path>...
            limit = size if nxt == -1 else nxt
            start = find(">", pos + 2, limit) + 1
            end = find("</p", start, limit) if start else -1
            if end > start:
                inner = markup[start:end]
                n += len((_TAG.sub(" ", inner) if "<" in inner else inner).split())
        pos = nxt
    return n


def _covers_page(words: int, paragraph_words: int, min_words: int) -> bool:
    """A text of `words` is long enough and covers the page's paragraph prose (`paragraph_words`,
    page_paragraph_words) well enough that neither the full pass nor readability is asked."""
    return words >= min_words and words >= SECOND_OPINION_COVERAGE * paragraph_words


def _has_layout_table_rows(text: str) -> bool:
    """trafilatura renders table rows as "| a | b |"; a row holding prose means a layout table."""
    return any(line.startswith("|") and count_words(line) >= LAYOUT_ROW_WORDS for line in text.split("\n") if line[:1] == "|")


_TABLE_PARTS = ("table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption")


def layout_tables(tree: lxml.html.HtmlElement, min_cell_words: int | None = None) -> list[lxml.html.HtmlElement]:
    """The tables of `tree` used for page layout: a layout table holds a nested table or a cell of
    prose (`min_cell_words`, default LAYOUT_ROW_WORDS, or more); data tables hold short cells."""
    if min_cell_words is None:
        min_cell_words = LAYOUT_ROW_WORDS
    layout = []
    for table in tree.iter("table"):
        cells = [c for c in table.iter("td", "th") if c.getparent() is not None]
        if any(c.find(".//table") is not None for c in cells) or any(
            len(c.text_content().split()) >= min_cell_words for c in cells
        ):
            layout.append(table)
    return layout


def reads_unwrapped_first(page: lxml.html.HtmlElement) -> bool:
    """The page is laid out with tables, and no other table sits inside them.

    Unwrapping turns every table part under a layout table into a <div>, a data table in the
    article too (a league table, a key-facts box), and trafilatura then drops its short cells; on
    such a page the fast pass on the page as it is often finds the article cell with its table
    whole, so it keeps its turn (on 35 table-laid-out pages written for the check, 5 lost their
    data table when they were read unwrapped first; BENCHMARKS.md, "Session 15").
    """
    layout = set(layout_tables(page))
    return bool(layout) and all(inner in layout for table in layout for inner in table.iter("table"))


def unwrap_layout_tables(tree: lxml.html.HtmlElement, min_cell_words: int | None = None) -> int:
    """Turn tables used for page layout (layout_tables) into plain <div>s, so the article cell reads
    as paragraphs. Returns how many tables were unwrapped."""
    layout = layout_tables(tree, min_cell_words)
    for table in layout:
        for el in table.iter(*_TABLE_PARTS):
            el.tag = "div"
            for attr in ("width", "colspan", "rowspan", "valign", "align", "bgcolor", "cellpadding", "border"):
                el.attrib.pop(attr, None)
    return len(layout)
