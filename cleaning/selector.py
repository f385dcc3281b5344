"""Choose one of the candidate extractions of a page by evidence (cleaning.evidence), not by length.

The choice is a logistic regression over the evidence features of a pair of candidates
(cleaning.evidence): it estimates the probability that candidate A is better than candidate B.
Every candidate meets every other (both ways); the one with the highest mean probability of
beating the others wins, ties going to the earlier candidate of the model's list. The weights live in cleaning/selector.json, rebuilt by `python bench/train_selector.py train`
from the three development sets (cross-validated by site; docs/cleaning.md has the figures).
The model is read once per process and never changes: results depend on the page alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .candidates import Evidence
from .evidence import FEATURES, PageEvidence
from .logistic import Logistic

MODEL_PATH = Path(__file__).with_name("selector.json")


@dataclass(frozen=True)
class Model(Logistic):
    candidates: tuple[str, ...]


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Model:
    return Model.load(path, FEATURES, "copydesk.cleaning.evidence.FEATURES")


def rank(texts: dict[str, str], evidence: Evidence, lang: str | None = None,
         model: Model | None = None) -> list[tuple[float, str]]:
    """(mean probability of beating the others, name) of every candidate, best first."""
    model = model or load_model()
    page = PageEvidence(texts, evidence, lang)
    names = page.names()
    order = {name: i for i, name in enumerate(model.candidates)}
    scored = []
    for a in names:
        wins = [model.probability(page.pair(a, b)) for b in names if b != a]
        scored.append((sum(wins) / len(wins) if wins else 1.0, a))
    scored.sort(key=lambda item: (-round(item[0], 9), order.get(item[1], len(order))))
    return scored


def choose(texts: dict[str, str], evidence: Evidence, lang: str | None = None, model: Model | None = None) -> str:
    """The name of the candidate the model rates most likely to be the page's article."""
    return rank(texts, evidence, lang, model)[0][1]
