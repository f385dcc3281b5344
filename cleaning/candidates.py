"""Candidate extractions of one page, and the page's own evidence about what its article is.

Each extractor sees the page its own way: trafilatura in precision or balanced mode, fast (its
main extractor alone) or full (with its readability/jusText comparison), readability-lxml, jusText.
They fail differently (a layout-table row, a promo box, a comment thread, a teaser list), so
copydesk asks several and lets `cleaning.selector` choose by evidence rather than by length.

`page_evidence` collects what the page says about itself, independent of any extractor: its title
and headline, its description (meta, og, ld+json), the ld+json articleBody when there is one, and
the texts of its links (a line of a candidate that is a link text is navigation or a teaser).
"""
from __future__ import annotations

import json
import re
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

import lxml.etree
import lxml.html
import trafilatura

from . import postclean
from .metadata import page_metadata
from .parse import trafilatura_tree
from .second_opinion import readability_text
from .stoplists import remember_stoplists

remember_stoplists()  # trafilatura's full passes call jusText; see cleaning.stoplists

# The candidates of the evidence-based choice (analyze(select="evidence"), and the pages the cascade
# escalates), in the order they are computed. Each earns its place on the development sets
# (docs/cleaning.md, "Candidates").
DEFAULT_CANDIDATES = ("tp_fast", "t_full", "readability", "justext")
ALL_CANDIDATES = ("tp_fast", "t_fast", "tp_full", "t_full", "readability", "justext")

# A tree nested deeper than this (no real layout is; libxml2 builds such trees from 100,000 unclosed
# <div>s) gets only the first candidate: the others take seconds on it and find nothing more.
MAX_DEPTH_FOR_ALL = 256

_TRAFILATURA_MODES: dict[str, dict[str, bool]] = {
    "tp_fast": {"fast": True, "favor_precision": True},
    "t_fast": {"fast": True, "favor_precision": False},
    "tp_full": {"fast": False, "favor_precision": True},
    "t_full": {"fast": False, "favor_precision": False},
}


@dataclass
class Evidence:
    """What the page says about its own article, before any extractor runs."""

    title: str = ""  # <title>, og:title, the first <h1>, ld+json headline (joined)
    description: str = ""  # meta description, og:description, ld+json description (joined)
    ld_body: str = ""  # ld+json articleBody
    link_texts: set[str] = field(default_factory=set)  # normalised texts of <a> elements of 3+ words
    page_words: int = 0  # words of the page's visible text
    marked_texts: set[str] = field(default_factory=set)  # blocks inside promo/comment/teaser/... containers

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "description": self.description, "ld_body": self.ld_body,
                "link_texts": sorted(self.link_texts), "page_words": self.page_words,
                "marked_texts": sorted(self.marked_texts)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(d.get("title", ""), d.get("description", ""), d.get("ld_body", ""),
                   set(d.get("link_texts", ())), int(d.get("page_words", 0)), set(d.get("marked_texts", ())))


_SPACE = re.compile(r"\s+")


def norm_line(text: str) -> str:
    """The key a line and a link text are compared by: lower case, single spaces, no edge punctuation."""
    return _SPACE.sub(" ", text).strip(" \t\n|·•-–—:;,.!?\"'“”«»").lower()


def _meta(tree: lxml.html.HtmlElement, *names: str) -> list[str]:
    out = []
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or "").lower()
        if key in names and el.get("content"):
            out.append(el.get("content"))
    return out


