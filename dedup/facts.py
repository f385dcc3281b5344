"""Which of a text's sampled shingles carry its facts (numbers and names), and whether a candidate
carries the same facts in the sentences the two texts share (docs/dedup.md, "Formulaic reports").

A fact word is a number (a word that starts with a digit: "4 6" from "4.6", "03", "12km", "3pm";
or one or two letters and then digits: "a40", "f1") or a capitalised word that does not start a
sentence or a line (names of places, people, teams, companies). Lines in which more than two thirds
of the words are capitalised (title-case headlines, menus) give no capitalised-word facts: their
capitals are style. A shingle is a fact shingle when one of its characters belongs to a fact word.

Only the new document's side is read (its text is at hand when it is verified), so nothing is
stored for it: the representatives' samples are compared as they are.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np

from .boilerplate import line_hash
from .normalize import _LINE_BREAK, _WORD, fix_debris
from .shingles import Shingling, ngram_hashes

_WORD_SPLIT = re.compile(r"(\w+)")
_NUMBER = re.compile(r"\d|[^\W\d_]{1,2}\d+$")
_SENTENCE_END = re.compile(r"[.!?:;\"\u201c\u201d\u00ab\u00bb\u2018\u2019()\[\]|\u2022\u00b7\u2014\u2013]")


def _line_words(line: str) -> tuple[list[str], list[bool]]:
    """The line's words (NFKC, case-folded: the normalised line's words) and whether each is a fact."""
    nfkc = unicodedata.normalize("NFKC", line)
    parts = _WORD_SPLIT.split(nfkc)
    seps, words = parts[0::2], parts[1::2]  # seps[k]: what comes before word k
    if not words:
        return [], []
    # a number: a word that starts with a digit ("25", "4bn", "03", "3pm", "2nd") or one or two
    # letters and then digits only ("A40", "F1"); a digit inside letters is OCR noise ("t0", "medica1")
    flags = [not w.isalpha() and _NUMBER.match(w) is not None for w in words]
    caps = [k for k, w in enumerate(words) if w[0].isupper()]
    if caps and len(caps) * 3 <= len(words) * 2:  # not a title-case headline or a menu
        for k in caps:
            # a capital at the line start or after a sentence end is not a name
            if k > 0 and _SENTENCE_END.search(seps[k]) is None:
                flags[k] = True
    if nfkc.isascii():
        return [w.lower() for w in words], flags
    folded = _WORD.findall(nfkc.casefold())
    if len(folded) == len(words):
        return folded, flags
    # case folding split or joined a word: fold word by word
    out: list[str] = []
    out_flags: list[bool] = []
    for w, f in zip(words, flags):
        parts = _WORD.findall(w.casefold())
        out.extend(parts)
        out_flags.extend([f] * len(parts))
    return out, out_flags


def fact_shingles(text: str, shingling: Shingling, skip: Callable[[int], bool] | None = None,
                  line_hashes: list[int] | None = None, *, vectorised: bool = True) -> np.ndarray | None:
    """Sorted unique hashes of the text's shingles (char shingles without spaces, as ``Preparer``
    makes them) that touch a fact word. ``skip(k)``: leave out the k-th non-empty line (an outlet
    template line, as ``Deduper._sketch`` does). ``line_hashes``: the lines' hashes as the sketch
    has them; None is returned when the lines read here do not match them (normalisation corner
    cases). ``vectorised=False`` reads every text word by word (the vectorised path gives the same
    answer for texts whose word characters are ASCII; a test holds the two to it)."""
    kept = []
    k = 0
    for line in _LINE_BREAK.split(fix_debris(text)):
        if _WORD.search(line) is None:
            continue
        if skip is None or not skip(k):
            kept.append((k, line))
        k += 1
    if line_hashes is not None and k != len(line_hashes):
        return None
    joined = unicodedata.normalize("NFKC", "\n".join(line for _, line in kept))
    if vectorised and _NON_ASCII_WORD.search(joined) is None:
        return _ascii_fact_shingles(joined, shingling.n)
    words: list[str] = []
    flags: list[bool] = []
    for k, line in kept:
        ws, fl = _line_words(line)
        if not ws or (line_hashes is not None and line_hash(" ".join(ws)) != line_hashes[k]):
            return None
        words.extend(ws)
        flags.extend(fl)
    if not any(flags):
        return np.empty(0, dtype=np.uint32)
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    char_fact = np.repeat(np.array(flags, dtype=bool), [len(w) for w in words])
    return _touching(codes, char_fact, shingling.n)


def _touching(codes: np.ndarray, char_fact: np.ndarray, n: int) -> np.ndarray:
    """Sorted unique hashes of the n-grams of ``codes`` (the spaceless normalised text) that have a
    fact character."""
    if codes.size == 0 or not char_fact.any():
        return np.empty(0, dtype=np.uint32)
    h = ngram_hashes(codes.astype(np.uint64), n)
    n = min(n, codes.size)
    # the shingle at p covers characters p .. p+n-1
    c = np.concatenate([[0], np.cumsum(char_fact, dtype=np.int64)])
    return np.unique(h[(c[n:] - c[: c.size - n]) > 0])


_NON_ASCII_WORD = re.compile(r"[^\W\x00-\x7f]")


def _table(chars: str) -> np.ndarray:
    t = np.zeros(128, dtype=bool)
    t[[ord(c) for c in chars]] = True
    return t


_DIGITS = "0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_A_WORD, _A_DIGIT = _table(_DIGITS + _UPPER + _UPPER.lower() + "_"), _table(_DIGITS)
_A_LETTER, _A_UPPER = _table(_UPPER + _UPPER.lower()), _table(_UPPER)
_END_CODES = np.array(sorted({ord(c) for c in "\n.!?:;\"\u201c\u201d\u00ab\u00bb\u2018\u2019()[]|\u2022\u00b7\u2014\u2013"}),
                      dtype=np.uint32)
_A_END = _table("".join(chr(c) for c in _END_CODES.tolist() if c < 128))


def _ascii_fact_shingles(text: str, n: int) -> np.ndarray:
    """``fact_shingles`` for a text whose word characters are all ASCII (most news in Latin script,
    with its pound signs and curly quotes), with whole-array operations: the same words and flags
    as ``_line_words`` gives line by line."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if codes.size == 0:
        return np.empty(0, dtype=np.uint32)
    ascii_only = text.isascii()
    idx = codes if ascii_only else np.where(codes < 128, codes, 0)
    word = _A_WORD[idx]
    prev = np.concatenate([[False], word[:-1]])
    nxt = np.concatenate([word[1:], [False]])
    starts = np.flatnonzero(word & ~prev)
    if starts.size == 0:
        return np.empty(0, dtype=np.uint32)
    ends = np.flatnonzero(word & ~nxt) + 1
    length = ends - starts
    digit, letter = _A_DIGIT[idx], _A_LETTER[idx]
    n_digit = np.add.reduceat(digit.astype(np.int32), starts)  # separators count neither
    n_letter = np.add.reduceat(letter.astype(np.int32), starts)
    second = np.minimum(starts + 1, codes.size - 1)
    # a number: starts with a digit, or one or two letters and then digits only ("A40", "F1")
    number = digit[starts] | ((n_digit > 0) & (n_letter + n_digit == length) & (
        ((n_letter == 1) & digit[second]) | ((n_letter == 2) & letter[second] & (length > 2))))
    number &= n_letter < length  # (as `not w.isalpha()`)
    # a capital that does not start a sentence (nor a line: the lines are joined by newlines)
    is_end = _A_END[idx]
    if not ascii_only:
        is_end |= np.isin(codes, _END_CODES)
    ec = np.concatenate([[0], np.cumsum(is_end, dtype=np.int64)])
    sentence_start = np.ones(starts.size, dtype=bool)
    sentence_start[1:] = (ec[starts[1:]] - ec[ends[:-1]]) > 0
    cap = _A_UPPER[idx[starts]]
    line = np.cumsum(codes == 10)[starts]
    nlines = int(line[-1]) + 1
    caps_per_line = np.bincount(line, weights=cap, minlength=nlines)
    words_per_line = np.bincount(line, minlength=nlines)
    title_like = caps_per_line * 3 > words_per_line * 2
    flags = number | (cap & ~sentence_start & ~title_like[line])
    wid = np.cumsum(word & ~prev) - 1
    lowered = codes[word]
    lowered = np.where((lowered >= 65) & (lowered <= 90), lowered + 32, lowered)
    return _touching(lowered, flags[wid[word]], n)


