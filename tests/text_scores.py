"""Scores of an extracted text against the expected text, shared by the cleaning tests and the
cleaning benches (bench/extraction.py, bench/dev_sets.py, bench/train_selector.py); the
definitions are in bench/extraction.py's docstring.

    token_prf(out, exp)  token precision, recall, F1: multisets of word tokens (\\w+), lower-cased
    leaks(out, exp)      the code patterns and boilerplate phrases found more often in out than in exp
"""
from __future__ import annotations

import re
from collections import Counter

WORD = re.compile(r"\w+")


def token_prf(out: str, exp: str) -> tuple[float, float, float]:
    o = Counter(WORD.findall(out.lower()))
    e = Counter(WORD.findall(exp.lower()))
    n_o, n_e = sum(o.values()), sum(e.values())
    if n_o == 0 and n_e == 0:
        return 1.0, 1.0, 1.0
    if n_o == 0 or n_e == 0:
        return 0.0, 0.0, 0.0
    tp = sum((o & e).values())
    p, r = tp / n_o, tp / n_e
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


_CODE = {
    "function(": r"\bfunction\s*\w*\s*\(",
    "document.<api>": r"\bdocument\.(?:getElement|querySelector|write|createElement|cookie|body\.|location)",
    "var/const x =": r"\b(?:var|const)\s+[A-Za-z_$][\w$]*\s*=[^=]",
    "});": r"\}\s*\)\s*;",
    "window.": r"\bwindow\.[A-Za-z_$]",
    "tracking call": r"googletag\.|\bgtag\(|\bdataLayer\b|_gaq\.push|adsbygoogle|\bfbq\(",
    "html tag": r"(?i)</?(?:script|div|span|iframe|style)\b[^>]*>|<!--|-->",
    "css rule": r"\{[^{}\n]*\b(?:display|margin|padding|font-size|font-family|width|height|color)\s*:[^{}\n]*\}",
}
_ANYWHERE = (
    "Leave a Reply", "Post a Comment", "Comments are closed", "Your email address will not be published",
    "Subscribe to our newsletter", "Sign up for our newsletter", "Sign up to our newsletter",
    "All rights reserved", "We use cookies", "Skip to content", "Skip to main content",
)
_LINE_START = (
    "Related posts", "Related articles", "Related stories", "Related content", "Related",
    "You may also like", "You might also like", "Recommended for you", "Recommended", "More from",
    "Most popular", "Most read", "Trending now", "Newsletter", "Subscribe now", "Subscribe",
    "Share this article", "Share this", "Share on Facebook", "Share on Twitter", "Follow us",
    "Advertisement", "Sponsored content", "Back to top", "Sign in", "Log in", "Privacy policy",
    "Terms of use", "Terms of service", "Cookie policy", "Click here to", "Leave a Comment",
    "Add a comment", "Read more", "Comments", "Copyright", "\u00a9",
)


def _flex(phrase: str) -> str:
    return r"\s+".join(re.escape(w) for w in phrase.split(" "))


LEAK_RULES: dict[str, tuple[str, re.Pattern]] = {}
for _name, _rx in _CODE.items():
    LEAK_RULES[_name] = ("js", re.compile(_rx))
for _ph in _ANYWHERE:
    LEAK_RULES[_ph] = ("bp", re.compile(r"(?i)(?<!\w)" + _flex(_ph) + r"(?!\w)"))
for _ph in _LINE_START:
    _rest = 12 - len(_ph.split())
    LEAK_RULES["^" + _ph] = ("bp", re.compile(
        r"(?im)^[ \t]*" + _flex(_ph) + r"(?!\w)(?:[^\S\n]*\S+){0,%d}[ \t]*$" % _rest))


def leaks(out: str, exp: str) -> list[str]:
    return [name for name, (_kind, rx) in LEAK_RULES.items() if len(rx.findall(out)) > len(rx.findall(exp))]
