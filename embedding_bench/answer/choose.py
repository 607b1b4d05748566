"""Each configuration's decision rule, chosen on validation only: every candidate rule (0.5,
tuned_global, tuned; each with and without at_least_one) is scored on the configuration's
validation predictions, per metric, and the best one is kept (ties: the simpler rule, in the
order of CANDIDATES). A tuned rule's thresholds are fitted on one half of validation and scored
on the other, then the halves swap (2-fold cross-fitting): scored on the texts they were fitted
on, tuned rules would always look best. This module sees validation data only; the test split
is read after it has chosen (cli.py)."""

import numpy as np

from embedding_bench import metrics
from embedding_bench.rules import DecisionRule, decide

CANDIDATES = (DecisionRule(0.5), DecisionRule(0.5, True), DecisionRule("tuned_global"),
              DecisionRule("tuned_global", True), DecisionRule("tuned"), DecisionRule("tuned", True))
METRICS = ("jaccard", "f1_macro", "f1_micro")


def halves(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two halves of the validation texts, the same for every run (a fixed seeded shuffle)."""
    order = np.random.default_rng(0).permutation(n)
    return np.sort(order[: n // 2]), np.sort(order[n // 2:])


def cross_fitted(rule: DecisionRule, y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Validation label sets under `rule`, each half decided by thresholds fitted on the other."""
    if not rule.tuned:
        return decide(p, metrics.fit_thresholds(rule, y, p), rule.at_least_one)
    predicted = np.zeros_like(y, dtype=np.int8)
    first, second = halves(len(y))
    for fit, score in ((first, second), (second, first)):
        thresholds = metrics.fit_thresholds(rule, y[fit], p[fit])
        predicted[score] = decide(p[score], thresholds, rule.at_least_one)
    return predicted


def validation_scores(runs: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, dict[str, float]]:
    """{rule: {metric: mean over the runs (seeds) of the cross-fitted validation score}};
    runs: (true labels, probabilities) on validation."""
    scores = {}
    for rule in CANDIDATES:
        per_run = [metrics.summary(y, cross_fitted(rule, y, p)) for y, p in runs]
        scores[str(rule)] = {m: float(np.mean([s[m] for s in per_run])) for m in METRICS}
    return scores


def choose(runs: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, dict]:
    """{metric: {"rule", "validation" (its score), "runner_up" (the next rule and its score)}}."""
    scores = validation_scores(runs)
    chosen = {}
    for metric in METRICS:
        ranked = sorted(scores, key=lambda rule: -scores[rule][metric])  # stable: simpler first on ties
        chosen[metric] = {"rule": ranked[0], "validation": scores[ranked[0]][metric],
                          "runner_up": {"rule": ranked[1], "validation": scores[ranked[1]][metric]},
                          "scores": {rule: s[metric] for rule, s in scores.items()}}
    return chosen
