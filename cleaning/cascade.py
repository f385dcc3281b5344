"""When the cheap extraction is at risk: the gate of copydesk's cost-aware cascade.

Every page first gets the rule-based extraction of issue #5 (cleaning.rules: trafilatura's fast
precision pass, escalating on fixed rules), about trafilatura's own cost. The expensive candidates
(trafilatura's full mode, readability-lxml, jusText, then the evidence-based choice of
cleaning.selector) cost about three times more, so they run only when the evidence says the cheap
text is at risk:

  * it has fewer than `min_words` words (it would be rejected as too short), or
  * the gate, a logistic regression over the cheap text's own evidence features (the point
    features of cleaning.evidence: size and share of the page, overlap with the page's title,
    description and ld+json body, prose/short/link/marked-block shares, links inside the prose,
    stopwords, punctuation, comment and teaser furniture; plus "has an ld+json body" and "under
    100 words"), gives a probability of at least `threshold` that the full choice would be better.

The weights and the threshold live in cleaning/gate.json, rebuilt by
`python bench/train_selector.py gate` (threshold chosen by cross-validation by site; figures in
docs/cleaning.md). No site name or URL enters. The model is read once per process.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .candidates import Evidence
from .evidence import POINT_FEATURES, PageEvidence
from .logistic import Logistic

GATE_PATH = Path(__file__).with_name("gate.json")
GATE_FEATURES = tuple(POINT_FEATURES) + ("has_ld", "under_100_words")


def gate_row(text: str, evidence: Evidence, lang: str | None = None) -> list[float]:
    """The gate's features of one text of a page."""
    page = PageEvidence({"cheap": text}, evidence, lang)
    t = page.texts["cheap"]
    return [t.point[f] for f in POINT_FEATURES] + [page.has_ld, float(t.words < 100)]


@dataclass(frozen=True)
class Gate(Logistic):
    threshold: float


@lru_cache(maxsize=1)
def load_gate(path: Path = GATE_PATH) -> Gate:
    return Gate.load(path, GATE_FEATURES, "copydesk.cleaning.cascade.GATE_FEATURES")


def at_risk(text: str, evidence: Evidence, lang: str | None = None, gate: Gate | None = None) -> bool:
    """The gate says the cheap `text` may well lose to the full evidence-based choice."""
    gate = gate or load_gate()
    return gate.probability(gate_row(text, evidence, lang)) >= gate.threshold
