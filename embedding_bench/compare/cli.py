"""The leaderboard: every experiment, grouped by configuration, mean and 95% interval over seeds,
with the baseline's rows; and a paired test between two configurations on the same test texts.

    embedding-bench compare                        # experiments of HEAD (dvc exp show --json)
    embedding-bench compare --all-commits --out results/leaderboard
    embedding-bench compare --pair embedding=glove,preprocessing=light embedding=word2vec,preprocessing=light

(`python -m embedding_bench.compare ...` is the same.)

A configuration is every param but `seed` (of the preprocessing variants, only the one used; for
the baseline, none of the CNN's params): runs equal in all of them are repetitions of one
configuration, whatever differs makes another row, and the params that differ between the rows
are shown as columns. `--pair` selectors must each match exactly one configuration.
Intervals are Student-t 95% intervals of the mean over seeds. A configuration with two or more
seeds also gets the row of their ensemble (per text, the mean of the seeds' probabilities on
validation and test, then the configuration's decision rule; `--no-ensembles` leaves it out).
`--ensemble SPEC` adds the row of an ensemble across configurations: every CNN run SPEC selects
(e.g. `--ensemble mode=finetune,rule=0.5+top1`: every fine-tuned head and seed), the rule keys of
SPEC giving the ensemble's decision rule.
The paired test compares the
per-text Jaccard of two configurations (averaged over their seeds) by a paired bootstrap over
test texts, and their per-seed scores by Welch's t-test, so that a "slightly better" result can
be called significant or not.
"""

import argparse
import sys
from pathlib import Path
from typing import Optional

from embedding_bench.cli import stage_main
from embedding_bench.compare.ensembles import ensemble_across, ensembles
from embedding_bench.compare.leaderboard import interval_rows, leaderboard, probe_rows
from embedding_bench.compare.pairs import describe, paired
from embedding_bench.compare.render import markdown, write_reports
from embedding_bench.compare.runs import consistent, dvc_exp_show, experiments, read_exp_json, runs
from embedding_bench.compare.why import why
from embedding_bench.errors import UserError, warn


@stage_main
def main(argv: Optional[list[str]] = None, prog: Optional[str] = None) -> None:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--from-json", type=Path, help="saved output of `dvc exp show --json`")
    ap.add_argument("--all-commits", action="store_true", help="experiments of every commit")
    ap.add_argument("--out", type=Path, help="write OUT.md and OUT.html")
    ap.add_argument("--no-ensembles", action="store_true",
                    help="leave out the ensemble rows (they read every run's predictions)")
    ap.add_argument("--ensemble", action="append", default=[], metavar="SPEC",
                    help="add the row of the ensemble of every CNN run that key=value,... selects,\n"
                         "across configurations; its rule=... is the ensemble's rule (repeatable)")
    ap.add_argument("--pair", nargs=2, metavar=("A", "B"), help="key=value,... for each side")
    args = ap.parse_args(argv)
    exp_json = read_exp_json(args.from_json) if args.from_json else dvc_exp_show(args.all_commits)
    records, skipped = consistent(experiments(exp_json))
    for r, stale in skipped:
        warn(f"skipped {r['rev'][:7]} ({r['name'] or 'commit'}): its metrics were made with other "
             f"values of {', '.join(stale)} than its params.yaml says; `dvc repro` and commit")
    table = runs(records)
    if table.empty:
        raise UserError("no experiments with metrics found; run `dvc exp run` first")
    across = [ensemble_across(table, spec) for spec in args.ensemble]
    board = leaderboard(table, {} if args.no_ensembles else ensembles(table), across)
    pair, slice_data = "", None
    if args.pair:
        why_text, slice_data = why(table, *args.pair)
        pair = describe(paired(table, *args.pair)) + "\n\n" + why_text
    print(markdown(board) + (f"\n\n{pair}" if pair else ""))
    if args.out:
        write_reports(args.out, board, pair, interval_rows(table), probe_rows(records, table),
                      slice_data, args.pair)


if __name__ == "__main__":
    sys.exit(main())
