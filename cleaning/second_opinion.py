"""readability-lxml's main content as text: one of the candidate extractions (cleaning.candidates).

trafilatura fails in recognisable ways (it returns almost nothing, or only the first of several
body containers split by ads); readability scores the page differently and often gets those.
Which candidate wins is decided by cleaning.selector.
"""
from __future__ import annotations

import logging

import lxml.html
from readability import Document

_BLOCKS = (
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "dd", "dt",
    "figcaption", "section", "article", "table", "ul", "ol", "header", "footer",
)

logging.getLogger("readability").setLevel(logging.ERROR)
logging.getLogger("readability.readability").setLevel(logging.ERROR)


def readability_text(tree: lxml.html.HtmlElement) -> str:
    """readability-lxml's main content as text, one block per line. Mutates `tree`."""
    try:
        summary = Document(tree).summary(html_partial=True)
        frag = lxml.html.fragment_fromstring(summary, create_parent="div")
        for el in frag.iter(*_BLOCKS, "br"):
            # lxml refuses to set text it considers not XML-compatible (ValueError), even text it parsed
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    except Exception:  # readability raises on odd trees (Unparseable, empty body); it is only a second opinion
        return ""
    lines = (" ".join(line.split()) for line in frag.text_content().split("\n"))
    return "\n".join(line for line in lines if line)
