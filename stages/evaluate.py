"""Stage: the trained model's stored probabilities (data/probabilities/, the predict stage's) on
val and test, under the decision rule -> metrics/metrics.json (val.*, test.*),
metrics/per_label.json and metrics/thresholds.json (test, per label), plot data in plots/,
and data/predictions/ (per test text: true, predicted and probability per label; per validation
text: true and probability per label). No model runs here."""

import numpy as np

from embedding_bench import fileio, params, probabilities, reports
from embedding_bench.cli import arguments, stage_main
from embedding_bench.rules import DecisionRule, resolve_at_least_one


@stage_main
def main():
    args = arguments(__doc__, "data", "probabilities", "metrics", "plots", "predictions")
    p = params.load()
    tables, labels = fileio.read_tables(args.data, ["train", "val", "test"])
    stored = probabilities.read(args.probabilities, {"val": tables["val"], "test": tables["test"]}, labels)
    probs = {name: probabilities.matrix(df, labels) for name, df in stored.items()}
    y = {name: tables[name][labels].to_numpy(np.float32) for name in probs}
    rule = DecisionRule(p.evaluate.threshold,
                        resolve_at_least_one(p.evaluate.at_least_one, tables["train"][labels].to_numpy()))
    reports.write(args, labels, {name: tables[name]["id"] for name in y}, y, probs, rule)


if __name__ == "__main__":
    main()
