"""Site-level template learning: lines that recur across pages of one site are template, not article.

Per site, the model is a sliding window of the most recent pages, each kept as the hashes of its
(normalised) lines, plus how many pages of the window hold each hash. Memory is bounded twice:
`window` pages per site, and at most `max_sites` site models in memory (least recently used ones are
written back to the store and dropped; they reload on demand).

How many earlier pages must hold a line before it is stripped depends on what the line looks like,
because template lines are mostly labels and headlines while articles legitimately repeat a few
sentences across stories (a reporter's credit line, a standard background paragraph):

* a short line (<= `short_words` words) that is not a sentence ("Jerusalem Post Store", "World
  News", a promo headline): 1 earlier page, so the template is gone from a site's second page on;
* a short sentence: 2 earlier pages;
* a longer line: `min_pages` earlier pages and `min_share` of the window;
* a long paragraph of prose (>= 25 words): `prose_min_pages` and half of the window;
* never: credit, correction and contribution lines ("... contributed to this report", "Reporting
  by ..."), which recur on purpose.

A page that is mostly lines the window already knows (a re-fetch or an updated copy) is not learned
again, so one story fetched twice cannot turn its own paragraphs into "template". And `strip` never
removes more than `max_strip_share` of a page's words: past that it removes only short non-sentence
lines.
"""
from __future__ import annotations

import hashlib
import re
import struct
from collections import Counter, OrderedDict, deque
from collections.abc import MutableMapping
from dataclasses import dataclass, field

from .model import count_words

_FORMAT = b"CDT1"
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^\w]+")
_SENTENCE_END = re.compile(r"[.!?…。！？\"'”»)]$")
_PROTECTED = re.compile(
    r"contributed (?:reporting|to (?:this|the) (?:report|story|article))|\b(?:reporting|writing|editing|additional reporting) by\b"
    r"|^(?:correction|clarification|update|editor'?s note)\b|\bthis (?:article|story) (?:has been|was) (?:updated|corrected)\b",
    re.I,
)


def line_key(line: str) -> int:
    """Stable 64-bit hash of a line, insensitive to case, punctuation, spacing and numbers (dates, counters)."""
    norm = _NON_WORD.sub(" ", _DIGITS.sub("0", line.lower())).strip()
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest(), "little")


def line_keys(text: str) -> list[int]:
    """line_key of every line of `text` (split on "\\n"), in order."""
    return [line_key(line) for line in text.split("\n")]


@dataclass
class _SiteModel:
    window: int
    pages: deque[tuple[int, ...]] = field(default_factory=deque)
    counts: Counter[int] = field(default_factory=Counter)
    dirty: bool = False

    def add(self, keys: tuple[int, ...]) -> None:
        self.pages.append(keys)
        self.counts.update(keys)
        while len(self.pages) > self.window:
            for k in self.pages.popleft():
                c = self.counts[k] - 1
                if c > 0:
                    self.counts[k] = c
                else:
                    del self.counts[k]
        self.dirty = True

    def to_bytes(self) -> bytes:
        parts = [_FORMAT, struct.pack("<I", len(self.pages))]
        for keys in self.pages:
            parts.append(struct.pack(f"<H{len(keys)}Q", len(keys), *keys))
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes, window: int) -> _SiteModel:
        model = cls(window=window)
        if not data or not data.startswith(_FORMAT):
            return model  # unknown or damaged: start afresh rather than fail the pipeline
        try:
            (n,) = struct.unpack_from("<I", data, 4)
            off = 8
            for _ in range(n):
                (m,) = struct.unpack_from("<H", data, off)
                off += 2
                keys = struct.unpack_from(f"<{m}Q", data, off)
                off += 8 * m
                model.pages.append(tuple(keys))
                model.counts.update(keys)
        except struct.error:
            return cls(window=window)
        while len(model.pages) > window:
            for k in model.pages.popleft():
                model.counts[k] -= 1
        model.counts = +model.counts
        return model


