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
import functools
import html
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from ruamel.yaml import YAML
from scipy import stats

from embedding_bench import charts, metrics
from embedding_bench.cli import stage_main
from embedding_bench.errors import UserError
from embedding_bench.params import threshold_setting
from embedding_bench.text import CONTENT_SLICES, content_slices

SHOWN = ("jaccard", "f1_micro", "f1_macro", "hamming_loss", "empty_prediction_rate")
AXES = ("model", "embedding", "preprocessing", "mode", "rule")
# Params that only the CNN reads: a baseline row's configuration leaves them out.
CNN_ONLY = ("embedding", "device", "vocab", "random", "word2vec", "glove", "bert", "cnn", "train")
# Params the axis columns already show (never repeated as columns); short selector names for two.
# Not evaluate.at_least_one: the rule shows it as resolved ("+top1" or not), and `auto` resolves
# like true or false, so runs with auto and false could show as two rows told apart by nothing
IN_AXES = ("dataset", "embedding", "preprocessing", "cnn.mode", "bert.finetune", "evaluate.threshold")
ALIASES = {"threshold": "evaluate.threshold", "at_least_one": "evaluate.at_least_one"}
PREDICTIONS = {"cnn": "", "baseline": "_baseline"}  # suffixes of dirs.predictions (dvc.yaml)
PROBES = "metrics/probes.json"
FILES = {"cnn": ("metrics/metrics.json", "metrics/thresholds.json"),
         "baseline": ("metrics/baseline/metrics.json", "metrics/baseline/thresholds.json")}


def as_text(value):
    """A param value as `dvc exp run -S` writes it."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def flatten(tree, prefix=""):
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = as_text(value)
    return flat


def configuration(params, model):
    """Everything that can change a model's result: every param but `seed`, dotted, as text; of
    the preprocessing variants only the one used; for the baseline, none of the CNN's params."""
    p = {k: v for k, v in params.items() if k not in ("seed", "preprocess")}
    variants = (params.get("preprocess") or {}).get("variants") or {}
    p["preprocess"] = {"variant": variants.get(params.get("preprocessing")) or {}}
    if model == "baseline":
        p = {k: v for k, v in p.items() if k not in CNN_ONLY}
    return flatten(p)


def rule(params, thresholds):
    """The decision rule: threshold, and `+top1` where at_least_one was in force (as evaluate
    resolved it, recorded in thresholds.json; the param where an older run lacks that)."""
    forced = (thresholds or {}).get("at_least_one")
    if forced is None:
        forced = (params.get("evaluate") or {}).get("at_least_one") is True
    return f"{params['evaluate']['threshold']}" + ("+top1" if forced else "")


def split_rule(text):
    """(threshold, at_least_one) of a rule as the `rule` column writes it, e.g. "0.5+top1"."""
    return text.removesuffix("+top1"), text.endswith("+top1")


def threshold_of(text):
    """The threshold setting a rule's text spells ("0.5" -> 0.5, "tuned" as it is); ValueError
    (params.threshold_setting's, saying what is accepted) where it is neither."""
    try:
        return threshold_setting(float(text))
    except ValueError:
        return threshold_setting(text)


