"""Stage: the reference row: TF-IDF (1-2 grams) + one-vs-rest logistic regression (scikit-learn)
on the same splits and preprocessing variant, reported exactly like the CNN (metrics/baseline/,
plots/baseline/, data/predictions_baseline/)."""

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from stages import fileio, params, reporting
from stages.cli import arguments, stage_main


def model(cfg, seed):
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, cfg["ngram_max"]), min_df=cfg["min_df"], sublinear_tf=True,
                        lowercase=False, token_pattern=r"\S+"),  # the variant decided the tokens
        OneVsRestClassifier(LogisticRegression(C=cfg["C"], class_weight=cfg["class_weight"],
                                               max_iter=1000, random_state=seed)))


@stage_main
def main():
    args = arguments(__doc__, "data", "metrics", "plots", "predictions")
    p = params.load()
    tables, labels = fileio.read_tables(args.data)
    y = {name: df[labels].to_numpy() for name, df in tables.items()}
    trainable = y["train"].any(axis=0)  # a label never seen in training cannot be fitted: p = 0
    clf = model(p["baseline"], p["seed"]).fit(tables["train"]["text"], y["train"][:, trainable])
    probs = {}
    for name in ("val", "test"):
        probs[name] = y[name] * 0.0
        probs[name][:, trainable] = clf.predict_proba(tables[name]["text"])
    reporting.write(args, labels, tables["test"]["id"], {k: y[k] for k in ("val", "test")}, probs,
                    p["evaluate"]["threshold"])


if __name__ == "__main__":
    main()
