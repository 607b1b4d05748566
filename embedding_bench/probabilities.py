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
    split it was predicted for (its ids in order, once or per perturbation, and `labels`): a
    folder from another run of the pipeline is refused rather than scored against other texts."""
    tables, stored_labels = fileio.read_tables(folder, list(texts))
    for name, df in tables.items():
        ids, stored = texts[name]["id"].to_numpy(), df["id"].to_numpy()
        copies = len(stored) // max(len(ids), 1)
        if stored_labels != labels or not np.array_equal(stored, np.tile(ids, copies)):
            raise UserError(f"{Path(folder, name + '.parquet')} holds the probabilities of other "
                            f"texts or labels than the preprocessed split it is read with: run "
                            f"`dvc repro predict` (or the predict stage by hand) again")
    return tables
