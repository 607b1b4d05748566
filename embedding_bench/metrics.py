"""Multilabel metrics with unambiguous names, all from scikit-learn.

- jaccard: sample-averaged |true & pred| / |true | pred| (SemEval's "accuracy"); a text with no
  true and no predicted label scores 1.
- subset_accuracy: exact match of the whole label set.
- hamming_loss: share of wrong label bits. Per-label binary "accuracy" is 1 - hamming_loss and is
  deliberately not reported: on sparse multilabel data it looks flattering.
- empty_prediction_rate / true_empty_rate: share of texts with no predicted / no true label. Far
  apart, they say the decision rule (not the embedding) decides much of the comparison.

The decision rule (rules.DecisionRule) turns probabilities into label sets; its thresholds are
fitted here, on validation only: `tuned` per label (best F1), `tuned_global` one for every label
(best Jaccard).
"""

import numpy as np
from sklearn import metrics as skm

from embedding_bench.rules import DecisionRule, decide


def _multilabel(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """scikit-learn reads a single label column as binary classes, not as one label: add an
    all-zero column to both (it changes no sample's sets) and score only the real columns."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    k = y_true.shape[1]
    if k == 1:
        y_true, y_pred = (np.hstack([a, np.zeros_like(a)]) for a in (y_true, y_pred))
    return y_true, y_pred, list(range(k))


def summary(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    y_true, y_pred, labels = _multilabel(y_true, y_pred)
    kw = {"zero_division": 0.0, "labels": labels}
    return {
        "jaccard": skm.jaccard_score(y_true, y_pred, average="samples", zero_division=1.0),
        "f1_macro": skm.f1_score(y_true, y_pred, average="macro", **kw),
        "f1_micro": skm.f1_score(y_true, y_pred, average="micro", **kw),
        "precision_macro": skm.precision_score(y_true, y_pred, average="macro", **kw),
        "recall_macro": skm.recall_score(y_true, y_pred, average="macro", **kw),
        "subset_accuracy": skm.accuracy_score(y_true, y_pred),
        "hamming_loss": skm.hamming_loss(y_true[:, labels], y_pred[:, labels]),
        "empty_prediction_rate": float((~y_pred[:, labels].any(axis=1)).mean()),
        "true_empty_rate": float((~y_true[:, labels].any(axis=1)).mean()),
    }


def sample_jaccard(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per-text Jaccard (the terms `jaccard` averages); no true and no predicted label scores 1."""
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    inter, union = (y_true & y_pred).sum(1), (y_true | y_pred).sum(1)
    return np.where(union == 0, 1.0, inter / np.maximum(union, 1))


def per_label(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict[str, dict]:
    y_true, y_pred, columns = _multilabel(y_true, y_pred)
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, average=None,
                                                     labels=columns, zero_division=0.0)
    return {label: {"precision": p[i], "recall": r[i], "f1": f[i], "support": int(s[i])}
            for i, label in enumerate(labels)}


def rounded(tree: object, digits: int = 4) -> object:
    """Floats rounded for readable, stable metrics files (ints kept)."""
    if isinstance(tree, dict):
        return {k: rounded(v, digits) for k, v in tree.items()}
    return round(float(tree), digits) if isinstance(tree, (float, np.floating)) else tree


THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)
# the grid nearest 0.5 first, of two equally near the lower first (distances rounded, or float
# error would order 0.45 before 0.55 but 0.7 before 0.3): argmax keeps the first best, so a tie
# goes to the value nearest 0.5, then to the lower one
_NEAREST_HALF_FIRST = THRESHOLD_GRID[np.lexsort((THRESHOLD_GRID,
                                                 np.round(np.abs(THRESHOLD_GRID - 0.5), 2)))]


def tune_thresholds(y_val: np.ndarray, p_val: np.ndarray) -> np.ndarray:
    """One threshold per label, the grid value with the best F1 on validation (ties: nearest
    0.5, then the lower); a label without validation positives keeps 0.5. Never fitted on test."""
    y_val, p_val = np.asarray(y_val) == 1, np.asarray(p_val)
    thresholds = np.full(y_val.shape[1], 0.5)
    for j in np.flatnonzero(y_val.any(axis=0)):
        predicted = p_val[:, j, None] >= _NEAREST_HALF_FIRST  # texts x grid
        true_positives = (predicted & y_val[:, j, None]).sum(axis=0)
        # F1 at every grid value at once, as sklearn's f1_score computes it (2 tp / (true + predicted),
        # in float64: the same numbers), without its input checks, which cost ~3 ms a call
        scores = 2.0 * true_positives / (y_val[:, j].sum() + predicted.sum(axis=0))
        thresholds[j] = _NEAREST_HALF_FIRST[int(np.argmax(scores))]
    return thresholds


def tune_global_threshold(y_val: np.ndarray, p_val: np.ndarray, at_least_one: bool) -> np.ndarray:
    """One threshold for every label, the grid value whose label sets (at_least_one applied, as
    on test) have the best mean Jaccard on validation (ties: nearest 0.5, then the lower). Per-label F1 tuning
    lowers the rare labels' thresholds, which helps macro-F1 and costs Jaccard; this optimises
    the headline metric itself, with a single fitted number. Never fitted on test."""
    scores = [sample_jaccard(y_val, decide(p_val, t, at_least_one)).mean() for t in _NEAREST_HALF_FIRST]
    return np.full(np.asarray(y_val).shape[1], _NEAREST_HALF_FIRST[int(np.argmax(scores))])


def fit_thresholds(rule: DecisionRule, y_val: np.ndarray, p_val: np.ndarray) -> np.ndarray:
    """Each label's threshold under `rule`, fitted on validation where it is tuned."""
    if rule.threshold == "tuned":
        return tune_thresholds(y_val, p_val)
    if rule.threshold == "tuned_global":
        return tune_global_threshold(y_val, p_val, rule.at_least_one)
    return np.full(np.asarray(y_val).shape[1], rule.threshold)