def interval(values, confidence=0.95):
    """(mean, half-width of the Student-t interval); half-width is nan for a single value."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float(values.mean()), float("nan")
    sem = values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean()), float(stats.t.ppf((1 + confidence) / 2, len(values) - 1) * sem)


def paired_bootstrap(a, b, n_boot=10_000, seed=0):
    """Mean of a - b over texts, its 95% bootstrap interval and two-sided p-value."""
    d = np.asarray(a, float) - np.asarray(b, float)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(1)
    p = 2 * min((means <= 0).mean(), (means >= 0).mean())
    low, high = np.percentile(means, [2.5, 97.5])
    return {"diff": float(d.mean()), "low": float(low), "high": float(high), "p": min(float(p), 1.0)}


def mode_of(params):
    if params["embedding"] == "bert":
        return "finetune" if params["bert"]["finetune"] else "frozen"
    mode = params["cnn"]["mode"]
    return ("rand" if params["embedding"] == "random" else "non_static") if mode == "auto" else mode


def experiments(exp_json):
    """One record per experiment (or commit) with results: params and metrics, from the
    structure `dvc exp show --json` prints."""
    found = []

    def visit(node):
        data = node.get("data") or {}
        metrics, params = data.get("metrics") or {}, data.get("params") or {}
        result = (metrics.get("metrics/metrics.json") or {}).get("data") or {}
        if "test" in result and "params.yaml" in params:  # not a failed or unfinished run
            found.append({"rev": data.get("rev") or node.get("rev"), "name": node.get("name"),
                          "timestamp": data.get("timestamp") or "",
                          "params": params["params.yaml"]["data"],
                          "metrics": {k: v.get("data", {}) for k, v in metrics.items()}})
        for exp in node.get("experiments") or []:
            if (exp.get("executor") or {}).get("state") in {"running", "queued", "failed"}:
                continue  # a running experiment shows the workspace's metrics, not its own
            for rev in exp.get("revs") or []:
                visit(rev)

    for node in exp_json:
        if node.get("rev") != "workspace":
            visit(node)
    return found


def read_lock(rev):
    """dvc.lock at a revision, or None where git has none (e.g. revisions of a saved JSON)."""
    result = subprocess.run(["git", "show", f"{rev}:dvc.lock"], capture_output=True, text=True)
    return YAML(typ="safe").load(result.stdout) if result.returncode == 0 else None


def stale_params(params, lock):
    """Params whose value in params.yaml differs from the one dvc.lock recorded: the revision's
    metrics were not made with its params (edited, then committed without `dvc repro`)."""
    stale = set()
    for stage in ((lock or {}).get("stages") or {}).values():
        for key, value in ((stage.get("params") or {}).get("params.yaml") or {}).items():
            current = params
            for part in key.split("."):
                current = current.get(part) if isinstance(current, dict) else None
            if current != value:
                stale.add(key)
    return sorted(stale)


def consistent(records, lock_reader=read_lock):
    """(records whose metrics were made with their params, [(record, stale keys)] of the rest)."""
    kept, skipped = [], []
    for r in records:
        stale = stale_params(r["params"], lock_reader(r["rev"]))
        (skipped.append((r, stale)) if stale else kept.append(r))
    return kept, skipped


def runs(records):
    """One row per (model, configuration, seed): the CNN and the baseline of each record, with
    axes, metrics and the configuration; the latest record kept where one ran more than once."""
    rows = {}
    for r in sorted(records, key=lambda r: r["timestamp"]):
        p = r["params"]
        for model, (metrics_file, rule_file) in FILES.items():
            test = (r["metrics"].get(metrics_file) or {}).get("test")
            if not test:
                continue
            config = configuration(p, model)
            row = {"dataset": p.get("dataset"), "model": model,
                   "embedding": p["embedding"] if model == "cnn" else "tf-idf",
                   "preprocessing": p["preprocessing"],
                   "mode": mode_of(p) if model == "cnn" else "logreg",
                   "rule": rule(p, r["metrics"].get(rule_file)), "seed": p["seed"], "rev": r["rev"],
                   "config": json.dumps(config, sort_keys=True), "params": config, **test}
            rows[(model, row["config"], row["seed"])] = row
    return pd.DataFrame(list(rows.values()))


def differing(table):
    """Params, beyond those the axis columns show, whose value differs between configurations of
    one model (a baseline has no CNN params; a param one run has and another lacks differs). A
    variant's step options count only where one variant name came with different options."""
    def varies(key):
        by = ["model", "preprocessing"] if key.startswith("preprocess.variant.") else ["model"]
        return any(len({p.get(key) for p in group}) > 1 for _, group in table.groupby(by)["params"])

    return [k for k in sorted(set().union(*table["params"]) - set(IN_AXES)) if varies(k)]


