"""Stage: the trained CNN on val and test -> metrics/metrics.json (val.*, test.*),
metrics/per_label.json and metrics/thresholds.json (test, per label), plot data in plots/,
and data/predictions/ (per test text: true, predicted and probability per label; per validation
text: true and probability per label)."""

from embedding_bench import devices, experiment, fileio, params, reports
from embedding_bench.cli import arguments, stage_main
from embedding_bench.rules import DecisionRule, resolve_at_least_one
from embedding_bench.training import make_reproducible, predict


@stage_main
def main():
    args = arguments(__doc__, "data", "features", "contextual", "model",
                     "metrics", "plots", "predictions")
    p = params.load()
    make_reproducible(p.seed)
    model, config = experiment.load(args.model, devices.pick_device(p.device))
    tables, labels = fileio.read_tables(args.data, ["val", "test"])
    data = experiment.inputs(config, tables, {"features": args.features,
                                              "contextual": args.contextual})
    probs = {name: predict(model, x) for name, (x, _) in data.items()}
    y = {name: labels_ for name, (_, labels_) in data.items()}
    train_y = fileio.read_tables(args.data, ["train"])[0]["train"][labels].to_numpy()
    rule = DecisionRule(p.evaluate.threshold, resolve_at_least_one(p.evaluate.at_least_one, train_y))
    reports.write(args, labels, {name: tables[name]["id"] for name in y}, y, probs, rule)


if __name__ == "__main__":
    main()
