"""Stage: the trained CNN on val and test -> metrics/metrics.json (val.*, test.*),
metrics/per_label.json (test, per label) and data/predictions/ (test probabilities)."""

import argparse

import pandas as pd

from stages import experiment, fileio, metrics, params
from stages.errors import stage_main
from stages.training import make_reproducible, predict


@stage_main
def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True)
    ap.add_argument("--features", required=True)
    ap.add_argument("--contextual", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--metrics", required=True)
    ap.add_argument("--per-label", required=True)
    ap.add_argument("--predictions", required=True)
    args = ap.parse_args()
    p = params.load()
    make_reproducible(p["seed"])
    model, config = experiment.load(args.model)
    tables, labels = fileio.read_tables(args.data, ["val", "test"])
    data = experiment.inputs(config, tables, {"features": args.features,
                                              "contextual": args.contextual})
    threshold = p["evaluate"]["threshold"]
    results, probs = {}, {}
    for name, (x, y) in data.items():
        probs[name] = predict(model, x)
        results[name] = metrics.summary(y, probs[name] >= threshold)
    per_label = metrics.per_label(data["test"][1], probs["test"] >= threshold, labels)
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
