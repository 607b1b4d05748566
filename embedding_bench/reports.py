"""Writing one model's evaluation, the same way for the CNN (evaluate) and the baseline:
metrics, per-label metrics, thresholds, plot data and test predictions."""

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


def write(args, labels, test_ids, y, probs, threshold):
    results, per_label, thresholds, table = metrics.score(labels, y, probs, threshold)
    fileio.write_json(metrics.rounded(results), Path(args.metrics, "metrics.json"))
    fileio.write_json(metrics.rounded({"per_label": per_label}), Path(args.metrics, "per_label.json"))
    fileio.write_json(metrics.rounded({"thresholds": thresholds}), Path(args.metrics, "thresholds.json"))
    bars = [{"label": label, "f1": round(float(m["f1"]), 4)} for label, m in per_label.items()]
    curves = pr_curves(labels, y["test"], probs["test"])
    fileio.write_folder(args.plots, {
        "per_label_f1.json": lambda path: fileio.write_json(bars, path),
        **{f"pr/{label}.json": (lambda path, rows=rows: fileio.write_json(rows, path))
           for label, rows in curves.items()},
    })
    predictions = pd.DataFrame({"id": np.asarray(test_ids), **table})
    fileio.write_tables(args.predictions, {"test": predictions}, labels)
    t = results["test"]
    print(f"test jaccard {t['jaccard']:.4f}, f1_micro {t['f1_micro']:.4f}, "
          f"f1_macro {t['f1_macro']:.4f} (threshold {threshold})")
