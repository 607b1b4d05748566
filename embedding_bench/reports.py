"""One model's evaluation, scored and written the same way for the CNN (evaluate) and the
baseline: metrics, per-label metrics, thresholds, plot data and per-text predictions."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve

from embedding_bench import fileio, metrics
from embedding_bench.errors import warn
from embedding_bench.rules import DecisionRule, decide


def score(labels: list[str], y: dict[str, np.ndarray], probs: dict[str, np.ndarray],
          rule: DecisionRule) -> tuple[dict, dict, dict, dict]:
    """Everything evaluate reports for one model: {split: summary}, per-label test metrics, the
    decision rule used (thresholds, at_least_one), and per split a predictions table: for test
    the per-text Jaccard (what `compare --pair` compares between experiments), true, predicted
    and probability per label; for val true and probability per label (what `compare` needs to
    tune an ensemble's thresholds the same way)."""
    thresholds = metrics.fit_thresholds(rule, y["val"], probs["val"])
    predicted = {name: decide(probs[name], thresholds, rule.at_least_one) for name in probs}
    results = {name: metrics.summary(y[name], predicted[name]) for name in probs}
    tables = {"test": {"jaccard": metrics.sample_jaccard(y["test"], predicted["test"])}, "val": {}}
    for j, label in enumerate(labels):
        for name, table in tables.items():
            table[f"true.{label}"] = y[name][:, j].astype(np.int8)
            if name == "test":
                table[f"pred.{label}"] = predicted[name][:, j]
            table[f"prob.{label}"] = probs[name][:, j]
    fitted = {"thresholds": dict(zip(labels, thresholds.tolist())), "at_least_one": int(rule.at_least_one)}
    return results, metrics.per_label(y["test"], predicted["test"], labels), fitted, tables


def file_name(label: str) -> str:
    """A label as a file name: what a dataset names its labels never chooses where a file is
    written (`../../x` stays one name, in its folder). Letters and digits of any script, spaces
    and -_.,+()' are kept, any other character percent-encoded, and a name of dots only encoded
    whole."""
    name = "".join(c if c.isalnum() or c in " -_.,+()'" else quote(c, safe="") for c in label)
    return name.replace(".", "%2E") if not name.strip(".") else name


def pr_curves(labels: list[str], y_true: np.ndarray, probs: np.ndarray) -> dict[str, list]:
    """Per label, a precision-recall curve (thinned to at most ~100 points) as plot rows."""
    curves = {}
    for j, label in enumerate(labels):
        if not y_true[:, j].any():
            continue
        precision, recall, _ = precision_recall_curve(y_true[:, j], probs[:, j])
        keep = np.unique(np.linspace(0, len(recall) - 1, min(len(recall), 100)).astype(int))
        curves[label] = [{"recall": round(float(recall[i]), 4),
                          "precision": round(float(precision[i]), 4)} for i in keep]
    return curves


# The predicted share of texts without any label may exceed the true share by this much before
# evaluate warns: beyond it, the decision rule rather than the model decides much of the score.
EMPTY_RATE_MARGIN = 0.05


def warn_if_rule_decides(results: dict, threshold: Any) -> None:
    t = results["test"]
    if t["empty_prediction_rate"] > t["true_empty_rate"] + EMPTY_RATE_MARGIN:
        warn(f"no label predicted for {t['empty_prediction_rate']:.1%} of test texts, while "
             f"{t['true_empty_rate']:.1%} have none: at threshold {threshold} the decision rule "
             f"decides much of this score; compare with evaluate.at_least_one: true")


def warn_if_labels_untested(per_label: dict) -> None:
    untested = [label for label, m in per_label.items() if m["support"] == 0]
    if untested:
        warn(f"no test text has the label(s) {', '.join(untested)}: their F1 counts as 0 in f1_macro "
             f"(and precision_macro, recall_macro) whatever the model does; compare f1_micro and "
             f"jaccard, or give the test split examples of them")


def fitted(threshold: Any, thresholds: dict[str, float]) -> Any:
    """A tuned setting with what validation chose ("tuned_global 0.4"), for the console."""
    if not isinstance(threshold, str):
        return threshold
    chosen = set(thresholds.values())
    return f"{threshold} {chosen.pop():g}" if len(chosen) == 1 else f"{threshold} per label (thresholds.json)"


def write(args: Any, labels: list[str], ids: dict, y: dict, probs: dict, rule: DecisionRule) -> None:
    """One model's evaluation into the folders `args` names (metrics, plots, predictions);
    `ids`, `y`, `probs`: per split (val, test), the text ids, label matrix and probabilities."""
    results, per_label, fitted_rule, tables = score(labels, y, probs, rule)
    fileio.write_json(metrics.rounded(results), Path(args.metrics, "metrics.json"))
    fileio.write_json(metrics.rounded({"per_label": per_label}), Path(args.metrics, "per_label.json"))
    fileio.write_json(metrics.rounded(fitted_rule), Path(args.metrics, "thresholds.json"))
    bars = [{"label": label, "f1": round(float(m["f1"]), 4)} for label, m in per_label.items()]
    curves = pr_curves(labels, y["test"], probs["test"])
    fileio.write_folder(args.plots, {
        "per_label_f1.json": lambda path: fileio.write_json(bars, path),
        **{f"pr/{file_name(label)}.json": (lambda path, rows=rows: fileio.write_json(rows, path))
           for label, rows in curves.items()},
    })
    fileio.write_tables(args.predictions, {name: pd.DataFrame({"id": np.asarray(ids[name]), **table})
                                           for name, table in tables.items()}, labels)
    threshold = fitted(rule.threshold, fitted_rule["thresholds"])
    t = results["test"]
    print(f"test jaccard {t['jaccard']:.4f}, f1_micro {t['f1_micro']:.4f}, "
          f"f1_macro {t['f1_macro']:.4f}, no label predicted for {t['empty_prediction_rate']:.1%} "
          f"(true {t['true_empty_rate']:.1%}) (threshold {threshold}"
          f"{', at least one label' if rule.at_least_one else ''})")
    warn_if_rule_decides(results, threshold)
    warn_if_labels_untested(per_label)
