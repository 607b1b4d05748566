"""What runs left in DVC's cache that the comparison reads: per-text test results and the
validation and test probabilities, at any revision or experiment (`dvc pull` or `dvc exp pull`
first where the runs were made elsewhere)."""

import functools
import os
from pathlib import Path
from typing import Optional, Sequence

import pandas as pd
from ruamel.yaml import YAML

from embedding_bench.errors import UserError

PREDICTIONS = {"cnn": "", "baseline": "_baseline"}  # suffixes of dirs.predictions (dvc.yaml)


@functools.cache
def dvc_dir(name: str) -> str:
    """A folder of the pipeline: dvc.yaml's `dirs.<name>`, the one place paths are written."""
    dvc_vars = YAML(typ="safe").load(Path("dvc.yaml"))["vars"]
    return next(v["dirs"][name] for v in dvc_vars if isinstance(v, dict) and "dirs" in v)


@functools.lru_cache(maxsize=256)  # each holds ~2 open files: bounded below the usual 1,024
def revision_files(cwd: str, rev: str):
    """The DVC file system of the repository at `cwd` at revision `rev`, one for every file read
    there: each builds that revision's pipeline index (parsing its dvc.yaml and dvc.lock), about
    a second, where a file's own read takes milliseconds."""
    from dvc.api import DVCFileSystem

    return DVCFileSystem(cwd, rev=rev)


def read_tracked(rev: str, path: str, columns: Optional[list[str]] = None) -> pd.DataFrame:
    """A DVC-tracked parquet file of a revision or experiment, from the local DVC cache."""
    try:
        with revision_files(os.getcwd(), rev).open(path, "rb") as f:
            table = pd.read_parquet(f, columns=columns)
    except Exception as e:  # a missing cache entry, or a run made before per-text scores existed
        raise UserError(f"cannot read {path} of {rev[:7]} ({type(e).__name__}: {e}); pull its "
                        f"DVC cache, or re-run that experiment with this version of the pipeline")
    return table.astype({"id": str})


def read_per_text(rev: str, model: str, columns: Optional[Sequence[str]] = ("id", "jaccard")) -> pd.DataFrame:
    """Per-text test results of an experiment (its DVC-tracked predictions): by default the
    Jaccard; columns=None for all (true.*, pred.*, prob.* per label)."""
    return read_tracked(rev, f"{dvc_dir('predictions')}{PREDICTIONS[model]}/test.parquet",
                        list(columns) if columns else None)


def read_probabilities(rev: str, model: str, splits: Sequence[str] = ("val", "test")) -> dict[str, pd.DataFrame]:
    """{split: table indexed by text id with true.* and prob.* per label} for val and test (or
    the `splits` asked: the answer chooses its rules before it reads test)."""
    return {split: read_tracked(rev, f"{dvc_dir('predictions')}{PREDICTIONS[model]}/{split}.parquet")
            .set_index("id").sort_index() for split in splits}


def read_test_texts(rev: str) -> pd.DataFrame:
    """The test split's ids and raw texts at a revision (the same for every seed and embedding)."""
    return read_tracked(rev, f"{dvc_dir('split')}/test.parquet", ["id", "text"])
