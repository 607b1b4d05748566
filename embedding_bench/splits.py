"""Train/val/test splits: given splits are kept; the rest is carved by iterative multilabel
stratification (Sechidis et al. 2011, the iterative-stratification package) with a seed.
Validation always comes out of the training data; no choice (early stopping, thresholds, rules)
ever reads the test split."""

import numpy as np
import pandas as pd
from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

from embedding_bench.errors import UserError, warn
from embedding_bench.sections import Split, Variant
from embedding_bench.text import Preprocessor

# What counts as the same text across splits: case, spacing, tokenisation, and which URL or user
# is mentioned are ignored (a retweet with another short link is the same tweet).
SAME_TEXT = Preprocessor(Variant(urls="placeholder", mentions="placeholder", lowercase=True))


def stratified_holdout(y: np.ndarray, size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (keep, holdout) with `size` (a fraction) of the rows held out, label-stratified."""
    n = len(y)
    n_out = int(round(size * n))
    if n_out < 1 or n - n_out < 1:
        raise UserError(f"cannot hold out {size:.0%} of {n} rows: too few rows to split "
                        f"(need at least one row on each side); add data or change split params")
    splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=n_out, random_state=seed)
    keep, out = next(splitter.split(np.zeros((n, 1)), y))
    if abs(len(out) - n_out) > max(1, n_out // 10):
        warn(f"the stratified split held out {len(out)} of {n} rows, not the {n_out} ({size:.0%}) "
             f"asked: with many rare label combinations, iterative stratification trades size for "
             f"label balance; give that split's file in ingest.files to fix it")
    return np.sort(keep), np.sort(out)


def split(table: pd.DataFrame, labels: list[str], cfg: Split) -> dict[str, pd.DataFrame]:
    """{'train','val','test'} -> DataFrame. Given assignments are kept; rows without one are
    training data; a missing test split, then a missing val split, is carved out of training."""
    assigned = table["split"].fillna("train")
    for name, size in (("test", cfg.test_size), ("val", cfg.val_size)):
        if not (assigned == name).any():
            pool = assigned.index[assigned == "train"]
            _, out = stratified_holdout(table.loc[pool, labels].to_numpy(), size, cfg.seed)
            assigned[pool[out]] = name
    parts = {name: table[assigned == name].drop(columns="split").reset_index(drop=True)
             for name in ("train", "val", "test")}
    empty = [name for name, df in parts.items() if df.empty]
    if empty:
        raise UserError(f"the {' and '.join(empty)} split would be empty ({len(table)} rows; sizes "
                        + ", ".join(f"{k} {len(v)}" for k, v in parts.items())
                        + "); add data, or give that split's file in ingest.files")
    return parts


def duplicates(parts: dict[str, pd.DataFrame], labels: list[str]) -> dict[str, int]:
    """Leakage check on {split: DataFrame with `text`}: texts of a later split that also occur in
    an earlier one (after SAME_TEXT's normalisation), repeated texts within train, and texts that
    occur more than once with different label sets (`conflicting_labels`: the annotators
    disagree, or rows were joined wrongly; no model can get both right)."""
    keys = {name: df["text"].map(lambda t: " ".join(SAME_TEXT.tokens(t))) for name, df in parts.items()}
    report = {"within_train": int(keys["train"].duplicated().sum())}
    for first, second in (("train", "val"), ("train", "test"), ("val", "test")):
        report[f"{second}_in_{first}"] = int(keys[second].isin(set(keys[first])).sum())
    every = pd.concat([pd.DataFrame({"key": keys[name], "labels": df[labels].astype(str).agg("".join, axis=1)})
                       for name, df in parts.items()])
    report["conflicting_labels"] = int((every.groupby("key")["labels"].nunique() > 1).sum())
    return report