def leaderboard(table, ensembles=None, across=()):
    """One row per configuration: mean ± 95% interval over its seeds; and right after it, where
    `ensembles` has the configuration, the row of the ensemble of its seeds (seeds: "ensemble
    of N"); and the rows of `across` (ensembles of several configurations, `ensemble_across`).
    Rows sorted by (mean) Jaccard."""
    extra, ensembles = differing(table), ensembles or {}
    out = []
    for position, (config, group) in enumerate(table.groupby("config", sort=False)):
        first = group.iloc[0]
        row = {k: first[k] for k in ("dataset", *AXES)}
        row.update({k: first["params"].get(k, "") for k in extra}, seeds=len(group))
        for metric in SHOWN:
            if metric not in group:
                row[metric] = "n/a"  # a run made before the pipeline reported it
                continue
            mean, half = interval(group[metric])
            row[metric] = f"{mean:.4f}" + ("" if np.isnan(half) else f" ± {half:.4f}")
        row["_sort"], row["_config"], row["_within"] = group["jaccard"].mean(), position, 0
        out.append(row)
        if config in ensembles:
            joined = ensembles[config]
            out.append({**row, "seeds": f"ensemble of {joined['runs']}", "_within": 1,
                        **{metric: f"{joined['test'][metric]:.4f}" for metric in SHOWN}})
    for position, joined in enumerate(across, start=len(out)):
        out.append({**{k: "" for k in extra}, **{k: v for k, v in joined.items() if k != "test"},
                    **{metric: f"{joined['test'][metric]:.4f}" for metric in SHOWN},
                    "_sort": joined["test"]["jaccard"], "_config": position, "_within": 0})
    # a tie in mean Jaccard (a param without effect) must not separate an ensemble from its row
    board = pd.DataFrame(out).sort_values(["dataset", "_sort", "_config", "_within"],
                                          ascending=[True, False, True, True], kind="stable")
    return board.drop(columns=["_sort", "_config", "_within"]).reset_index(drop=True)


def parse_spec(spec, option):
    """[(key, value)] of a selector 'key=value,...', the short names resolved."""
    items = []
    for item in spec.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"{option}: {item!r} in {spec!r} is not key=value")
        items.append((ALIASES.get(key, key), value))
    return items


def matching(table, items, spec, option):
    """The runs equal to every (key, value): the axis columns, seed, or any dotted param."""
    rows = table
    for key, value in items:
        if key in ("dataset", *AXES, "seed"):
            rows = rows[rows[key].astype(str) == value]
        elif any(key in p for p in table["params"]):
            rows = rows[[p.get(key) == value for p in rows["params"]]]
        else:
            raise UserError(f"{option}: unknown key {key!r}; use {', '.join(('dataset', *AXES, 'seed'))}, "
                            f"threshold, at_least_one or a dotted param such as cnn.filters")
    if rows.empty:
        raise UserError(f"{option}: no experiment matches {spec!r}")
    return rows


def select(table, spec):
    """The runs of the one configuration matching 'key=value,...'. Keys: the axis columns
    (model, embedding, preprocessing, mode, rule, dataset), `threshold`, `at_least_one`, or any
    dotted param (`bert.model=...`). No match, or more than one configuration, is an error that
    lists the candidates."""
    rows = matching(table, parse_spec(spec, "--pair"), spec, "--pair")
    if rows["config"].nunique() > 1:
        extra = differing(table)
        candidates = [", ".join(f"{k}={r[k]}" for k in AXES) +
                      "".join(f", {k}={r['params'][k]}" for k in extra if k in r["params"])
                      for r in rows.drop_duplicates("config").to_dict("records")]
        raise UserError(f"--pair: {spec!r} matches {len(candidates)} configurations; add keys to "
                        f"pick one of:\n  " + "\n  ".join(candidates))
    return rows


def read_tracked(rev, path, columns=None):
    """A DVC-tracked parquet file of a revision or experiment, from the local DVC cache (`dvc pull`
    or `dvc exp pull` first where the runs were made elsewhere)."""
    from dvc.api import DVCFileSystem

    try:
        with DVCFileSystem(".", rev=rev).open(path, "rb") as f:
            table = pd.read_parquet(f, columns=columns)
    except Exception as e:  # a missing cache entry, or a run made before per-text scores existed
        raise UserError(f"cannot read {path} of {rev[:7]} ({type(e).__name__}: {e}); pull its "
                        f"DVC cache, or re-run that experiment with this version of the pipeline")
    return table.astype({"id": str})


def read_per_text(rev, model, columns=("id", "jaccard")):
    """Per-text test results of an experiment (its DVC-tracked predictions): by default the
    Jaccard; columns=None for all (true.*, pred.*, prob.* per label)."""
    return read_tracked(rev, f"{dvc_dir('predictions')}{PREDICTIONS[model]}/test.parquet",
                        list(columns) if columns else None)


def read_probabilities(rev, model):
    """{split: table indexed by text id with true.* and prob.* per label} for val and test."""
    return {split: read_tracked(rev, f"{dvc_dir('predictions')}{PREDICTIONS[model]}/{split}.parquet")
            .set_index("id").sort_index() for split in ("val", "test")}


