"""copydesk cleaning stage: HTML -> clean article text and metadata.

    from copydesk.cleaning import analyze, extract
    result = analyze(html_bytes, url, content_type="text/html; charset=utf-8")
    if result:                      # an Article
        print(result.title, result.word_count)
    else:                           # a Rejected, falsy, with .reason
        print("skipped:", result.reason)

By default the rule-based extraction (cleaning.rules: trafilatura's precision mode, escalating on
word counts, readability-lxml as a second opinion). On request (analyze(..., select="cascade") or
select="evidence"), more extractors (trafilatura's full mode, readability-lxml, jusText) give
candidate texts and a small learned model chooses between them by evidence (cleaning.evidence,
cleaning.selector), never by length alone; the cascade asks them only when a small learned gate
(cleaning.cascade) says the rules' text is at risk. Texts are post-cleaned by copydesk's line
filters (cleaning.postclean).
SiteTemplates removes lines that recur across pages of one site. See docs/cleaning.md.
"""
from .encoding import decode_html
from .extract import DEFAULT_MIN_WORDS, analyze, extract
from .model import Article, Rejected
from .postclean import clean_text
from .templates import SiteTemplates, line_keys

__all__ = [
    "DEFAULT_MIN_WORDS",
    "Article",
    "Rejected",
    "SiteTemplates",
    "line_keys",
    "analyze",
    "clean_text",
    "decode_html",
    "extract",
]
