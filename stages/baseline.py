"""Stage: the reference row: TF-IDF (1-2 grams) + one-vs-rest logistic regression (scikit-learn)
on the same splits and preprocessing variant, reported exactly like the CNN (metrics/baseline/,
plots/baseline/, data/predictions_baseline/)."""

from embedding_bench import baseline, fileio, params, reports
from embedding_bench.cli import arguments, stage_main
from embedding_bench.rules import DecisionRule, resolve_at_least_one


@stage_main
def main():
    args = arguments(__doc__, "data", "metrics", "plots", "predictions")
    p = params.load()
    tables, labels = fileio.read_preprocessed(args.data)
    y, probs = baseline.fit_predict(tables, labels, p.baseline, p.seed)
    rule = DecisionRule(p.evaluate.threshold,
                        resolve_at_least_one(p.evaluate.at_least_one, tables["train"][labels].to_numpy()))
    reports.write(args, labels, {name: tables[name]["id"] for name in y}, y, probs, rule)


if __name__ == "__main__":
    main()
