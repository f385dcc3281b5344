"""The small logistic models cleaning ships as JSON (selector.json, gate.json): standardised features,
weights and a bias, read once per process. Rebuilt by bench/train_selector.py."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

L = TypeVar("L", bound="Logistic")


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, row: list[float]) -> float:
        z = self.bias
        for x, m, s, w in zip(row, self.mean, self.scale, self.weights):
            z += w * (x - m) / s
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}

    @classmethod
    def from_dict(cls: type[L], d: dict[str, Any]) -> L:
        return cls(**{f.name: tuple(d[f.name]) if isinstance(d[f.name], list) else float(d[f.name])
                      for f in fields(cls)})

    @classmethod
    def load(cls: type[L], path: Path, features: tuple[str, ...], where: str) -> L:
        """Read a model file; one whose features are not ``features`` (the code's) is refused."""
        model = cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        if model.features != features:
            raise ValueError(f"{path}: features {model.features} do not match {where}; rebuild it")
        return model