def ld_objects(tree: lxml.html.HtmlElement):
    """The objects of the page's ld+json scripts, nested lists and @graph included."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)


# class or id words of containers that hold no article text: ads and promos, teasers and related
# links, comments, share bars, newsletters, navigation (matched as whole words of the attribute)
_MARKED = re.compile(
    r"(?:^|[\s_-])(?:promo\w*|advert\w*|ads?|sponsor\w*|teasers?|related|recommend\w*|comments?|replies|reply"
    r"|share|sharing|social|newsletter|subscribe|sidebar|widget|footer|nav|menu|breadcrumbs?|outbrain|taboola)(?:$|[\s_-])",
    re.I,
)
_MARKED_BLOCKS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "td", "dd", "blockquote")
# a marked container holding more than this share of the page's words is a page wrapper, not a box
MAX_MARKED_SHARE = 0.5


def _marked_texts(body: lxml.html.HtmlElement, page_words: int) -> set[str]:
    """Normalised texts (3+ words) of the blocks inside containers whose class or id says they are
    not article (promo, teaser, comments, share, sidebar ...)."""
    out: set[str] = set()
    known: dict[lxml.html.HtmlElement, str] = {}  # nested marked containers share their blocks: read each once
    marked: dict[str, bool] = {}  # a page repeats its class names
    for el in body.xpath("descendant-or-self::*[@class or @id]"):  # no other element can be marked
        attr = f"{el.get('class') or ''} {el.get('id') or ''}"
        is_marked = marked.get(attr)
        if is_marked is None:
            is_marked = marked[attr] = len(attr) >= 3 and _MARKED.search(attr) is not None
        if not is_marked:
            continue
        blocks = list(el.iter(*_MARKED_BLOCKS)) or [el]
        texts = []
        for b in blocks:
            text = known.get(b)
            if text is None:
                text = known[b] = norm_line(b.text_content())
            texts.append(text)
        if sum(t.count(" ") + 1 for t in texts) > MAX_MARKED_SHARE * page_words:
            continue
        out.update(t for t in texts if t.count(" ") >= 2)
    return out


# a marked box between two paragraphs of the article: a promo, an ad or a related link set into the column
_INLINE_BOX = lxml.etree.XPath(
    "//*[@class or @id][preceding-sibling::*[1][self::p]][following-sibling::*[1][self::p] or not(following-sibling::*)]"
    "[.//a[@href]]"
)
INLINE_BOX_WORDS = 120  # a box in the column is short; a longer marked block between paragraphs is left alone
# the kinds of box whose text is never the story's: not "social" or "share" (an embedded post is
# quoted in the story), not "comments" (the thread has its own rules)
_INLINE_BOX_KIND = re.compile(
    r"(?:^|[\s_-])(?:promo\w*|advert\w*|ads?|sponsor\w*|teasers?|related|recommend\w*|newsletter|subscribe|outbrain|taboola)"
    r"(?:$|[\s_-])",
    re.I,
)


def inline_box_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """Normalised texts (3+ words) of the blocks of marked boxes set into the article column.

    A box is an element whose class or id says it is a promo, an ad, a newsletter or related stories,
    that holds a link, has at most INLINE_BOX_WORDS words and follows a <p> of 10+ words, with another
    such <p> or nothing after it: a mortgage promo or a "related" box between the paragraphs of a
    story or at the end of its column. trafilatura keeps the box's paragraph (it is prose) and drops
    only its heading and link.
    """
    out: set[str] = set()
    for box in _INLINE_BOX(tree):
        attr = f"{box.get('class') or ''} {box.get('id') or ''}"
        if not _INLINE_BOX_KIND.search(attr):
            continue
        prev, nxt = box.getprevious(), box.getnext()
        if len(prev.text_content().split()) < 10 or (nxt is not None and len(nxt.text_content().split()) < 10):
            continue
        if len(box.text_content().split()) > INLINE_BOX_WORDS:
            continue
        for block in box.iter(*_MARKED_BLOCKS):
            text = norm_line(block.text_content())
            if text.count(" ") >= 2:
                out.add(text)
    return out


def page_evidence(tree: lxml.html.HtmlElement) -> Evidence:
    """Title, description, ld+json body and link texts of a parsed page (the tree is not changed)."""
    titles: list[str] = []
    t = tree.find(".//title")
    if t is not None and t.text_content():
        titles.append(t.text_content())
    titles += _meta(tree, "og:title", "twitter:title")
    h1 = tree.find(".//h1")
    if h1 is not None:
        titles.append(h1.text_content())
    descs = _meta(tree, "description", "og:description", "twitter:description")
    ld_body = ""
    for obj in ld_objects(tree):
        for key, into in (("headline", titles), ("description", descs)):
            if isinstance(obj.get(key), str):
                into.append(obj[key])
        body = obj.get("articleBody") or obj.get("text")
        if isinstance(body, str) and len(body) > len(ld_body):
            ld_body = body
    links = set()
    for a in tree.iter("a"):
        text = norm_line(a.text_content())
        if text.count(" ") >= 2:
            links.add(text)
    body = tree.find("body")
    body = body if body is not None else tree
    page_words = len(body.text_content().split())
    return Evidence(" \n".join(titles), " \n".join(descs), ld_body, links, page_words, _marked_texts(body, page_words))


def tree_depth(tree: lxml.html.HtmlElement) -> int:
    """The deepest nesting of elements in `tree` (one pass over the tree)."""
    depth = deepest = 0
    for event, _el in lxml.etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def trafilatura_candidate(page: Any, url: str | None, mode: str, *, metadata: bool = False,
                          date_params: dict[str, Any] | None = None) -> Any:
    """trafilatura's Document in one of its modes (comments off, tables in), or None.

    With `metadata` the Document also carries the page's metadata (dates read with htmldate's
    `date_params`): the fields copydesk keeps, read by cleaning.metadata on the same parsed page
    (trafilatura's own metadata pass also reads categories, tags and a licence, and its dates with
    htmldate, which takes a footer's copyright year for a publication date).
    """
    options = _TRAFILATURA_MODES[mode]
    try:
        if not metadata:
            return trafilatura.bare_extraction(
                page, url=url, include_comments=False, deduplicate=False, with_metadata=metadata,
                include_tables=True, date_extraction_params=date_params, **options,
            )
        tree = trafilatura_tree(page) if isinstance(page, str) else page
        if isinstance(tree, str):
            return None  # trafilatura's loader refuses the page (so would bare_extraction)
        doc = trafilatura.bare_extraction(tree, url=url, include_comments=False, deduplicate=False,
                                          include_tables=True, **options)
        if doc is None:
            return None
        meta = page_metadata(tree, url, date_params, extensive=options["fast"])
        meta.text, meta.raw_text, meta.body = doc.text, doc.raw_text, doc.body
        return meta
    except Exception:  # a library bug on one odd page must not cost the page
        return None


def trafilatura_metadata(page: Any, url: str | None, mode: str, date_params: dict[str, Any] | None = None) -> Any:
    """The page's metadata as trafilatura_candidate(page, url, mode, metadata=True) reads it, without a
    pass over its text (a Document without text), or None when a library raises on the page, as it
    then is from trafilatura_candidate."""
    try:
        return page_metadata(page, url, date_params, extensive=_TRAFILATURA_MODES[mode]["fast"])
    except Exception:  # a library bug on one odd page must not cost the page
        return None


_JUSTEXT_LANGS = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish", "no": "Norwegian_Bokmal", "nb": "Norwegian_Bokmal",
    "fi": "Finnish", "cs": "Czech", "ru": "Russian", "uk": "Ukrainian", "tr": "Turkish", "hu": "Hungarian",
    "ro": "Romanian", "el": "Greek", "ca": "Catalan", "hr": "Croatian", "sk": "Slovak", "sl": "Slovenian",
}
_STOPLISTS: dict[str, frozenset[str]] = {}


def stoplist(lang: str | None) -> frozenset[str]:
    """jusText's stopword list for an ISO 639-1 code (English when unknown), cached per process."""
    name = _JUSTEXT_LANGS.get((lang or "en")[:2].lower(), "English")
    if name not in _STOPLISTS:
        import justext

        _STOPLISTS[name] = frozenset(justext.get_stoplist(name))
    return _STOPLISTS[name]


def justext_text(tree: lxml.html.HtmlElement, lang: str | None) -> str:
    """jusText's good paragraphs, one per line (jusText's default parameters). Does not change `tree`."""
    try:
        from justext.core import ParagraphMaker, classify_paragraphs, preprocessor, revise_paragraph_classification

        dom = preprocessor(deepcopy(tree))
        paragraphs = ParagraphMaker.make_paragraphs(dom)
        classify_paragraphs(paragraphs, stoplist(lang))
        revise_paragraph_classification(paragraphs)
    except Exception:  # only a candidate
        return ""
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([a-zA-Z]{2,3})\b""", re.I)


def declared_language(markup: str) -> str | None:
    m = _HTML_LANG.search(markup[:5000])
    return m.group(1).lower() if m else None


def post(text: str, enabled: bool = True) -> str:
    if not text:
        return ""
    return postclean.clean_text(text) if enabled else postclean.normalize(text)


def extract_candidates(
    tree: lxml.html.HtmlElement,
    markup: str,
    url: str | None,
    names: tuple[str, ...] = DEFAULT_CANDIDATES,
    *,
    post_clean: bool = True,
    date_params: dict[str, Any] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[dict[str, str], Any]:
    """{name: post-cleaned text} for each candidate in `names`, and trafilatura's metadata Document
    (from the first trafilatura candidate, read with htmldate's `date_params`).

    `tree` is consumed (readability changes it): pass a tree parsed for this call.
    """
    import time

    texts: dict[str, str] = {}
    meta_doc = None
    for name in names:
        if name == "readability":
            continue  # last: it mutates the tree
        t0 = time.perf_counter()
        if name in _TRAFILATURA_MODES:
            doc = trafilatura_candidate(tree, url, name, metadata=meta_doc is None, date_params=date_params)
            if meta_doc is None:
                meta_doc = doc
            texts[name] = post(doc.text if doc is not None else "", post_clean)
        elif name == "justext":
            texts[name] = post(justext_text(tree, declared_language(markup)), post_clean)
        if timings is not None:
            timings[name] = time.perf_counter() - t0
    if "readability" in names:
        t0 = time.perf_counter()
        texts["readability"] = post(readability_text(tree), post_clean)
        if timings is not None:
            timings["readability"] = time.perf_counter() - t0
    return texts, meta_doc
