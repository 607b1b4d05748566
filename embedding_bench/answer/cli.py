"""Which embedding works best on my data, and why, in one command:

    embedding-bench answer [--quick | --full] [--jobs 2] [--finetune] [--out results/answer]

runs the standard comparison on the dataset params.yaml describes (every embedding family
available offline x every preprocessing variant x seeds; fine-tuned BERT with --finetune, with
--full, or where a CUDA GPU is present) through DVC's experiment queue, then writes
OUT/answer.md, answer.html and answer.json. Presets: --quick (one seed, frozen models: minutes on
the sample), the default (3 seeds), --full (5 seeds and fine-tuning). Runs made before with the
same params are reused, so a killed answer resumes where it stopped. Each configuration's
decision rule is chosen on validation (per metric, among 0.5, tuned_global and tuned, each with
and without at_least_one); the test split is read after every choice. Commit params.yaml first:
queued runs happen in temporary copies of the repository.
"""

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from embedding_bench import devices, params
from embedding_bench.param_checks import repeated
from embedding_bench.answer import choose, evidence, plan, queue, report, verdicts, warnings, why
from embedding_bench.answer.evidence import arrays, labels_of
from embedding_bench.cli import stage_main
from embedding_bench.compare.runs import consistent, dvc_exp_show, experiments, runs
from embedding_bench.errors import UserError, warn
from embedding_bench.language import is_english, languages


