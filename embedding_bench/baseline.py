"""The reference row: TF-IDF (1-2 grams) + one-vs-rest logistic regression (scikit-learn), trained
on the same splits and preprocessing variant as the CNN."""

import warnings

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline, make_pipeline

from embedding_bench.sections import Baseline


def model(cfg: Baseline, seed: int) -> Pipeline:
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, cfg.ngram_max), min_df=cfg.min_df, sublinear_tf=True,
                        lowercase=False, token_pattern=r"\S+"),  # the variant decided the tokens
        OneVsRestClassifier(LogisticRegression(C=cfg.C, class_weight=cfg.class_weight,
                                               max_iter=1000, random_state=seed)))


def fit_predict(tables: dict, labels: list[str], cfg: Baseline, seed: int
                ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Fit on train; ({split: label matrix}, {split: probabilities}) for val and test."""
    y = {name: df[labels].to_numpy() for name, df in tables.items()}
    trainable = y["train"].any(axis=0)  # a label never seen in training cannot be fitted: p = 0
    # scikit-learn reads one label column as binary classes (two probability columns): with one
    # trainable label, add an all-zero column (a constant predictor) and keep the real one
    fitted = y["train"][:, trainable]
    with warnings.catch_warnings():
        # a label on every training text: the split stage warns by its name; scikit-learn's
        # "Label 0 is present in all training examples" counts only the trainable columns
        warnings.filterwarnings("ignore", r"Label \d+ is present in all training examples", UserWarning)
        if fitted.shape[1] == 1:
            fitted = np.hstack([fitted, np.zeros_like(fitted)])
            warnings.filterwarnings("ignore", "Label not 1 is present", UserWarning)  # that column
        clf = model(cfg, seed).fit(tables["train"]["text"], fitted)
    probs = {}
    for name in ("val", "test"):
        probs[name] = y[name] * 0.0
        probs[name][:, trainable] = clf.predict_proba(tables[name]["text"])[:, :int(trainable.sum())]
    return {k: y[k] for k in ("val", "test")}, probs