def ensemble(group, reader=read_probabilities, decision=None):
    """The ensemble of one configuration's runs (its seeds): per text, the mean of the runs'
    probabilities on val and on test; then the configuration's own decision rule (or
    `decision`, a rule such as "0.5+top1"), thresholds tuned on the mean validation
    probabilities where the rule is `tuned` or `tuned_global`. ({"runs", "test": metrics} or
    None where fewer than two runs could be read, the reasons)."""
    read, unread = [], []
    for r in group.itertuples():
        try:
            read.append(reader(r.rev, r.model))
        except UserError as e:  # e.g. a run made before evaluate kept validation probabilities
            unread.append(str(e))
    if len(read) < 2:
        return None, unread
    first = read[0]["test"]
    labels = [c[len("prob."):] for c in first.columns if c.startswith("prob.")]
    probs, y = {}, {}
    for split in ("val", "test"):
        index = read[0][split].index
        if any(not run[split].index.equals(index) for run in read):
            raise UserError(f"ensemble: the runs have different {split} texts (another dataset or split)")
        probs[split] = np.mean([run[split][[f"prob.{x}" for x in labels]].to_numpy() for run in read], axis=0)
        y[split] = read[0][split][[f"true.{x}" for x in labels]].to_numpy()
    threshold, top1 = split_rule(decision or group.iloc[0]["rule"])
    results = metrics.score(labels, y, probs, threshold_of(threshold), top1)[0]
    return {"runs": len(read), "test": results["test"]}, unread


def ensembles(table, reader=read_probabilities, warn=lambda message: print(message, file=sys.stderr)):
    """{config: ensemble} for every CNN configuration with two or more runs (the baseline does not
    depend on the seed); where runs cannot be read, says so (the ensemble then has fewer runs
    than the row, or no row)."""
    found = {}
    for config, group in table[table["model"] == "cnn"].groupby("config", sort=False):
        if len(group) < 2:
            continue
        try:
            result, unread = ensemble(group, reader)
        except UserError as e:  # e.g. runs of one configuration tested on different texts
            result, unread = None, [str(e)]
        for reason in unread:
            warn(f"ensemble of {group.iloc[0]['embedding']}/{group.iloc[0]['mode']}/{group.iloc[0]['rule']}: "
                 f"left out: {reason}")
        if result:
            found[config] = result
    return found


RULE_KEYS = ("rule", "evaluate.threshold", "evaluate.at_least_one")


def ensemble_rule(rows, given, spec):
    """The decision rule of an --ensemble: what its selector says (rule=, threshold=,
    at_least_one=), else the one its runs share; runs with different rules and no rule given
    are ambiguous."""
    threshold, top1 = None, None
    if "rule" in given:
        threshold, top1 = split_rule(given["rule"])
    threshold = given.get("evaluate.threshold", threshold)
    if "evaluate.at_least_one" in given:
        if given["evaluate.at_least_one"] not in ("true", "false"):
            raise UserError(f"--ensemble {spec!r}: at_least_one is true or false")
        top1 = given["evaluate.at_least_one"] == "true"
    shared = {"threshold": {split_rule(r)[0] for r in rows["rule"]},
              "at_least_one": {split_rule(r)[1] for r in rows["rule"]}}
    for name, value in (("threshold", threshold), ("at_least_one", top1)):
        if value is None and len(shared[name]) > 1:
            raise UserError(f"--ensemble {spec!r}: its runs have the rules {', '.join(sorted(set(rows['rule'])))}; "
                            f"add rule=... (e.g. rule=0.5 or rule=0.5+top1) to say which rule the "
                            f"ensemble's probabilities get")
    threshold = next(iter(shared["threshold"])) if threshold is None else threshold
    top1 = next(iter(shared["at_least_one"])) if top1 is None else top1
    try:
        threshold = threshold_of(threshold)
    except ValueError as e:
        raise UserError(f"--ensemble {spec!r}: threshold {threshold!r}: {e}") from None
    # written as evaluate writes its rules ("0.50" -> "0.5"), so equal rules read equal
    return f"{threshold}" + ("+top1" if top1 else "")


