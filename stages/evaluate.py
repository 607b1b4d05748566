"""Stage: the trained CNN on val and test -> metrics/metrics.json (val.*, test.*),
metrics/per_label.json (test, per label) and data/predictions/ (test probabilities)."""

import argparse

import pandas as pd

from stages import fileio, metrics, modelio, params
from stages.errors import stage_main
from stages.train import load_inputs
from stages.training import make_reproducible, predict


@stage_main
def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True)
    ap.add_argument("--features", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--metrics", required=True)
    ap.add_argument("--per-label", required=True)
    ap.add_argument("--predictions", required=True)
    args = ap.parse_args()
    p = params.load()
    make_reproducible(p["seed"])
    model, config = modelio.load(args.model)
    splits, labels, _, tables = load_inputs(args.data, args.features, ["val", "test"],
                                            config["max_len"])
    threshold = p["evaluate"]["threshold"]
    results, probs = {}, {}
    for name, (ids, y) in splits.items():
        probs[name] = predict(model, ids, 256, model.head.min_len)
        results[name] = metrics.summary(y, probs[name] >= threshold)
    y_test = splits["test"][1]
    per_label = metrics.per_label(y_test, probs["test"] >= threshold, labels)
    fileio.write_json(metrics.rounded(results), args.metrics)
    fileio.write_json(metrics.rounded({"per_label": per_label}), args.per_label)
    predictions = pd.DataFrame(probs["test"], columns=labels)
    predictions.insert(0, "id", tables["test"]["id"].to_numpy())
    fileio.write_tables(args.predictions, {"test": predictions}, labels)
    t = results["test"]
    print(f"evaluate: test jaccard {t['jaccard']:.4f}, f1_micro {t['f1_micro']:.4f}, "
          f"f1_macro {t['f1_macro']:.4f}")


if __name__ == "__main__":
    main()
