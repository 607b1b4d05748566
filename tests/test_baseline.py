"""The reference row: TF-IDF + one-vs-rest logistic regression."""

import numpy as np
import pandas as pd

from embedding_bench.baseline import fit_predict
from embedding_bench.sections import Baseline

CFG = Baseline(ngram_max=2, min_df=1, C=10.0, class_weight=None)


def table(texts, labels):
    return pd.DataFrame({"text": texts, **{k: v for k, v in labels.items()}})


def test_labels_without_training_positives_get_zero_and_one_trainable_label_still_fits():
    texts = ["happy day", "sad night", "happy happy", "sad sad", "happy again", "so sad"]
    joy = [1, 0, 1, 0, 1, 0]
    tables = {name: table(texts, {"joy": joy, "anger": [0] * 6, "fear": [0] * 6})
              for name in ("train", "val", "test")}
    y, probs = fit_predict(tables, ["joy", "anger", "fear"], CFG, seed=0)
    assert probs["test"].shape == (6, 3)
    assert (probs["test"][:, 1:] == 0).all()  # never seen in training: probability 0
    assert (probs["test"][np.array(joy) == 1, 0] > 0.5).all()
    assert (probs["test"][np.array(joy) == 0, 0] < 0.5).all()
    assert y["test"][:, 0].tolist() == joy