def ensemble_across(table, spec, reader=read_probabilities):
    """`--ensemble SPEC`: the row of the ensemble of every CNN run that SPEC selects, across
    configurations (e.g. the seeds of two heads): per text the mean of their probabilities,
    then one decision rule. The rule keys of SPEC choose that rule rather than runs: a run's
    probabilities do not depend on its rule, so runs that differ only in it are one model, read
    once. Every selected model must be read (none is left out silently)."""
    items = parse_spec(spec, "--ensemble")
    given = {k: v for k, v in items if k in RULE_KEYS}
    rows = matching(table[table["model"] == "cnn"], [(k, v) for k, v in items if k not in RULE_KEYS],
                    spec, "--ensemble")
    decision = ensemble_rule(rows, given, spec)
    if rows["dataset"].nunique() > 1:
        raise UserError(f"--ensemble {spec!r} selects runs of the datasets "
                        f"{', '.join(sorted(map(str, rows['dataset'].unique())))}; add dataset=...")
    model = rows["params"].map(lambda p: json.dumps({k: v for k, v in p.items()
                                                     if not k.startswith("evaluate.")}, sort_keys=True))
    models = rows.assign(_model=model).drop_duplicates(["_model", "seed"])
    if len(models) < 2:
        raise UserError(f"--ensemble {spec!r} selects one model; an ensemble needs two or more")
    result, unread = ensemble(models, reader, decision)
    if unread:
        raise UserError(f"--ensemble {spec!r}: " + "; ".join(unread))
    configurations = models["_model"].nunique()
    joined = {k: "+".join(dict.fromkeys(models[k].astype(str))) for k in ("embedding", "preprocessing", "mode")}
    return {"dataset": models.iloc[0]["dataset"], "model": "cnn", **joined, "rule": decision,
            "seeds": f"ensemble of {len(models)} runs, {configurations} "
                     f"configuration{'s' if configurations > 1 else ''}",
            "test": result["test"]}


def read_test_texts(rev):
    """The test split's ids and raw texts at a revision (the same for every seed and embedding)."""
    return read_tracked(rev, f"{dvc_dir('split')}/test.parquet", ["id", "text"])


@functools.cache
def dvc_dir(name):
    """A folder of the pipeline: dvc.yaml's `dirs.<name>`."""
    dvc_vars = YAML(typ="safe").load(Path("dvc.yaml"))["vars"]
    return next(v["dirs"][name] for v in dvc_vars if isinstance(v, dict) and "dirs" in v)


def per_text(rows, reader=read_per_text):
    """(per-text Jaccard averaged over the runs of `rows` whose predictions can be read, indexed by
    text id; the reasons the other runs could not be read)."""
    scores, unread = [], []
    for r in rows.itertuples():
        try:
            scores.append(reader(r.rev, r.model).set_index("id")["jaccard"].sort_index())
        except UserError as e:
            unread.append(str(e))
    if not scores:
        raise UserError("--pair: no per-text scores for a side: " + "; ".join(unread))
    return pd.concat(scores, axis=1).mean(axis=1), unread


def paired(table, spec_a, spec_b, reader=read_per_text):
    a_rows, b_rows = select(table, spec_a), select(table, spec_b)
    (a, a_unread), (b, b_unread) = per_text(a_rows, reader), per_text(b_rows, reader)
    if not a.index.equals(b.index):
        raise UserError("--pair: the two configurations were tested on different texts")
    result = {"a": spec_a, "b": spec_b, "texts": len(a), "bootstrap": paired_bootstrap(a, b),
              "runs": {"a": len(a_rows) - len(a_unread), "b": len(b_rows) - len(b_unread)},
              "unread": a_unread + b_unread}
    if len(a_rows) > 1 and len(b_rows) > 1:
        # seeds that all scored the same leave Welch's test nothing to weigh (SciPy warned of
        # "catastrophic cancellation" and gave a p anyway): no p, and that is said
        flat = [side for side, rows in (("A", a_rows), ("B", b_rows)) if rows["jaccard"].nunique() == 1]
        t = None if flat else stats.ttest_ind(a_rows["jaccard"], b_rows["jaccard"], equal_var=False)
        result["seeds"] = {"a": len(a_rows), "b": len(b_rows), "p": None if t is None else float(t.pvalue), "flat": flat,
                           "diff": float(a_rows["jaccard"].mean() - b_rows["jaccard"].mean())}
    return result