class SiteTemplates:
    """Site-level template learning: lines that recur across many pages of one site are template, not article."""

    def __init__(
        self,
        store: MutableMapping[str, bytes] | None = None,
        *,
        window: int = 100,
        max_sites: int = 256,
        short_words: int = 12,
        min_pages: int = 3,
        min_share: float = 0.2,
        prose_min_pages: int = 4,
        max_strip_share: float = 0.5,
        max_lines_per_page: int = 2000,
        write_through: bool = True,
    ) -> None:
        """store: site -> serialized model; a dict, or the state store's SQLite-backed mapping.

        window: recent pages remembered per site. max_sites: site models held in memory at once.
        write_through: write a site's model back to `store` after every learn() (else on flush()
        and on eviction).
        """
        self.store: MutableMapping[str, bytes] = store if store is not None else {}
        self.window = window
        self.max_sites = max_sites
        self.short_words = short_words
        self.min_pages = min_pages
        self.min_share = min_share
        self.prose_min_pages = prose_min_pages
        self.max_strip_share = max_strip_share
        self.max_lines_per_page = max_lines_per_page
        self.write_through = write_through
        self._models: OrderedDict[str, _SiteModel] = OrderedDict()

    # ------------------------------------------------------------------ public API

    def learn(self, site: str, text: str, keys: list[int] | None = None) -> None:
        """Observe one page's clean text: the text as extracted, not the output of strip().

        Learning stripped text would stop counting the template lines it just removed, and they
        would come back once their first sightings leave the window. learn() may come before or
        after strip() for the same page: strip() does not count the page it is given as one of
        the earlier pages. keys: ``line_keys(text)``, when the caller has them already.
        """
        self._learn(site, *self._keyed(text, keys))

    def strip(self, site: str, text: str, keys: list[int] | None = None) -> str:
        """`text` without the lines learned as this site's template."""
        return self._strip(site, text, *self._keyed(text, keys))

    def process(self, site: str, text: str, keys: list[int] | None = None) -> str:
        """strip() then learn() the unstripped text: the per-page call for a pipeline.
        keys: ``line_keys(text)``, e.g. computed in an extraction worker."""
        lines, keys = self._keyed(text, keys)
        stripped = self._strip(site, text, lines, keys)
        self._learn(site, lines, keys)
        return stripped

    def flush(self) -> None:
        for site, model in self._models.items():
            if model.dirty:
                self._save(site, model)

    def template_lines(self, site: str, text: str) -> list[str]:
        """The lines of `text` that strip() would remove (for inspection and `copydesk clean`)."""
        kept = set(self.strip(site, text).split("\n"))
        return [line for line in text.split("\n") if line not in kept]

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _keyed(text: str, keys: list[int] | None) -> tuple[list[str], list[int]]:
        lines = text.split("\n")
        if keys is None or len(keys) != len(lines):
            keys = line_keys(text)
        return lines, keys

    def _page_keys(self, lines: list[str], keys: list[int]) -> tuple[int, ...]:
        """The distinct keys of the page's non-empty lines (at most max_lines_per_page of them)."""
        kept = [k for line, k in zip(lines, keys) if line.strip()][: self.max_lines_per_page]
        return tuple(dict.fromkeys(kept))

    def _learn(self, site: str, lines: list[str], keys: list[int]) -> None:
        pairs = [(line, k) for line, k in zip(lines, keys) if line.strip()][: self.max_lines_per_page]
        if not pairs:
            return
        model = self._model(site)
        if model.pages and self._is_known_page(pairs, model):
            return  # a re-fetch or near copy of a page already in the window
        model.add(tuple(dict.fromkeys(k for _, k in pairs)))
        if self.write_through:
            self._save(site, model)

    def _strip(self, site: str, text: str, lines: list[str], keys: list[int]) -> str:
        model = self._model(site)
        if not model.pages or not text:
            return text
        # learn() may already have seen this very page (learn-then-strip order): it must not count
        # as its own earlier page, or every label of every page would look like template.
        own: set[int] = set()
        if model.pages[-1] == self._page_keys(lines, keys):
            own = set(model.pages[-1])
        n = len(model.pages) - (1 if own else 0)
        if n <= 0:
            return text
        counts = model.counts
        verdicts = [self._is_template(line, counts.get(key, 0) - (key in own), n) for line, key in zip(lines, keys)]
        if not any(verdicts):
            return text
        kept = [line for line, v in zip(lines, verdicts) if not v]
        total = count_words(text)
        if total and total - count_words("\n".join(kept)) > self.max_strip_share * total:
            kept = [line for line, v in zip(lines, verdicts) if not (v and self._is_label(line))]
        return "\n".join(kept)

    @staticmethod
    def _is_known_page(pairs: list[tuple[str, int]], model: _SiteModel) -> bool:
        """Most of the page's paragraphs (its longer lines, which templates rarely have) are known."""
        body = [k for line, k in pairs if count_words(line) >= 15]
        share = 0.5
        if not body:  # only short lines: judge on all of them, more strictly
            body, share = [k for _, k in pairs], 0.8
        known = sum(1 for k in body if k in model.counts)
        return known > share * len(body)

    def _is_label(self, line: str) -> bool:
        return count_words(line) <= self.short_words and not _SENTENCE_END.search(line)

    def _is_template(self, line: str, seen: int, n_pages: int) -> bool:
        if seen == 0 or not line.strip() or _PROTECTED.search(line):
            return False
        words = count_words(line)
        sentence = bool(_SENTENCE_END.search(line))
        if words <= self.short_words:
            return seen >= (2 if sentence else 1)
        if words >= 25 and sentence:
            return seen >= max(self.prose_min_pages, 0.5 * n_pages)
        return seen >= max(self.min_pages, self.min_share * n_pages)

    def _model(self, site: str) -> _SiteModel:
        model = self._models.get(site)
        if model is not None:
            self._models.move_to_end(site)
            return model
        raw = None
        try:
            raw = self.store.get(site)
        except Exception:  # a broken store entry must not stop the pipeline
            raw = None
        model = _SiteModel.from_bytes(raw, self.window) if raw else _SiteModel(window=self.window)
        self._models[site] = model
        while len(self._models) > self.max_sites:
            old_site, old = self._models.popitem(last=False)
            if old.dirty:
                self._save(old_site, old)
        return model

    def _save(self, site: str, model: _SiteModel) -> None:
        self.store[site] = model.to_bytes()
        model.dirty = False
