"""The answer's numbers: every configuration's test score under the rule validation chose for
it, per metric, with the interval of its mean over seeds and texts; the best configuration per
metric, chosen on validation like everything else (its validation score under its rule), its
comparison on test with every other one (compare.stats.verdict), Holm's correction over every
comparison the report makes, and the set of configurations tied with the best."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from embedding_bench import metrics
from embedding_bench.answer.choose import METRICS
from embedding_bench.answer.evidence import Configuration, arrays, labels_of
from embedding_bench.compare.stats import estimate, holm, verdict
from embedding_bench.rules import DecisionRule, decide

ALPHA = 0.05


def decided(val: list[pd.DataFrame], test: list[pd.DataFrame], rule: DecisionRule) -> list[dict]:
    """Each run's test label sets under `rule`, its thresholds fitted on that run's whole
    validation split, as evaluate fits them: {"truth", "pred", "jaccard", "probs"} per run."""
    labels = labels_of(test[0])
    runs = []
    for v, t in zip(val, test):
        (y_val, p_val), (y_test, p_test) = arrays(v, labels), arrays(t, labels)
        pred = decide(p_test, metrics.fit_thresholds(rule, y_val, p_val), rule.at_least_one)
        runs.append({"truth": y_test, "pred": pred, "jaccard": metrics.sample_jaccard(y_test, pred)})
    return runs


@dataclass
class Board:
    """Per metric: the configurations' rows, best first, and the runs behind each."""
    labels: list[str]
    rows: dict[str, list[dict]] = field(default_factory=dict)
    runs: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (metric, key) -> runs

    def best(self, metric: str) -> dict:
        return self.rows[metric][0]

    def row(self, metric: str, key: str) -> dict:
        return next(r for r in self.rows[metric] if r["key"] == key)


def board(configs: list[Configuration], chosen: dict[str, dict], val: dict[str, list],
          test: dict[str, list]) -> Board:
    """The rows, each under the rule chosen on validation for its metric."""
    result = Board(labels_of(next(iter(test.values()))[0]))
    for metric in METRICS:
        rows = []
        for config in configs:
            choice = chosen[config.key][metric]
            runs = decided(val[config.key], test[config.key], DecisionRule.parse(choice["rule"]))
            result.runs[(metric, config.key)] = runs
            summary = [metrics.summary(r["truth"], r["pred"]) for r in runs]
            rows.append({"key": config.key, "family": config.family, "variant": config.variant,
                         "model": config.model, "rule": choice["rule"], "validation": choice["validation"],
                         "runner_up": choice["runner_up"], **estimate(runs, metric),
                         "empty_prediction_rate": float(np.mean([s["empty_prediction_rate"] for s in summary])),
                         "true_empty_rate": float(summary[0]["true_empty_rate"])})
        # ranked on validation: the test split reports the choice, it does not make it
        result.rows[metric] = sorted(rows, key=lambda r: (-r["validation"], r["key"]))
    return result


def compare_with_best(result: Board) -> list[dict]:
    """For each metric, the best configuration against every other one."""
    found = []
    for metric in METRICS:
        best = result.best(metric)
        for row in result.rows[metric][1:]:
            v = verdict(result.runs[(metric, best["key"])], result.runs[(metric, row["key"])], metric)
            found.append({"kind": "best", "a": best["key"], "b": row["key"], **v})
    return found


def contrast(result: Board, a: str, b: str, kind: str) -> list[dict]:
    """Configuration a against b on every metric, each under its own chosen rule."""
    return [{"kind": kind, "a": a, "b": b, **verdict(result.runs[(m, a)], result.runs[(m, b)], m)}
            for m in METRICS]


def corrected(comparisons: list[dict]) -> list[dict]:
    """Holm over every comparison in the report: each gets `p_holm` and `significant`."""
    adjusted = holm([c["p"] for c in comparisons]) if comparisons else []
    return [{**c, "p_holm": p, "significant": p < ALPHA} for c, p in zip(comparisons, adjusted)]


def tied_with_best(result: Board, comparisons: list[dict], metric: str) -> list[str]:
    """The best configuration and every one not significantly different from it on test (after
    Holm)."""
    best = result.best(metric)["key"]
    apart = {c["b"] for c in comparisons if c["kind"] == "best" and c["metric"] == metric and c["significant"]}
    return [r["key"] for r in result.rows[metric] if r["key"] == best or r["key"] not in apart]


def above_best(comparisons: list[dict], metric: str) -> list[str]:
    """Configurations significantly better on test than validation's best: the two disagree."""
    return [c["b"] for c in comparisons if c["kind"] == "best" and c["metric"] == metric
            and c["significant"] and c["diff"] < 0]