def _arguments(argv: Optional[list[str]], prog: Optional[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    preset = ap.add_mutually_exclusive_group()
    preset.add_argument("--quick", dest="preset", action="store_const", const="quick")
    preset.add_argument("--full", dest="preset", action="store_const", const="full")
    ap.add_argument("--jobs", type=int, default=1, help="queue workers running at once (default 1)")
    ap.add_argument("--finetune", action="store_true", help="also fine-tune the BERT-family model")
    ap.add_argument("--families", help=f"comma-separated subset of {', '.join(plan.FAMILIES)}")
    ap.add_argument("--variants", help="comma-separated subset of the preprocessing variants")
    ap.add_argument("--seeds", help="comma-separated seeds, instead of the preset's")
    ap.add_argument("--contrast", action="append", default=[], metavar="A,B",
                    help="also judge configuration A against B, named as the report names them "
                         "(e.g. fasttext/light,glove/light); repeatable")
    ap.add_argument("--out", type=Path, default=Path("results/answer"), help="folder of the answer files")
    args = ap.parse_args(argv)
    args.preset = args.preset or "default"
    return args


def _names(text: Optional[str], allowed: tuple, what: str) -> tuple:
    names = tuple(x.strip() for x in (text or "").split(",") if x.strip())
    unknown = [x for x in names if x not in allowed]
    if unknown:
        raise UserError(f"--{what} {', '.join(unknown)}: not one of {', '.join(allowed)}")
    if repeated(list(names)):
        raise UserError(f"--{what} {text}: names {', '.join(repeated(list(names)))} twice; name each once")
    return names


def planned_runs(args: argparse.Namespace, written: dict) -> list[plan.Run]:
    try:
        seeds = tuple(int(s) for s in (args.seeds or "").split(",") if s.strip())
    except ValueError:
        raise UserError(f"--seeds {args.seeds!r}: give integers separated by commas, e.g. 1,2,3") from None
    if repeated(list(seeds)) or any(not 0 <= seed < 2**32 for seed in seeds):
        # a seed twice would queue its runs twice and count them as two seeds
        raise UserError(f"--seeds {args.seeds!r}: give different seeds from 0 to 2**32-1, e.g. 1,2,3")
    if args.jobs < 1:
        raise UserError(f"--jobs {args.jobs}: give 1 or more")
    gpu = devices.pick_device(written["device"]).startswith("cuda")
    finetune = args.finetune or plan.PRESETS[args.preset]["finetune"] or gpu
    if finetune and not gpu and args.jobs > 1:
        # each run's torch takes every core: two fine-tunes on 2 cores measured 10 s a batch
        # against 0.7 s for one alone, far worse than taking turns
        warn(f"--jobs {args.jobs} with fine-tuning on the CPU: every run uses all {os.cpu_count()} "
             f"cores, so parallel fine-tunes contend for them and each runs many times slower; "
             f"--jobs 1 finishes sooner")
    return plan.standard(written, args.preset, finetune,
                         _names(args.families, tuple(plan.FAMILIES), "families"),
                         _names(args.variants, tuple(written["preprocess"]["variants"]), "variants"), seeds)


def asked_contrasts(asked: list[str], keys: list[str]) -> list[tuple[str, str, str]]:
    """[("asked", a, b)] for each --contrast A,B, whose configurations must be in the report."""
    found = []
    for pair in asked:
        sides = [x.strip() for x in pair.split(",")]
        unknown = [x for x in sides if x not in keys]
        if len(sides) != 2 or unknown or sides[0] == sides[1]:
            raise UserError(f"--contrast {pair!r}: give two different configurations of this answer, "
                            f"A,B; they are: {', '.join(keys)}")
        found.append(("asked", *sides))
    return found


def planned_keys(planned: list[plan.Run]) -> list[str]:
    """The configurations the report will name, if every planned run succeeds."""
    variants = dict.fromkeys(run.variant for run in planned)
    return list(dict.fromkeys(f"{run.family}/{run.variant}" for run in planned)) + \
        [f"{evidence.BASELINE}/{variant}" for variant in variants]


def read_runs() -> tuple[list[dict], "object"]:
    records, _ = consistent(experiments(dvc_exp_show(all_commits=False)))
    return records, runs(records)


def judge(configs: list[evidence.Configuration]) -> tuple[dict, verdicts.Board]:
    """Rules chosen on validation, then (and only then) the test split read and scored."""
    val = {c.key: evidence.predictions(c, "val") for c in configs}
    for tables in val.values():
        evidence.same_texts(tables, "val")
    labels = labels_of(next(iter(val.values()))[0])
    chosen = {key: choose.choose([arrays(t, labels) for t in tables]) for key, tables in val.items()}
    test = {c.key: evidence.predictions(c, "test") for c in configs}  # read once, after every choice
    evidence.same_texts([t for tables in test.values() for t in tables], "test")
    return chosen, verdicts.board(configs, chosen, val, test)


def method(args: argparse.Namespace, planned: list, reused: int, seconds: float) -> list[str]:
    flags = "avx512_bf16" if devices.cpu_has_bf16() else "no avx512_bf16"
    return [f"`embedding-bench answer{' --' + args.preset if args.preset != 'default' else ''} --jobs {args.jobs}`: "
            f"{len(planned)} runs (families x variants x seeds) through DVC's experiment queue, {reused} of "
            f"them made before this invocation; it took {seconds / 60:.1f} min on {os.cpu_count()} cores "
            f"({devices.cpu_name()}, {flags}, {platform.machine()}), {datetime.now(timezone.utc):%Y-%m-%d}.",
            "Decision rules: per configuration and metric, the best of "
            + ", ".join(f"`{r}`" for r in choose.CANDIDATES) + " on validation (tuned thresholds fitted on "
            "one half of it and scored on the other); then fitted on all of validation and applied to test.",
            "Verdicts: the difference of two configurations' mean scores, with its variance from both "
            "seeds (each side's spread of per-run scores) and test texts (the paired per-text "
            "differences), Welch-Satterthwaite's t on it; Holm's correction over every comparison "
            "in this report; tied with the best: not significantly different from it after that "
            "correction. Intervals are 95% and uncorrected.",
            *(note for family, note in plan.NOTES.items() if family in {r.family for r in planned})]


@stage_main
def main(argv: Optional[list[str]] = None, prog: Optional[str] = None) -> int:
    args = _arguments(argv, prog)
    started = time.monotonic()
    p, written = params.load(), params.as_written()
    planned = planned_runs(args, written)
    asked_contrasts(args.contrast, planned_keys(planned))  # refused before anything runs
    reused = len(queue.done(planned, read_runs()[1]))
    done, failed = queue.run_all(planned, args.jobs, lambda: read_runs()[1])
    records, table = read_runs()
    configs = evidence.configurations(done, table, records)
    if len({c.key for c in configs}) < 2:
        raise UserError("answer: fewer than two configurations ran; see the failures above "
                        "(`dvc queue logs NAME`)")
    chosen, result = judge(configs)
    by_key = {c.key: c for c in configs}
    language = languages(evidence.test_texts(configs[0])["text"].tolist())
    english = is_english(language)
    comparisons = verdicts.compare_with_best(result)
    picked = why.pick(result, by_key) + asked_contrasts(args.contrast, list(by_key))
    contrasts = [(kind, a, b, verdicts.contrast(result, a, b, kind)) for kind, a, b in picked]
    judged = verdicts.corrected(comparisons + [v for *_, vs in contrasts for v in vs])
    comparisons, contrast_verdicts = judged[:len(comparisons)], judged[len(comparisons):]
    summary = {
        "dataset": p.dataset, "preset": args.preset, "language": language, "labels": result.labels,
        "rows": result.rows, "best": {m: result.best(m) for m in choose.METRICS},
        "tied": {m: verdicts.tied_with_best(result, comparisons, m) for m in choose.METRICS},
        "above_best": {m: verdicts.above_best(comparisons, m) for m in choose.METRICS},
        "comparisons": comparisons, "chosen_rules": chosen,
        "disagreement": why.disagreement(result) if result.best("f1_macro")["key"] != result.best("jaccard")["key"] else "",
        "contrasts": [{**why.explain(kind, result, by_key[a], by_key[b], english),
                       "verdicts": contrast_verdicts[3 * i:3 * i + 3]} for i, (kind, a, b, _) in enumerate(contrasts)],
        "warnings": warnings.first(configs, result, comparisons, language),
        "failed": [f"{run.name} ({' '.join(run.overrides)}): {queue.failure_log(run) or 'no log'}" for run in failed],
        "method": method(args, planned, reused, time.monotonic() - started)}
    report.write(args.out, summary)
    print("\n".join(report.headline(summary)))
    print(f"\nwritten: {args.out / 'answer.md'}, answer.html, answer.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
