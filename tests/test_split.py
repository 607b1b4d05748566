import re

import numpy as np
import pandas as pd
import pytest

from embedding_bench.errors import UserError
from embedding_bench.sections import Split
from embedding_bench.splits import duplicates, split

LABELS = ["a", "b", "c"]


def table(n=1000, seed=0, given=None):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 3)) < [0.5, 0.2, 0.05]).astype("int8")
    df = pd.DataFrame(y, columns=LABELS)
    df.insert(0, "id", [f"r{i}" for i in range(n)])
    df.insert(1, "text", "t")
    df.insert(2, "split", given)
    return df


def test_sizes_disjoint_and_stratified():
    df = table()
    parts = split(df, LABELS, Split(seed=1, test_size=0.2, val_size=0.1))
    assert [len(parts[s]) for s in ("train", "val", "test")] == [720, 80, 200]
    ids = [set(parts[s]["id"]) for s in ("train", "val", "test")]
    assert set.union(*ids) == set(df["id"]) and sum(map(len, ids)) == len(df)
    overall = df[LABELS].mean().to_numpy()
    for name in ("train", "val", "test"):  # each label's share within 2 points of the whole
        assert np.abs(parts[name][LABELS].mean().to_numpy() - overall).max() < 0.02
    assert parts["test"]["c"].sum() == round(df["c"].sum() * 0.2)  # the rare label spread exactly


def test_same_seed_same_split_other_seed_differs():
    df = table()
    ids = lambda seed: list(split(df, LABELS, Split(seed=seed, test_size=0.2, val_size=0.1))["test"]["id"])
    assert ids(7) == ids(7)
    assert ids(7) != ids(8)


def test_given_test_kept_and_val_from_train_only():
    given = ["train"] * 800 + ["test"] * 200
    parts = split(table(given=given), LABELS, Split(seed=1, test_size=0.2, val_size=0.1))
    assert list(parts["test"]["id"]) == [f"r{i}" for i in range(800, 1000)]
    assert len(parts["val"]) == 80 and len(parts["train"]) == 720
    assert all(int(i[1:]) < 800 for i in parts["val"]["id"])


def test_given_val_is_kept():
    given = ["train"] * 700 + ["val"] * 100 + ["test"] * 200
    parts = split(table(given=given), LABELS, Split(seed=1, test_size=0.2, val_size=0.1))
    assert [len(parts[s]) for s in ("train", "val", "test")] == [700, 100, 200]
    assert "split" not in parts["train"].columns


def test_single_row_cannot_be_split():
    with pytest.raises(UserError, match="cannot hold out 20% of 1 rows"):
        split(table(n=1), LABELS, Split(seed=1, test_size=0.2, val_size=0.1))


def test_duplicates_across_and_within_splits_are_counted():
    parts = {"train": pd.DataFrame({"text": ["I love it", "i  LOVE it", "so sad", "@ann look http://t.co/a"],
                                    "joy": [1, 1, 0, 0]}),
             "val": pd.DataFrame({"text": ["So sad", "new text"], "joy": [1, 0]}),
             "test": pd.DataFrame({"text": ["@bob look https://t.co/zz", "new text", "unseen"], "joy": [0, 0, 1]})}
    # train repeats "i love it" (case, spacing); val's "so sad" is in train; test's mention+link
    # tweet is train's with another user and link; test's "new text" is in val; "so sad" is joy in
    # val and not in train: a conflict, the other repeats agree
    assert duplicates(parts, ["joy"]) == {"within_train": 1, "val_in_train": 1, "test_in_train": 1,
                                          "test_in_val": 1, "conflicting_labels": 1}
    clean = {name: pd.DataFrame({"text": [f"{name} {i}" for i in range(3)], "joy": 0}) for name in parts}
    assert set(duplicates(clean, ["joy"]).values()) == {0}


def test_a_split_that_would_be_empty_is_an_error():
    given = ["val"] * 5 + ["test"] * 5  # val and test files, but no training rows
    with pytest.raises(UserError, match=r"the train split would be empty \(10 rows; sizes train 0, val 5"):
        split(table(n=10, given=given), LABELS, Split(seed=1, test_size=0.2, val_size=0.1))


def test_a_holdout_far_from_the_asked_size_is_warned(capsys):
    """Labels rarer than the rows (each text its own combination): iterative stratification
    returns far fewer test rows than asked, and says so."""
    rng = np.random.default_rng(0)
    y = np.zeros((60, 200), dtype="int8")
    for i in range(60):
        y[i, rng.choice(200, 2, replace=False)] = 1
    df = pd.DataFrame(y, columns=[f"l{j}" for j in range(200)])
    df.insert(0, "id", [f"r{i}" for i in range(60)])
    df.insert(1, "text", "t")
    df.insert(2, "split", None)
    with pytest.raises(UserError):  # here nothing is left for validation either
        split(df, list(df.columns[3:]), Split(seed=42, test_size=0.2, val_size=0.1))
    held = re.search(r"warning: the stratified split held out (\d+) of 60 rows, not the 12 \(20%\) asked",
                     capsys.readouterr().err)
    assert held and int(held.group(1)) < 6
    split(table(), LABELS, Split(seed=1, test_size=0.2, val_size=0.1))
    assert capsys.readouterr().err == ""  # the usual case: sizes as asked, no warning
