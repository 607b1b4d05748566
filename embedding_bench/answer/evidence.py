"""What the answer reads of the runs: which experiments make each configuration, their
validation or test predictions (one split at a time), and the diagnostics every run wrote
(metrics/*.json, as `dvc exp show` records them)."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from embedding_bench.answer.plan import CONTEXTUAL, Run
from embedding_bench.compare.artifacts import read_probabilities, read_tracked, dvc_dir
from embedding_bench.errors import UserError

BASELINE = "tf-idf"


@dataclass
class Configuration:
    """One row of the answer: a family on a variant (or the TF-IDF baseline on it), its runs."""
    family: str
    variant: str
    model: str  # cnn | baseline
    revs: list[str] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.family}/{self.variant}"

    @property
    def contextual(self) -> bool:
        return self.family in CONTEXTUAL

    @property
    def static(self) -> bool:
        return self.model == "cnn" and not self.contextual

    def metrics_file(self, path: str) -> dict:
        """A metrics file of the configuration's first run (diagnostics are the same for every
        seed of a variant), {} where the run lacks it."""
        return (self.records[0]["metrics"].get(path) or {}) if self.records else {}

    def mean_over_runs(self, path: str, *keys: str) -> float | None:
        """The mean over the runs of a number inside a metrics file, None where absent."""
        values = []
        for record in self.records:
            node = record["metrics"].get(path) or {}
            for key in keys:
                node = node.get(key, {}) if isinstance(node, dict) else {}
            if isinstance(node, (int, float)):
                values.append(float(node))
        return float(np.mean(values)) if values else None


def configurations(done: dict[Run, str], table: pd.DataFrame, records: list[dict]) -> list[Configuration]:
    """Every CNN configuration of the plan with the experiments that ran it, and per variant the
    baseline's rows of the same experiments (it does not depend on the seed: one run a seed)."""
    by_rev = {record["rev"]: record for record in records}
    found: dict[tuple[str, str], Configuration] = {}
    for run, rev in sorted(done.items(), key=lambda item: (item[0].family, item[0].variant, item[0].seed)):
        cnn = found.setdefault((run.family, run.variant), Configuration(run.family, run.variant, "cnn"))
        base = found.setdefault((BASELINE, run.variant), Configuration(BASELINE, run.variant, "baseline"))
        cnn.revs.append(rev)
        cnn.records.append(by_rev[rev])
        has_baseline = not table[(table["rev"] == rev) & (table["model"] == "baseline")].empty
        if has_baseline and run.seed not in {by_rev[r]["params"]["seed"] for r in base.revs}:
            base.revs.append(rev)
            base.records.append(by_rev[rev])
    return [c for c in found.values() if c.revs]


def predictions(config: Configuration, split: str) -> list[pd.DataFrame]:
    """Each run's predictions on one split, indexed by text id (true.*, prob.*; test also pred.*)."""
    return [read_probabilities(rev, config.model, (split,))[split] for rev in config.revs]


def labels_of(table: pd.DataFrame) -> list[str]:
    return [c[len("prob."):] for c in table.columns if c.startswith("prob.")]


def arrays(table: pd.DataFrame, labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(true labels, probabilities) of a predictions table, in the order of `labels`."""
    return (table[[f"true.{x}" for x in labels]].to_numpy(np.int8),
            table[[f"prob.{x}" for x in labels]].to_numpy(float))


def same_texts(tables: list[pd.DataFrame], split: str) -> None:
    first = tables[0].index
    if any(not t.index.equals(first) for t in tables):
        raise UserError(f"answer: the runs were evaluated on different {split} texts (another "
                        f"dataset or split in some experiment); remove those experiments or commit "
                        f"the params they were made with")


def test_texts(config: Configuration) -> pd.DataFrame:
    """The test split's raw texts (id, text) at one of the configuration's runs."""
    return read_tracked(config.revs[0], f"{dvc_dir('split')}/test.parquet", ["id", "text"])


def preprocessed_test(config: Configuration) -> pd.DataFrame:
    """The variant's preprocessed test table (original_text, tokens) at one of its runs."""
    return read_tracked(config.revs[0], f"{dvc_dir('preprocessed')}/{config.variant}/test.parquet",
                        ["id", "original_text", "tokens"])