def describe(result):
    bs = result["bootstrap"]
    verdict = "significant" if bs["p"] < 0.05 else "not significant"
    runs = result["runs"]
    lines = [f"A = {result['a']}  vs  B = {result['b']} on {result['texts']} test texts",
             f"- paired bootstrap over texts ({runs['a']} vs {runs['b']} runs averaged per text): "
             f"Jaccard A - B = {bs['diff']:+.4f} "
             f"(95% interval {bs['low']:+.4f} to {bs['high']:+.4f}), p = {bs['p']:.4f}: {verdict} at 5%"]
    if "seeds" in result:
        s = result["seeds"]
        head = f"- over seeds ({s['a']} vs {s['b']}, Welch t-test): A - B = {s['diff']:+.4f}, "
        lines.append(head + (f"p = {s['p']:.4f}: {'significant' if s['p'] < 0.05 else 'not significant'} at 5%"
                             if s["p"] is not None else
                             f"no test: every seed of {' and '.join(s['flat'])} scored the same Jaccard "
                             f"(does the configuration use its seed?)"))
    lines += [f"- left out of the bootstrap: {reason}" for reason in result["unread"]]
    return "\n".join(lines)


def label_set(row, labels, prefix):
    return ", ".join(label for label in labels if row[f"{prefix}.{label}"]) or "(none)"


def why(table, spec_a, spec_b, reader=read_per_text, texts_reader=read_test_texts, examples=3):
    """Where the two configurations of a pair disagree: per content slice of the test texts
    (CONTENT_SLICES) the texts, how many get different label sets from A and B (their
    lowest-seed runs), and the paired Jaccard difference averaged over all their runs; per label
    which side is right where they differ; and per slice the texts with the largest difference.
    (Markdown, the per-slice rows for a chart)."""
    a_rows, b_rows = select(table, spec_a), select(table, spec_b)
    a_run, b_run = (rows.sort_values("seed").iloc[0] for rows in (a_rows, b_rows))
    a_pred = reader(a_run["rev"], a_run["model"], None).set_index("id").sort_index()
    b_pred = reader(b_run["rev"], b_run["model"], None).set_index("id").sort_index()
    texts = texts_reader(a_run["rev"]).set_index("id")["text"].reindex(a_pred.index)
    if not a_pred.index.equals(b_pred.index) or texts.isna().any():
        raise UserError("--pair: the two configurations were tested on different texts")
    diff = per_text(a_rows, reader)[0] - per_text(b_rows, reader)[0]
    labels = [c[len("pred."):] for c in a_pred.columns if c.startswith("pred.")]
    pred_cols, true_cols = [f"pred.{x}" for x in labels], [f"true.{x}" for x in labels]
    differs = (a_pred[pred_cols].to_numpy() != b_pred[pred_cols].to_numpy()).any(axis=1)
    masks = {"all": np.ones(len(texts), bool),
             **content_slices(texts.tolist(), [t.split() for t in texts])}
    lines = [f"Why: where A and B disagree (label sets of their lowest-seed runs, {a_run['rev'][:7]} "
             f"and {b_run['rev'][:7]}; Jaccard differences averaged over all their runs). "
             f"They predict different label sets for {int(differs.sum())} of {len(texts)} test texts.",
             "", "| slice | texts | disagree | Jaccard A - B |", "|---|---:|---:|---:|"]
    slice_rows = [{"slice": name, "texts": int(mask.sum()), "disagree": int((differs & mask).sum()),
                   "diff": round(float(diff[mask].mean()), 4)} for name, mask in masks.items() if mask.any()]
    lines += [f"| {r['slice']} | {r['texts']} | {r['disagree']} | {r['diff']:+.4f} |" for r in slice_rows]
    lines += ["", "| label | A right, B wrong | B right, A wrong |", "|---|---:|---:|"]
    truth = a_pred[true_cols].to_numpy()
    a_ok = a_pred[pred_cols].to_numpy() == truth
    b_ok = b_pred[pred_cols].to_numpy() == truth
    for j, label in enumerate(labels):
        lines.append(f"| {label} | {int((a_ok[:, j] & ~b_ok[:, j]).sum())} | "
                     f"{int((b_ok[:, j] & ~a_ok[:, j]).sum())} |")
    lines += ["", "Examples (the largest differences per slice; slices: "
              + "; ".join(f"{k}: {v}" for k, v in CONTENT_SLICES.items()) + "):"]
    for name, mask in masks.items():
        picked = diff[mask & differs].abs().sort_values(ascending=False, kind="stable").index[:examples]
        for text_id in picked:
            lines.append(f"- [{name}] {texts[text_id]!r}: true {label_set(a_pred.loc[text_id], labels, 'true')}; "
                         f"A {label_set(a_pred.loc[text_id], labels, 'pred')}; "
                         f"B {label_set(b_pred.loc[text_id], labels, 'pred')}")
    return "\n".join(lines), slice_rows


