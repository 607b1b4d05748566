"""Rendering the comparison: the leaderboard's numbers as text ("0.6200 ± 0.0115"), Markdown with
SVG charts beside it, and a standalone HTML page whose charts draw offline."""

import html
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from embedding_bench import charts
from embedding_bench.compare.leaderboard import ENSEMBLE, SEEDS
from embedding_bench.headline import HEADLINE
from embedding_bench.text import MIN_SLICE_TEXTS


def _runs_text(row: pd.Series) -> object:
    if row["row"] == SEEDS:
        return int(row["runs"])
    if row["row"] == ENSEMBLE:
        return f"ensemble of {row['runs']}"
    n = int(row["configurations"])
    return f"ensemble of {row['runs']} runs, {n} configuration{'s' if n > 1 else ''}"


def _metric_text(mean: float, half: float) -> str:
    if np.isnan(mean):
        return "n/a"  # a run made before the pipeline reported the metric
    return f"{mean:.4f}" + ("" if np.isnan(half) else f" ± {half:.4f}")


def as_text(board: pd.DataFrame) -> pd.DataFrame:
    """The leaderboard as shown: axes, differing params, seeds (their number, or the ensemble
    they make), and each headline metric as mean ± half-width of its 95% interval."""
    shown = board.drop(columns=["row", "runs", "configurations", *[f"{m}_ci" for m in HEADLINE]])
    shown = shown.drop(columns=list(HEADLINE))
    shown["seeds"] = [_runs_text(row) for _, row in board.iterrows()]
    for metric in HEADLINE:
        shown[metric] = [_metric_text(m, h) for m, h in zip(board[metric], board[f"{metric}_ci"])]
    return shown


def markdown(board: pd.DataFrame) -> str:
    return as_text(board).to_markdown(index=False)


def write_reports(out: Path, board: pd.DataFrame, pair_text: str, interval_data: list[dict],
                  probe_data: list[dict], slice_data: Optional[list[dict]] = None,
                  pair: Optional[tuple[str, str]] = None) -> None:
    """OUT.md (tables, SVG charts beside it) and OUT.html (the same, charts interactive, offline)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    specs = [(metric, charts.intervals([r for r in interval_data if r["metric"] == metric], metric))
             for metric in HEADLINE if any(r["metric"] == metric for r in interval_data)]
    if probe_data:
        specs.append(("probe flip rates", charts.flip_rates(probe_data)))
    charted = [r for r in slice_data or [] if r["texts"] >= MIN_SLICE_TEXTS]  # the rest: too few texts
    if charted:
        specs.append(("why: the pair per slice", charts.slice_deltas(charted, *pair)))
    images = []
    for i, (heading, spec) in enumerate(specs):
        path = out.with_name(f"{out.name}_chart{i + 1}.svg")
        path.write_text(charts.svg(spec))
        images.append(f"![{heading}]({path.name})")
    shown = as_text(board)
    text = shown.to_markdown(index=False) + (f"\n\n{pair_text}" if pair_text else "")
    out.with_suffix(".md").write_text(text + "\n\n" + "\n\n".join(images) + "\n")
    body = shown.to_html(index=False, border=0) + (f"<pre>{html.escape(pair_text)}</pre>" if pair_text else "")
    out.with_suffix(".html").write_text(charts.page("Leaderboard", body, specs))
