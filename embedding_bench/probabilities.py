"""The label probabilities a trained model gave, as the predict stage stores them
(data/probabilities/) and evaluate and probe read them back: a table per split, one row per text,
its id and `prob.<label>` per label, in the split's order. Parquet keeps float32 exactly, so a
stage reading them scores what the model gave, bit for bit."""

from pathlib import Path
from typing import Union

import numpy as np
import pandas as pd

from embedding_bench import fileio
from embedding_bench.errors import UserError

PREFIX = "prob."


def table(ids: pd.Series, probs: np.ndarray, labels: list[str], **columns: np.ndarray) -> pd.DataFrame:
    """One split's probabilities as stored: id, any other per-text `columns`, prob.<label>."""
    return pd.DataFrame({"id": np.asarray(ids), **columns,
                         **{f"{PREFIX}{label}": probs[:, j] for j, label in enumerate(labels)}})


def matrix(df: pd.DataFrame, labels: list[str]) -> np.ndarray:
    """(n_texts, n_labels) probabilities of a stored table, in the order of `labels`, laid out as
    the model gave them (row by row): a float32 mean sums in memory order, so a column-major copy
    would move metrics in their last digits."""
    return np.ascontiguousarray(df[[f"{PREFIX}{label}" for label in labels]].to_numpy())


def read(folder: Union[str, Path], texts: dict[str, pd.DataFrame], labels: list[str]
         ) -> dict[str, pd.DataFrame]:
    """The stored tables of `folder` that `texts` names, each checked against the preprocessed
    split it was predicted for (its ids in order, once, or once per perturbation in a table of
    perturbations, and `labels`): a folder missing, or from another run of the pipeline, is
    refused rather than scored against other texts."""
    again = "run `dvc repro predict` (or the predict stage by hand) again"
    missing = [Path(folder, f) for f in [fileio.LABELS_FILE, *(f"{name}.parquet" for name in texts)]
               if not Path(folder, f).is_file()]
    if missing:
        raise UserError(f"{missing[0]} does not exist: the predict stage writes it; {again}")
    tables, stored_labels = fileio.read_tables(folder, list(texts))
    for name, df in tables.items():
        ids = texts[name]["id"].to_numpy()
        groups = [g["id"] for _, g in df.groupby("perturbation", sort=False)] if "perturbation" in df else [df["id"]]
        if stored_labels != labels or not all(np.array_equal(g.to_numpy(), ids) for g in groups):
            raise UserError(f"{Path(folder, name + '.parquet')} holds the probabilities of other "
                            f"texts or labels than the preprocessed split it is read with: {again}")
    return tables
