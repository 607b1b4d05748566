"""Decision rules: how a model's label probabilities become label sets.

A rule is a threshold setting and `at_least_one`: a number in (0, 1) for every label, `tuned`
(per label, best F1 on validation) or `tuned_global` (one for every label, best Jaccard on
validation); with at_least_one, a text that passes no threshold gets its most probable label.
Its text form is the threshold, then `+top1` where at_least_one holds: `0.5`, `tuned+top1`.
params (evaluate.threshold), metrics (fitting the thresholds) and the comparison (a run's rule,
an ensemble's) all read and write rules through this one type.

Kept light (numpy only): params.yaml is checked with it before every stage.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Union

import numpy as np

# evaluate.threshold's named settings (metrics.fit_thresholds fits them on validation)
TUNED = {"tuned": "per label, best F1 on validation",
         "tuned_global": "one for every label, best Jaccard on validation"}
TOP1 = "+top1"

Threshold = Union[float, str]


def threshold_setting(value: object) -> Threshold:
    """A threshold setting as given: a number in (0, 1) or one of TUNED; anything else (a string
    that spells a number included) is a ValueError saying what is accepted."""
    if (isinstance(value, str) and value in TUNED) or (
            isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value < 1):
        return value
    raise ValueError("use a number between 0 and 1 (for every label), or "
                     + ", or ".join(f"{name} ({what})" for name, what in TUNED.items()))


def _threshold_from_text(text: str) -> Threshold:
    try:
        return threshold_setting(float(text))
    except ValueError:
        return threshold_setting(text)


@dataclass(frozen=True)
class DecisionRule:
    threshold: Threshold
    at_least_one: bool = False

    def __post_init__(self) -> None:
        threshold_setting(self.threshold)
        # a numpy float prints as np.float64(0.5) in reprs; as a Python float, rules compare equal
        if not isinstance(self.threshold, str):
            object.__setattr__(self, "threshold", float(self.threshold))

    @classmethod
    def parse(cls, text: str) -> DecisionRule:
        """`0.5`, `0.50+top1`, `tuned`, `tuned_global+top1`; ValueError saying what is accepted."""
        text = str(text).strip()
        return cls(_threshold_from_text(text.removesuffix(TOP1)), text.endswith(TOP1))

    @property
    def tuned(self) -> bool:
        return isinstance(self.threshold, str)

    def __str__(self) -> str:
        return f"{self.threshold}{TOP1 if self.at_least_one else ''}"


def resolve_at_least_one(setting: Union[bool, str], y_train: np.ndarray) -> bool:
    """evaluate.at_least_one: true / false as given; `auto` is true exactly when every training
    text has a label (then an empty prediction is always wrong), decided on training data only."""
    if setting == "auto":
        return bool(np.asarray(y_train).any(axis=1).all())
    return bool(setting)


def decide(probs: np.ndarray, thresholds: np.ndarray, at_least_one: bool) -> np.ndarray:
    """Label sets (0/1) from probabilities: each label's threshold; with at_least_one, a text that
    passed no threshold gets its most probable label (ties: the first label)."""
    predicted = (probs >= thresholds).astype(np.int8)
    if at_least_one:
        empty = ~predicted.any(axis=1)
        predicted[np.flatnonzero(empty), probs[empty].argmax(axis=1)] = 1
    return predicted
