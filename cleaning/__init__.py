"""copydesk cleaning stage: HTML -> clean article text and metadata.

    from cleaning import analyze, extract
    result = analyze(html_bytes, url, content_type="text/html; charset=utf-8")
    if result:                      # an Article
        print(result.title, result.word_count)
    else:                           # a Rejected, falsy, with .reason
        print("skipped:", result.reason)

Several extractors (trafilatura in two modes, readability-lxml, jusText) give candidate texts, each
post-cleaned by copydesk's line filters (cleaning.postclean); a small learned model chooses between
them by evidence (cleaning.evidence, cleaning.selector), never by length alone.
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
