"""The leaderboard as numbers: one row per configuration with the mean and the half-width of the
95% Student-t interval of each headline metric over its seeds; right after it, the row of its
seeds' ensemble; and rows of ensembles across configurations. Rows are sorted by (mean) Jaccard
within each dataset. Text appears only when rendering (render.py)."""


import numpy as np
import pandas as pd

from embedding_bench.compare.runs import AXES, PROBES, config_id, differing
from embedding_bench.compare.stats import interval
from embedding_bench.headline import HEADLINE

# kind of row: the seeds of one configuration, their ensemble, an ensemble across configurations
SEEDS, ENSEMBLE, ACROSS = "seeds", "ensemble", "across"


def _seed_row(group: pd.DataFrame, extra: list[str]) -> dict:
    first = group.iloc[0]
    row = {k: first[k] for k in ("dataset", *AXES)}
    row.update({k: first["params"].get(k, "") for k in extra}, row=SEEDS, runs=len(group), configurations=1)
    for metric in HEADLINE:
        # a run made before the pipeline reported the metric has none: nan, shown as n/a
        mean, half = interval(group[metric]) if metric in group else (float("nan"), float("nan"))
        row[metric], row[f"{metric}_ci"] = mean, half
    return row


def _fixed_row(base: dict, kind: str, runs: int, configurations: int, test: dict) -> dict:
    """An ensemble's row: one model's test metrics, no interval."""
    return {**base, "row": kind, "runs": runs, "configurations": configurations,
            **{m: test[m] for m in HEADLINE}, **{f"{m}_ci": float("nan") for m in HEADLINE}}


def leaderboard(table: pd.DataFrame, ensembles: dict | None = None, across: list | tuple = ()) -> pd.DataFrame:
    """`ensembles`: {config: {"runs", "test"}} (ensembles.ensembles); `across`: rows of
    ensembles.ensemble_across. A tie in mean Jaccard (a param without effect) never separates an
    ensemble from its configuration's row."""
    extra, ensembles = differing(table), ensembles or {}
    ranked = []  # (sort key, row)
    for position, (config, group) in enumerate(table.groupby("config", sort=False)):
        row = _seed_row(group, extra)
        key = (str(row["dataset"]), -row["jaccard"], position)
        ranked.append(((*key, 0), row))
        if config in ensembles:
            joined = ensembles[config]
            ranked.append(((*key, 1), _fixed_row(row, ENSEMBLE, joined["runs"], 1, joined["test"])))
    for position, joined in enumerate(across, start=len(ranked)):
        base = {**{k: "" for k in extra}, **{k: joined[k] for k in ("dataset", *AXES)}}
        row = _fixed_row(base, ACROSS, joined["runs"], joined["configurations"], joined["test"])
        ranked.append(((str(row["dataset"]), -row["jaccard"], position, 0), row))
    ranked.sort(key=lambda item: item[0])
    return pd.DataFrame([row for _, row in ranked])


def config_label(row: pd.Series | dict, extra: list[str]) -> str:
    """A configuration's name in charts: its axes, then the params that differ between rows."""
    return " / ".join(str(row[k]) for k in AXES) + "".join(
        f" / {k}={row['params'].get(k, '')}" for k in extra)


def interval_rows(table: pd.DataFrame) -> list[dict]:
    """Per configuration: its label, mean and 95% interval of each shown metric over seeds (no
    interval for one seed), for the charts."""
    extra, rows = differing(table), []
    for _, group in table.groupby("config", sort=False):
        for metric in HEADLINE:
            if metric in group:
                mean, half = interval(group[metric])
                half = 0.0 if np.isnan(half) else half
                rows.append({"label": config_label(group.iloc[0], extra), "model": group.iloc[0]["model"],
                             "metric": metric, "seeds": len(group), "mean": round(mean, 4),
                             "low": round(mean - half, 4), "high": round(mean + half, 4)})
    return rows


def probe_rows(records: list[dict], table: pd.DataFrame) -> list[dict]:
    """Mean flip rate per (CNN configuration, perturbation) over the runs' metrics/probes.json."""
    extra, cnn, rates = differing(table), table[table["model"] == "cnn"], {}
    for r in records:
        perturbations = (r["metrics"].get(PROBES) or {}).get("perturbations") or {}
        match = cnn[cnn["config"] == config_id(r["params"], "cnn")]
        if perturbations and not match.empty:
            label = config_label(match.iloc[0], extra)
            for name, result in perturbations.items():
                rates.setdefault((label, name), []).append(result["flip_rate"])
    return [{"label": label, "perturbation": name, "flip_rate": round(float(np.mean(v)), 4)}
            for (label, name), v in rates.items()]
