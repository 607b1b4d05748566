"""Pull-request review: is a change in the headline metrics bigger than seed-to-seed noise?

    embedding-bench review --base ../base/metrics/headline.json [--head metrics/headline.json]

`--base` is the base branch's headline made on the same machine as the head's (the PR workflow
reproduces main beside the PR), so the diff compares like with like: across CPUs and GPUs the
same seed gives close, not identical, numbers. The seed-to-seed spread is the standard deviation
over the seeds of the head's configuration found in `dvc exp show --json --all-commits` (run
`dvc exp run -S seed=...` a few times, or a grid, to have one); a change within two standard
deviations is called noise.
"""

import argparse
import json
from pathlib import Path

from typing import Optional

import pandas as pd

from embedding_bench import params
from embedding_bench.cli import stage_main
from embedding_bench.compare.runs import config_id, consistent, dvc_exp_show, experiments, read_exp_json, runs
from embedding_bench.errors import UserError
from embedding_bench.headline import HEADLINE

NOISE_SDS = 2  # a change within this many seed-to-seed standard deviations is not a change


def read_headline(path: Path, option: str) -> dict:
    """A metrics/headline.json: {model: {metric: number}} with the cnn's (and the baseline's)
    headline metrics; anything else is one message naming the file."""
    if not path.is_file():
        raise UserError(f"{path}: not found ({option}); run `dvc repro` where it should have been made")
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not valid JSON ({e}) ({option})") from None
    if not (isinstance(found, dict) and isinstance(found.get("cnn"), dict)
            and set(HEADLINE) & set(found["cnn"])
            and all(isinstance(v, dict) and all(isinstance(x, (int, float)) for x in v.values())
                    for v in found.values())):
        raise UserError(f"{path}: not a headline file ({option}); give the metrics/headline.json that "
                        f"`dvc repro` writes ({{\"cnn\": {{\"jaccard\": ...}}, \"baseline\": {{...}}}})")
    return found


def seed_spread(table: pd.DataFrame, current_params: dict) -> dict:
    """{model: {metric: (sd, n seeds)}} over the runs of the current configuration, per model
    (`current_params` as params.yaml writes them)."""
    spread = {}
    for model in ("cnn", "baseline"):
        config = config_id(current_params, model)
        runs = table[(table["model"] == model) & (table["config"] == config)] if len(table) else table
        if len(runs) >= 2:
            spread[model] = {m: (float(runs[m].std(ddof=1)), len(runs)) for m in HEADLINE if m in runs}
    return spread


def verdict(change: float, sd: Optional[float]) -> str:
    if sd is None:
        return "no seed spread measured"
    return "beyond seed spread" if abs(change) > NOISE_SDS * sd else "within seed spread (noise)"


def table_md(base: dict, head: dict, spread: dict) -> str:
    lines = ["| model | metric | base (this runner) | this PR | change | seed sd (n) | verdict |",
             "|---|---|---|---|---|---|---|"]
    for model, metrics in head.items():
        for metric, value in metrics.items():
            before = (base.get(model) or {}).get(metric)
            sd, n = (spread.get(model) or {}).get(metric, (None, 0))
            if before is None:
                lines.append(f"| {model} | {metric} | - | {value:.4f} | new | | |")
                continue
            change = value - before
            lines.append(f"| {model} | {metric} | {before:.4f} | {value:.4f} | {change:+.4f} | "
                         + (f"{sd:.4f} ({n})" if sd is not None else "-") + f" | {verdict(change, sd)} |")
    return "\n".join(lines)


@stage_main
def main(argv: Optional[list[str]] = None, prog: Optional[str] = None) -> None:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", type=Path, required=True, help="the base branch's metrics/headline.json")
    ap.add_argument("--head", type=Path, default=Path("metrics/headline.json"))
    ap.add_argument("--from-json", type=Path, help="saved output of `dvc exp show --json`")
    args = ap.parse_args(argv)
    base, head = read_headline(args.base, "--base"), read_headline(args.head, "--head")
    exp_json = read_exp_json(args.from_json) if args.from_json else dvc_exp_show(all_commits=True)
    records, _ = consistent(experiments(exp_json))
    spread = seed_spread(runs(records), params.as_written())
    print(table_md(base, head, spread))
    print(f"\nA change counts when it exceeds {NOISE_SDS} seed-to-seed standard deviations of this "
          f"configuration; base and head were computed on the same machine.")
