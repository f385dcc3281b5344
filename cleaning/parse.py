"""HTML string -> lxml tree, with recovery for markup that lxml cannot turn into a usable tree.

Browsers and lxml agree that an unclosed <!--, <script>, <style>, <title> or <textarea> swallows
the rest of the page, and libxml2 gives up on very deep nesting. For news pages the text is what
matters, so recovery first closes those runaway elements and, if the tree is still empty, rebuilds a
flat document of paragraphs with the standard library's tolerant tokenizer (html.parser).
"""
from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from html.parser import HTMLParser as _Tokenizer

import lxml.html
from lxml.etree import ParserError, XMLSyntaxError

_PARSER = lxml.html.HTMLParser(
    huge_tree=True, remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_RAW_TEXT = ("script", "style", "title", "textarea", "xmp", "noscript")


def sanitize(markup: str) -> str:
    """Characters XML trees cannot hold (NUL, C0 controls, U+FFFE, U+FFFF: lxml parses them but
    refuses them in a text it is given back) and an XML declaration lxml rejects in str input."""
    if _has_control(markup):
        markup = _CONTROL.sub("", markup)
    if "\ufffe" in markup or "\uffff" in markup:
        markup = markup.replace("\ufffe", "").replace("\uffff", "")
    return _XML_DECL.sub("", markup, count=1)


def _has_control(markup: str) -> bool:
    # Pages rarely hold one; encoding and deleting bytes in C take half the time of the regex scan.
    # In UTF-8 a byte below 0x80 only ever encodes that ASCII character.
    data = markup.encode("utf-8", "surrogatepass")
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


def parse_html(markup: str) -> lxml.html.HtmlElement | None:
    try:
        tree = lxml.html.document_fromstring(markup, parser=_PARSER)
    except (ParserError, XMLSyntaxError, ValueError):
        return None
    return tree


def drop_placeholder_anchors(tree: lxml.html.HtmlElement) -> None:
    """Unwrap <a> elements without href, keeping their text: HTML's placeholders (jump targets
    such as <a name="q3">), not links; and the empty in-page links set before a heading's text
    (`<h2><a class="anchor" href="#hardware"></a>Hardware</h2>`: a forum's or a docs page's
    permalink). The extractors count every <a> as a link when they judge a paragraph's link
    density, and drop a paragraph (or heading) that is all placeholder."""
    parents = {id(p): p for a in tree.iter("a") if _is_placeholder(a) and (p := a.getparent()) is not None}
    for parent in parents.values():
        _unwrap_children(parent, _is_placeholder)


def _is_placeholder(el: lxml.html.HtmlElement) -> bool:
    if el.tag != "a":
        return False
    href = el.get("href")
    return href is None or (href.startswith("#") and not el.text_content().strip())


def _unwrap_children(parent: lxml.html.HtmlElement, unwrap: Callable[[lxml.html.HtmlElement], bool]) -> None:
    """lxml's drop_tag() on every child of ``parent`` that ``unwrap`` picks (and on such children of
    theirs), in one pass: drop_tag() looks its element up among its siblings, so unwrapping each of
    100,000 sibling anchors took 14 s (a fuzzed page). Texts are joined once per gap, not one piece
    at a time (each assignment copies the whole string into libxml2)."""
    children = [(child, child.tail) for child in parent]
    del parent[:]
    pending: list[str] = [parent.text or ""]  # text after the last element put back (or the parent's own)
    last: list[lxml.html.HtmlElement] = []

    def flush() -> None:
        joined = "".join(pending)
        if last:
            last[0].tail = joined or None
        else:
            parent.text = joined or None

    def put(el: lxml.html.HtmlElement, tail: str | None) -> None:
        if isinstance(el.tag, str) and unwrap(el):
            inner = [(child, child.tail) for child in el]
            del el[:]
            pending.append(el.text or "")
            for child, child_tail in inner:
                put(child, child_tail)
        else:
            flush()
            pending[:] = []
            el.tail = None
            parent.append(el)
            last[:] = [el]
        pending.append(tail or "")

    for child, tail in children:
        put(child, tail)
    flush()


def separate_br_lines(tree: lxml.html.HtmlElement) -> None:
    """Give every <br> a line break after it, as pretty-printed markup has. trafilatura glues the
    text after a <br> that is followed directly by an element to the text before it in some layouts
    ("...at GullhavenPosted 2026-03-05", a table cell unwrapped), though not when a newline follows."""
    for br in tree.iter("br"):
        tail = br.tail or ""
        if not tail[:1].isspace():
            try:
                br.tail = "\n" + tail
            except ValueError:  # a character lxml parsed but will not take back (sanitize removes them)
                pass


def trafilatura_tree(markup: str) -> lxml.html.HtmlElement | str:
    """The page parsed once the way trafilatura parses a string itself (its own loader), to hand to
    several trafilatura calls: each works on its own copy, so the results are those of passing the
    string each time, without parsing it each time. The markup itself when trafilatura's loader
    refuses it (each call then refuses it as before)."""
    from trafilatura.utils import load_html

    tree = load_html(markup)
    return markup if tree is None else tree


def body_words(tree: lxml.html.HtmlElement | None) -> int:
    if tree is None:
        return 0
    body = tree.find("body")
    node = body if body is not None else tree
    return len(node.text_content().split())


_SCRIPTISH = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")


def markup_words(markup: str) -> int:
    """Rough count of the words a reader would see: tags, scripts and styles removed by regex."""
    text = _TAG.sub(" ", _SCRIPTISH.sub(" ", markup))
    return len(text.split())


_BLOCK_START = re.compile(r"</?(?:head|body|div|p|article|main|section|h[1-6]|table|ul|ol|header|nav)\b", re.I)


def repair_markup(markup: str) -> str:
    """Close the runaway elements that swallow a page: <!-- without -->, raw-text tags without end tag.

    Linear in the page for any number of runaway elements (a page of 10,000 unclosed <script>s
    or <!--s took seconds when each repair copied and lower-cased the whole page).
    """
    start = markup.find("<!--")
    while start != -1:
        end = markup.find("-->", start + 4)
        if end == -1:
            # no "-->" after this "<!--", so none after any later one either: drop them all, left
            # to right (what removing them one at a time and searching on did, without the copies)
            markup = markup[:start] + markup[start:].replace("<!--", "")
            break
        start = markup.find("<!--", end + 3)
    for tag in _RAW_TEXT:
        lower = markup.lower()
        opening = re.compile(rf"<{tag}\b[^>]*>", re.I)
        pieces: list[str] = []
        last = pos = 0
        no_close_from = len(lower) + 1  # no "</tag" after this offset
        while True:
            m = opening.search(lower, pos)
            if not m:
                break
            close = lower.find(f"</{tag}", m.end()) if m.end() < no_close_from else -1
            if close != -1:
                pos = close + len(tag) + 2
                continue
            no_close_from = min(no_close_from, m.end())
            # Unclosed: end the element at the next tag that cannot belong to it.
            nxt = _BLOCK_START.search(lower, m.end())
            cut = nxt.start() if nxt else len(markup)
            pieces += [markup[last:cut], f"</{tag}>"]
            last = pos = cut
        if pieces:
            markup = "".join(pieces) + markup[last:]
    return markup


_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 article section main header footer nav aside blockquote pre "
    "table tr td th dd dt dl figure figcaption form hr address".split()
)
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "head", "title", "svg", "iframe", "select", "button"))


class _Flattener(_Tokenizer):
    """Text runs between block boundaries, skipping script/style/head; never raises on bad markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data)


def flatten_markup(markup: str) -> lxml.html.HtmlElement | None:
    """A flat <body> of one <p> per text block, for markup lxml could not build a usable tree from."""
    tok = _Flattener()
    try:
        tok.feed(markup)
        tok.close()
    except Exception:  # html.parser is lenient, but a last resort must not fail on anything
        pass
    tok._flush()
    if not tok.blocks:
        return None
    body = "".join(f"<p>{htmllib.escape(b)}</p>" for b in tok.blocks)
    return parse_html(f"<html><body><article>{body}</article></body></html>")


def recovery_trees(markup: str):
    """Trees to retry extraction on when the first attempt found (almost) no text, best first.

    The markup with runaway elements closed, parsed by lxml; then, when that tree still holds
    far less text than the markup shows, a flat rebuild by the standard library's tokenizer.
    """
    repaired = repair_markup(markup)
    tree = parse_html(repaired)
    if tree is not None:
        yield tree
    visible = markup_words(repaired)
    if visible >= 20 and body_words(tree) < 0.5 * visible:
        flat = flatten_markup(repaired)
        if flat is not None:
            yield flat
