"""Reading and writing the pipeline's files, always atomically.

Every output is written under a temporary name in the same folder and renamed into place, so a
stage that is interrupted leaves nothing that DVC could take for a finished output.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Union

if TYPE_CHECKING:  # pandas takes a second to import: the stages that only read JSON skip it
    import pandas as pd

from embedding_bench.errors import UserError

LABELS_FILE = "labels.json"


@contextmanager
def atomic_path(path: Union[str, Path]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it to `path`, else remove it.
    Leftovers of a run that was killed outright (SIGKILL) are removed first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)) / path.name
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp.parent, ignore_errors=True)


def write_json(obj: Any, path: Union[str, Path]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def read_json(path: Union[str, Path]) -> Any:
    return json.loads(Path(path).read_text())


def write_folder(folder: Union[str, Path], writers: dict[str, Callable[[Path], Any]]) -> None:
    """Write a folder atomically as a whole: `writers` maps file names to f(temporary path)."""
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        for name, write in writers.items():
            if not (tmp / name).resolve().is_relative_to(tmp.resolve()):  # callers encode names from data
                raise ValueError(f"{name!r} would be written outside {folder}")
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            write(tmp / name)


def write_tables(folder: Union[str, Path], tables: dict[str, pd.DataFrame], labels: list[str]) -> None:
    """A folder of parquet tables (name -> DataFrame) plus labels.json."""
    writers = {f"{name}.parquet": (lambda path, df=df: df.to_parquet(path, index=False))
               for name, df in tables.items()}
    writers[LABELS_FILE] = lambda path: path.write_text(json.dumps(list(labels)) + "\n")
    write_folder(folder, writers)


def read_tables(folder: Union[str, Path], names: Optional[list[str]] = None
                ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Read the parquet tables of a folder written by write_tables: ({name: df}, labels)."""
    import pandas as pd

    folder = Path(folder)
    labels = json.loads((folder / LABELS_FILE).read_text())
    names = names or sorted(p.stem for p in folder.glob("*.parquet"))
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in names}
    for df in tables.values():
        if "tokens" in df:  # parquet gives numpy arrays back; the code works on lists of str
            df["tokens"] = df["tokens"].map(list)
    return tables, labels


def read_preprocessed(folder: Union[str, Path], names: Optional[list[str]] = None
                      ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """read_tables of the experiment's preprocessing variant, refused when the variant leaves
    every training text empty (a model would be trained on nothing)."""
    tables, labels = read_tables(folder, names)
    train = tables.get("train")
    if train is not None and train["empty"].all():
        raise UserError(f"{folder}: preprocessing {Path(folder).name!r} leaves every one of the "
                        f"{len(train)} training texts empty (metrics/preprocess/{Path(folder).name}.json "
                        f"counts them); choose another `preprocessing`, or fewer removing steps")
    return tables, labels