def config_label(row, extra):
    """A configuration's name in charts: its axes, then the params that differ between rows."""
    return " / ".join(str(row[k]) for k in AXES) + "".join(
        f" / {k}={row['params'].get(k, '')}" for k in extra)


def interval_rows(table):
    """Per configuration: its label, mean and 95% interval of each shown metric over seeds (no
    interval for one seed), for the charts."""
    extra, rows = differing(table), []
    for _, group in table.groupby("config", sort=False):
        for metric in SHOWN:
            if metric in group:
                mean, half = interval(group[metric])
                half = 0.0 if np.isnan(half) else half
                rows.append({"label": config_label(group.iloc[0], extra), "model": group.iloc[0]["model"],
                             "metric": metric, "seeds": len(group), "mean": round(mean, 4),
                             "low": round(mean - half, 4), "high": round(mean + half, 4)})
    return rows


def probe_rows(records, table):
    """Mean flip rate per (CNN configuration, perturbation) over the runs' metrics/probes.json."""
    extra, cnn, rates = differing(table), table[table["model"] == "cnn"], {}
    for r in records:
        perturbations = (r["metrics"].get(PROBES) or {}).get("perturbations") or {}
        match = cnn[cnn["config"] == json.dumps(configuration(r["params"], "cnn"), sort_keys=True)]
        if perturbations and not match.empty:
            label = config_label(match.iloc[0], extra)
            for name, result in perturbations.items():
                rates.setdefault((label, name), []).append(result["flip_rate"])
    return [{"label": label, "perturbation": name, "flip_rate": round(float(np.mean(v)), 4)}
            for (label, name), v in rates.items()]


def write_reports(out, board, pair_text, interval_data, probe_data, slice_data=None, pair=None):
    """OUT.md (tables, SVG charts beside it) and OUT.html (the same, charts interactive, offline)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    specs = [(metric, charts.intervals([r for r in interval_data if r["metric"] == metric], metric))
             for metric in SHOWN if any(r["metric"] == metric for r in interval_data)]
    if probe_data:
        specs.append(("probe flip rates", charts.flip_rates(probe_data)))
    if slice_data:
        specs.append(("why: the pair per slice", charts.slice_deltas(slice_data, *pair)))
    images = []
    for i, (heading, spec) in enumerate(specs):
        path = out.with_name(f"{out.name}_chart{i + 1}.svg")
        path.write_text(charts.svg(spec))
        images.append(f"![{heading}]({path.name})")
    text = board.to_markdown(index=False) + (f"\n\n{pair_text}" if pair_text else "")
    out.with_suffix(".md").write_text(text + "\n\n" + "\n\n".join(images) + "\n")
    body = board.to_html(index=False, border=0) + (f"<pre>{html.escape(pair_text)}</pre>" if pair_text else "")
    out.with_suffix(".html").write_text(charts.page("Leaderboard", body, specs))


def dvc_exp_show(all_commits):
    cmd = ["dvc", "exp", "show", "--json"] + (["--all-commits"] if all_commits else [])
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode:
        raise UserError(f"{' '.join(cmd)} failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


@stage_main
def main(argv=None, prog=None):
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
    exp_json = (json.loads(args.from_json.read_text()) if args.from_json
                else dvc_exp_show(args.all_commits))
    records, skipped = consistent(experiments(exp_json))
    for r, stale in skipped:
        print(f"skipped {r['rev'][:7]} ({r['name'] or 'commit'}): its metrics were made with other "
              f"values of {', '.join(stale)} than its params.yaml says; `dvc repro` and commit",
              file=sys.stderr)
    table = runs(records)
    if table.empty:
        raise UserError("no experiments with metrics found; run `dvc exp run` first")
    across = [ensemble_across(table, spec) for spec in args.ensemble]
    board = leaderboard(table, {} if args.no_ensembles else ensembles(table), across)
    pair, slice_data = "", None
    if args.pair:
        why_text, slice_data = why(table, *args.pair)
        pair = describe(paired(table, *args.pair)) + "\n\n" + why_text
    print(board.to_markdown(index=False) + (f"\n\n{pair}" if pair else ""))
    if args.out:
        write_reports(args.out, board, pair, interval_rows(table), probe_rows(records, table),
                      slice_data, args.pair)


if __name__ == "__main__":
    sys.exit(main())