# a fact shingle is "in a shared sentence" when at least CONTEXT_SHARE of the CONTEXT non-fact
# sampled shingles on each side of it (in text order) occur in the other text
CONTEXT = 3
CONTEXT_SHARE = 0.75


def agreement(hits: np.ndarray, fact: np.ndarray) -> tuple[int, float]:
    """(n, share): n = the fact shingles that sit in shared sentences (their neighbouring non-fact
    shingles occur in the other text), share = the fraction of those that occur in the other text
    themselves. ``hits``: per sampled shingle of this text, whether the other text has it.

    A copy carries its facts wherever it carries the sentences around them (share near 1; OCR noise
    on figures takes it to ~0.6); a report that fills the same template with another event's
    figures, times and names shares the sentences and not the facts (share 0.1-0.45 on the test
    reports). Facts in passages the other text lacks (a trimmed ending, a table, another outlet's
    template) have no shared context and do not count either way."""
    other = np.flatnonzero(~fact)
    where = np.flatnonzero(fact)
    if other.size == 0 or where.size == 0:
        return 0, 1.0
    c = np.concatenate([[0], np.cumsum(hits[other], dtype=np.int64)])
    j = np.searchsorted(other, where)
    lo, hi = np.maximum(j - CONTEXT, 0), np.minimum(j + CONTEXT, other.size)
    cnt = hi - lo
    shared = (cnt >= 2) & ((c[hi] - c[lo]) >= CONTEXT_SHARE * cnt)
    n = int(shared.sum())
    return n, (float(hits[where[shared]].mean()) if n else 1.0)
