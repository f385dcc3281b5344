"""Evidence features for choosing between candidate extractions of one page.

No site name, URL or per-site rule enters: the same numbers are computed for every page, from the
candidates' texts and the page's own evidence (cleaning.candidates.Evidence).

The selector compares candidates in pairs, "does A beat B?", because the question that matters is
whether the text one candidate adds to (or drops from) another is article. For a pair (A, B):

  difference of A's and B's own features (POINT_FEATURES):
    size          log words, share of the page's visible words, "almost empty" (under 20 words)
    agreement     how much of this text the other candidates also return (precision-like) and how
                  much of theirs it covers (recall-like)
    metadata      overlap with the page's title, description (meta, og, ld+json), ld+json articleBody
    shape         share of words in prose lines (10+ words ending in sentence punctuation), in short
                  lines (up to 6 words), in lines that are link texts of the page, in lines that are
                  blocks of containers marked promo/teaser/comment/share/... by their class or id; share of the lines
                  between the first and last prose line that are link texts (a box inside the
                  article column); stopword ratio; punctuation per word
    markers       share of lines that look like comment-thread furniture ("Reply", "3 hours ago",
                  "X says:") or teaser-list furniture ("... Full Story |", "Read more")
  what A adds to B (lines of A whose words B mostly lacks): its share of A, log words, and how it
  reads (prose, links, comments, teasers, stopwords);
  what A drops of B: the share of B's words A lacks, and how the dropped lines read;
  which extractor A and B come from (a prior per extractor).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .candidates import Evidence, norm_line, stoplist
from .postclean import COMMENT_FURNITURE as _COMMENT_MARK

_TOKEN = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…。！？:\"'”»)\]]$")
_PUNCT = re.compile(r"[.,;:!?…。，、！？]")
# Teaser-list furniture: a headline followed by a "more" link or a separator.
_TEASER_MARK = re.compile(
    r"(?:\bfull story|\bread more|\bmore\s*»|\bweiterlesen|\bmehr\s*(?:»|›|>)|\bleer más|\blire la suite|\bcontinue reading"
    r"|\bcontinua a leggere)\W*$|\s[|»›]\s*$|^[|»›]",
    re.I,
)

SOURCES = ("tp_fast", "t_fast", "tp_full", "t_full", "readability", "justext")
POINT_FEATURES = (
    "log_words", "page_share", "almost_empty", "agree_prec", "agree_rec",
    "title_overlap", "desc_overlap", "ld_prec", "ld_rec",
    "prose_share", "short_share", "link_share", "marked_share", "inner_links", "stop_ratio", "punct_per_word", "comment_marks",
    "teaser_marks",
)
PAIR_FEATURES = (
    "add_share", "add_log_words", "add_prose", "add_link", "add_marked", "add_comment", "add_teaser", "add_stop",
    "drop_share", "drop_prose", "drop_link", "drop_marked", "drop_comment", "has_ld",
)
FEATURES = tuple("d_" + f for f in POINT_FEATURES) + PAIR_FEATURES + tuple("src_" + s for s in SOURCES)


@dataclass
class _Text:
    lines: list[str]
    line_tokens: list[list[str]]
    bag: Counter
    words: int
    point: dict[str, float]


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _containment(a: Counter, b: Counter, na: int) -> float:
    """Share of the tokens of `a` (a bag of `na` tokens) that `b` also holds."""
    return sum((a & b).values()) / na if na else 0.0


def _shape(t: _Text, idx: list[int], ev: Evidence, stops: frozenset[str]) -> dict[str, float]:
    """How lines `idx` of `t` read: shares of prose, short, link, marked, comment and teaser lines, stopwords."""
    links, marked = ev.link_texts, ev.marked_texts
    words = prose = link = stop = short = comment = teaser = mark = 0
    for i in idx:
        toks = t.line_tokens[i]
        n = len(toks)
        words += n
        line = t.lines[i]
        if n >= 10 and _SENTENCE_END.search(line):
            prose += n
        if n <= 6:
            short += n
        if links or marked:
            key = norm_line(line)
            link += n if key in links else 0
            mark += n if key in marked else 0
        if n <= 12 and _COMMENT_MARK.search(line):
            comment += 1
        if _TEASER_MARK.search(line):
            teaser += 1
        stop += sum(1 for w in toks if w in stops)
    return {"prose": _share(prose, words), "link": _share(link, words), "marked": _share(mark, words),
            "comment": _share(comment, len(idx)),
            "teaser": _share(teaser, len(idx)), "stop": _share(stop, words), "short": _share(short, words),
            "words": float(words)}


def _inner_links(t: _Text, links: set[str]) -> float:
    """Share of the lines between the first and the last prose line that are link texts of the page:
    a box (promo, teaser, "read also") set inside the article column."""
    prose = [i for i, toks in enumerate(t.line_tokens) if len(toks) >= 10 and _SENTENCE_END.search(t.lines[i])]
    if len(prose) < 2 or not links:
        return 0.0
    inner = range(prose[0] + 1, prose[-1])
    return _share(sum(1 for i in inner if norm_line(t.lines[i]) in links), len(inner))


class PageEvidence:
    """The candidates of one page, prepared once; `pair(a, b)` gives the features of "a beats b"."""

    def __init__(self, texts: dict[str, str], ev: Evidence, lang: str | None = None) -> None:
        self.ev = ev
        self.stops = stoplist(lang)
        self.texts: dict[str, _Text] = {}
        for name, text in texts.items():
            lines = [line for line in text.split("\n") if line.strip()]
            toks = [_TOKEN.findall(line.lower()) for line in lines]
            bag: Counter = Counter()
            for t in toks:
                bag.update(t)
            self.texts[name] = _Text(lines, toks, bag, sum(bag.values()), {})
        title = set(_TOKEN.findall(ev.title.lower()))
        desc = set(_TOKEN.findall(ev.description.lower()))
        ld = Counter(_TOKEN.findall(ev.ld_body.lower())) if ev.ld_body else Counter()
        n_ld = sum(ld.values())
        self.has_ld = float(n_ld >= 50)
        for name, t in self.texts.items():
            others = [o for n, o in self.texts.items() if n != name and o.words]
            shape = _shape(t, list(range(len(t.lines))), ev, self.stops)
            tset = set(t.bag)
            t.point = {
                "log_words": math.log1p(t.words),
                "page_share": min(1.0, _share(t.words, ev.page_words)),
                "almost_empty": float(t.words < 20),
                "agree_prec": sum(_containment(t.bag, o.bag, t.words) for o in others) / len(others) if others else 0.0,
                "agree_rec": sum(_containment(o.bag, t.bag, o.words) for o in others) / len(others) if others else 0.0,
                "title_overlap": _share(len(title & tset), len(title)),
                "desc_overlap": _share(len(desc & tset), len(desc)),
                "ld_prec": _containment(t.bag, ld, t.words) if n_ld >= 50 else 0.0,
                "ld_rec": _containment(ld, t.bag, n_ld) if n_ld >= 50 else 0.0,
                "prose_share": shape["prose"],
                "short_share": shape["short"],
                "link_share": shape["link"],
                "marked_share": shape["marked"],
                "inner_links": _inner_links(t, ev.link_texts),
                "stop_ratio": shape["stop"],
                "punct_per_word": _share(sum(len(_PUNCT.findall(line)) for line in t.lines), t.words),
                "comment_marks": shape["comment"],
                "teaser_marks": shape["teaser"],
            }

    def _beyond(self, a: _Text, b: _Text) -> list[int]:
        """Lines of `a` most of whose words `b` lacks."""
        bset = b.bag
        return [i for i, toks in enumerate(a.line_tokens) if toks and sum(1 for w in toks if w in bset) < 0.8 * len(toks)]

    def pair(self, a_name: str, b_name: str) -> list[float]:
        a, b = self.texts[a_name], self.texts[b_name]
        row = {"d_" + f: a.point[f] - b.point[f] for f in POINT_FEATURES}
        add = self._beyond(a, b)
        drop = self._beyond(b, a)
        sa = _shape(a, add, self.ev, self.stops) if add else None
        sd = _shape(b, drop, self.ev, self.stops) if drop else None
        row.update({
            "add_share": _share(sa["words"], a.words) if sa else 0.0,
            "add_log_words": math.log1p(sa["words"]) if sa else 0.0,
            "add_prose": sa["prose"] if sa else 0.0,
            "add_link": sa["link"] if sa else 0.0,
            "add_marked": sa["marked"] if sa else 0.0,
            "add_comment": sa["comment"] if sa else 0.0,
            "add_teaser": sa["teaser"] if sa else 0.0,
            "add_stop": sa["stop"] if sa else 0.0,
            "drop_share": 1.0 - _containment(b.bag, a.bag, b.words) if b.words else 0.0,
            "drop_prose": sd["prose"] if sd else 0.0,
            "drop_link": sd["link"] if sd else 0.0,
            "drop_marked": sd["marked"] if sd else 0.0,
            "drop_comment": sd["comment"] if sd else 0.0,
            "has_ld": self.has_ld,
        })
        for s in SOURCES:
            row["src_" + s] = float(a_name == s) - float(b_name == s)
        return [row[f] for f in FEATURES]

    def names(self) -> list[str]:
        return list(self.texts)
