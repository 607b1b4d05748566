"""Stage: the reference row: TF-IDF (1-2 grams) + one-vs-rest logistic regression (scikit-learn)
on the same splits and preprocessing variant, reported exactly like the CNN (metrics/baseline/,
plots/baseline/, data/predictions_baseline/)."""

from embedding_bench import baseline, fileio, params, reports
from embedding_bench.cli import arguments, stage_main


@stage_main
def main():
    args = arguments(__doc__, "data", "metrics", "plots", "predictions")
    p = params.load()
    tables, labels = fileio.read_tables(args.data)
    y, probs = baseline.fit_predict(tables, labels, p["baseline"], p["seed"])
    reports.write(args, labels, tables["test"]["id"], y, probs, p["evaluate"]["threshold"])


if __name__ == "__main__":
    main()
