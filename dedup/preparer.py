"""Text -> Sketch: the part of dedup that depends on the text alone (so it can run in a worker)."""
from __future__ import annotations

import numpy as np
import xxhash

from .boilerplate import line_hash
from .index import band_keys
from .model import Features, Sketch
from .normalize import lines as normalized_lines
from .shingles import Shingling, sample
from .signatures import SCHEME, Signer

DEFAULTS: dict[str, float | int | str | bool] = dict(
    shingle="char", ngram=4, spaces=False, num_perm=128, seed=1, bands=32, rows=4,
    lead_words=60, lead_bands=16, sample_mod=4, short_words=50, max_candidates=100,
    max_reps=4, rep_growth=0.0, template_clusters=2, prefix_slack=0.1,
    segments=8, seg_min=0.4, min_coverage=0.6, prefix_margin=0.06, compact_min=10_000, prefilter=0.2, prefilter_perm=64,
    fact_agree=0.5, fact_min=6,
)

PREPARER_OPTIONS = ("shingle", "ngram", "spaces", "num_perm", "seed", "bands", "rows", "lead_words", "lead_bands",
                    "sample_mod", "short_words")


class Preparer:
    """Text -> line hashes, MinHash signature, band keys and shingle sample (the Deduper's
    parameters of these; defaults as Deduper's)."""

    def __init__(self, **options: float | int | str | bool) -> None:
        o = {**{k: DEFAULTS[k] for k in PREPARER_OPTIONS}, **options}
        self.shingling = Shingling(str(o["shingle"]), int(o["ngram"]), bool(o["spaces"]))
        self.signer = Signer(int(o["num_perm"]), int(o["seed"]), SCHEME)
        self.bands, self.rows = int(o["bands"]), int(o["rows"])
        self.lead_words, self.lead_bands = int(o["lead_words"]), int(o["lead_bands"])
        if self.bands * self.rows > self.signer.num_perm or self.lead_bands * self.rows > self.signer.num_perm:
            raise ValueError("bands * rows must not exceed num_perm")
        self.sample_mod = int(o["sample_mod"])
        self.short_words = int(o["short_words"])
        self.params = tuple(o[k] for k in PREPARER_OPTIONS)

    def features(self, text: str) -> Features:
        lines = normalized_lines(text)
        return Features(self.params, text_hash(text), self.prepare(lines, [line_hash(line) for line in lines]))

    def fits(self, features: Features, text: str) -> bool:
        return features.params == self.params and features.text_hash == text_hash(text)

    def prepare(self, lines: list[str], hashes: list[int]) -> Sketch:
        """From the normalised lines to use and the hashes of all the text's lines."""
        norm = " ".join(lines)
        words = norm.split()
        if len(words) < self.short_words:
            # 0 marks an empty text: it is never matched, not even with another empty text
            exact = (xxhash.xxh64_intdigest(norm.encode("utf-8")) or 1) if words else 0
            return Sketch(hashes, True, exact)
        ordered = self.shingling.ordered(norm)
        sig = self.signer.sign(np.sort(ordered))
        lead = self.signer.sign(self.shingling.hashes(" ".join(words[: self.lead_words])))
        keys = np.concatenate([band_keys(sig, self.bands, self.rows)[0],
                               band_keys(lead, self.lead_bands, self.rows)[0]])
        return Sketch(hashes, False, 0, sig, keys, sample(ordered, self.sample_mod))


def text_hash(text: str) -> int:
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))
