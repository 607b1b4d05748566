"""Writing one model's evaluation, the same way for the CNN (evaluate) and the baseline:
metrics, per-label metrics, thresholds, plot data and test predictions."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve

from embedding_bench import fileio, metrics


def pr_curves(labels, y_true, probs):
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


# What a reviewer reads first, for the CNN and the baseline (metrics/headline.json).
HEADLINE = ("jaccard", "f1_micro", "f1_macro", "hamming_loss", "empty_prediction_rate")


def headline(models):
    """{model: test metrics} -> the headline: a few test metrics per model, nothing else."""
    return {model: {k: results["test"][k] for k in HEADLINE} for model, results in models.items()}


# The predicted share of texts without any label may exceed the true share by this much before
# evaluate warns: beyond it, the decision rule rather than the model decides much of the score.
EMPTY_RATE_MARGIN = 0.05


def warn_if_rule_decides(results, threshold, at_least_one):
    t = results["test"]
    if t["empty_prediction_rate"] > t["true_empty_rate"] + EMPTY_RATE_MARGIN:
        print(f"warning: no label predicted for {t['empty_prediction_rate']:.1%} of test texts, "
              f"while {t['true_empty_rate']:.1%} have none: at threshold {threshold} the decision "
              f"rule decides much of this score; compare with evaluate.at_least_one: true",
              file=sys.stderr)


def warn_if_labels_untested(per_label):
    untested = [label for label, m in per_label.items() if m["support"] == 0]
    if untested:
        print(f"warning: no test text has the label(s) {', '.join(untested)}: their F1 counts as 0 in "
              f"f1_macro (and precision_macro, recall_macro) whatever the model does; compare "
              f"f1_micro and jaccard, or give the test split examples of them", file=sys.stderr)


def fitted(threshold, thresholds):
    """A tuned setting with what validation chose ("tuned_global 0.4"), for the console."""
    if not isinstance(threshold, str):
        return threshold
    chosen = set(thresholds.values())
    return f"{threshold} {chosen.pop():g}" if len(chosen) == 1 else f"{threshold} per label (thresholds.json)"


def write(args, labels, ids, y, probs, threshold, at_least_one):
    """`ids`, `y`, `probs`: per split (val, test), the text ids, label matrix and probabilities."""
    results, per_label, rule, tables = metrics.score(labels, y, probs, threshold, at_least_one)
    fileio.write_json(metrics.rounded(results), Path(args.metrics, "metrics.json"))
    fileio.write_json(metrics.rounded({"per_label": per_label}), Path(args.metrics, "per_label.json"))
    fileio.write_json(metrics.rounded(rule), Path(args.metrics, "thresholds.json"))
    bars = [{"label": label, "f1": round(float(m["f1"]), 4)} for label, m in per_label.items()]
    curves = pr_curves(labels, y["test"], probs["test"])
    fileio.write_folder(args.plots, {
        "per_label_f1.json": lambda path: fileio.write_json(bars, path),
        **{f"pr/{label}.json": (lambda path, rows=rows: fileio.write_json(rows, path))
           for label, rows in curves.items()},
    })
    fileio.write_tables(args.predictions, {name: pd.DataFrame({"id": np.asarray(ids[name]), **table})
                                           for name, table in tables.items()}, labels)
    threshold = fitted(threshold, rule["thresholds"])
    t = results["test"]
    print(f"test jaccard {t['jaccard']:.4f}, f1_micro {t['f1_micro']:.4f}, "
          f"f1_macro {t['f1_macro']:.4f}, no label predicted for {t['empty_prediction_rate']:.1%} "
          f"(true {t['true_empty_rate']:.1%}) (threshold {threshold}"
          f"{', at least one label' if at_least_one else ''})")
    warn_if_rule_decides(results, threshold, at_least_one)
    warn_if_labels_untested(per_label)
