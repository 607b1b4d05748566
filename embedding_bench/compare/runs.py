"""Runs: every experiment (or commit) with results that `dvc exp show --json` lists, as one tidy
table with a row per (model, configuration, seed): the axes, the decision rule, the test metrics
as numbers, and the configuration's identity.

A configuration is every param but `seed` (of the preprocessing variants, only the one used; for
the baseline, none of the CNN's params): runs equal in all of them are repetitions of one
configuration, whatever differs makes another one. Params are read as the runs recorded them
(plain values of any version of params.yaml), not through today's schema.
"""

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pandas as pd
from ruamel.yaml import YAML

from embedding_bench.errors import UserError, warn
from embedding_bench.rules import DecisionRule
from embedding_bench.schema import mode_of

AXES = ("model", "embedding", "preprocessing", "mode", "rule")
# Params that only the CNN reads: a baseline row's configuration leaves them out.
CNN_ONLY = ("embedding", "device", "vocab", "random", "word2vec", "fasttext", "glove", "bert", "cnn",
            "train")
# Sections that one embedding alone reads: left out of the others' configurations, so a run made
# before the section existed is the same configuration as one made after
EMBEDDING_ONLY = {"fasttext": "fasttext"}
# Params fine-tuning alone reads: left out of every other run's configuration. A fine-tuning run
# made before they existed gets `unrecorded`: it is not any configuration made since (its random
# batches went with sdpa attention, AdamW's loop over parameters and a CNN reading padding's states;
# one made before bert.finetune_dropout, torch's dropout masks)
FINETUNE_ONLY = ("bert.finetune_batching", "bert.finetune_batch_tokens", "bert.finetune_attention",
                 "bert.finetune_dropout")
UNRECORDED = "unrecorded"
# Params the axis columns already show (never repeated as columns). Not evaluate.at_least_one:
# the rule shows it as resolved ("+top1" or not), and `auto` resolves like true or false, so runs
# with auto and false could show as two rows told apart by nothing
IN_AXES = ("dataset", "embedding", "preprocessing", "cnn.mode", "bert.finetune", "evaluate.threshold")
# Each model's metrics and decision rule, as dvc.yaml's evaluate and baseline stages write them
FILES = {"cnn": ("metrics/metrics.json", "metrics/thresholds.json"),
         "baseline": ("metrics/baseline/metrics.json", "metrics/baseline/thresholds.json")}
PROBES = "metrics/probes.json"
FAILED_SAID: set = set()  # the failed experiments this process has warned of


def as_text(value: Any) -> str:
    """A param value as `dvc exp run -S` writes it."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = as_text(value)
    return flat


def configuration(params: dict, model: str) -> dict[str, str]:
    """Everything that can change a model's result: every param but `seed`, dotted, as text; of
    the preprocessing variants only the one used; of the sections one embedding alone reads, only
    that embedding's; for the baseline, none of the CNN's params."""
    unread = {section for section, embedding in EMBEDDING_ONLY.items() if params.get("embedding") != embedding}
    p = {k: v for k, v in params.items() if k not in ("seed", "preprocess", *unread)}
    variants = (params.get("preprocess") or {}).get("variants") or {}
    p["preprocess"] = {"variant": variants.get(params.get("preprocessing")) or {}}
    if model == "baseline":
        p = {k: v for k, v in p.items() if k not in CNN_ONLY}
    flat = flatten(p)
    finetuned = model != "baseline" and params.get("embedding") == "bert" and mode(params) == "finetune"
    for key in FINETUNE_ONLY:
        if finetuned:
            flat.setdefault(key, UNRECORDED)
        else:
            flat.pop(key, None)
    if flat.get("bert.finetune_batching") == "random":  # takes no budget: auto and 0 train alike
        flat["bert.finetune_batch_tokens"] = "0"
    return flat


def config_id(params: dict, model: str) -> str:
    """A configuration's identity: its params as canonical JSON text."""
    return json.dumps(configuration(params, model), sort_keys=True)


def rule(params: dict, thresholds: Optional[dict]) -> str:
    """The decision rule as text: threshold, and `+top1` where at_least_one was in force (as
    evaluate resolved it, recorded in thresholds.json; the param where an older run lacks that)."""
    forced = (thresholds or {}).get("at_least_one")
    if forced is None:
        forced = (params.get("evaluate") or {}).get("at_least_one") is True
    threshold = params["evaluate"]["threshold"]
    try:
        return str(DecisionRule(threshold, bool(forced)))
    except ValueError:  # a run of a version that took other thresholds: shown as it was written
        return f"{threshold}" + ("+top1" if forced else "")


def mode(params: dict) -> str:
    """The CNN's mode as schema.mode_of names it (a run of a BERT-family model records no
    meaningful cnn.mode; one of word vectors no meaningful bert.finetune)."""
    if params["embedding"] == "bert":
        return mode_of("bert", "auto", params["bert"]["finetune"], params["bert"].get("head", "cnn"))
    return mode_of(params["embedding"], params["cnn"]["mode"], False)


def experiments(exp_json: list) -> list[dict]:
    """One record per experiment (or commit) with results: params and metrics, from the
    structure `dvc exp show --json` prints."""
    found = []

    def visit(node: dict) -> None:
        data = node.get("data") or {}
        metrics, params = data.get("metrics") or {}, data.get("params") or {}
        result = (metrics.get("metrics/metrics.json") or {}).get("data") or {}
        if "test" in result and "params.yaml" in params:  # not a failed or unfinished run
            found.append({"rev": data.get("rev") or node.get("rev"), "name": node.get("name"),
                          "timestamp": data.get("timestamp") or "",
                          "params": params["params.yaml"]["data"],
                          "metrics": {k: v.get("data", {}) for k, v in metrics.items()}})
        for exp in node.get("experiments") or []:
            state = (exp.get("executor") or {}).get("state")
            if state == "failed" and exp.get("name") not in FAILED_SAID:  # said, not silently left
                FAILED_SAID.add(exp.get("name"))  # out; once (the answer re-reads while it waits)
                warn(f"experiment {exp.get('name') or '(unnamed)'} failed and is left out; "
                     f"`dvc queue logs {exp.get('name') or 'NAME'}` says why")
            if state in {"running", "queued", "failed"}:
                continue  # a running experiment shows the workspace's metrics, not its own
            for rev in exp.get("revs") or []:
                visit(rev)

    for node in exp_json:
        if node.get("rev") != "workspace":
            visit(node)
    return found


def read_lock(rev: str) -> Optional[dict]:
    """dvc.lock at a revision, or None where git has none (e.g. revisions of a saved JSON)."""
    result = subprocess.run(["git", "show", f"{rev}:dvc.lock"], capture_output=True, text=True)
    return YAML(typ="safe").load(result.stdout) if result.returncode == 0 else None


def stale_params(params: dict, lock: Optional[dict]) -> list[str]:
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


def consistent(records: list[dict], lock_reader: Callable[[str], Optional[dict]] = read_lock
               ) -> tuple[list[dict], list[tuple[dict, list[str]]]]:
    """(records whose metrics were made with their params, [(record, stale keys)] of the rest)."""
    kept, skipped = [], []
    for r in records:
        stale = stale_params(r["params"], lock_reader(r["rev"]))
        (skipped.append((r, stale)) if stale else kept.append(r))
    return kept, skipped


def runs(records: list[dict]) -> pd.DataFrame:
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
                   "mode": mode(p) if model == "cnn" else "logreg",
                   "rule": rule(p, r["metrics"].get(rule_file)), "seed": p["seed"], "rev": r["rev"],
                   "config": json.dumps(config, sort_keys=True), "params": config, **test}
            rows[(model, row["config"], row["seed"])] = row
    return pd.DataFrame(list(rows.values()))


def differing(table: pd.DataFrame) -> list[str]:
    """Params, beyond those the axis columns show, whose value differs between configurations of
    one model (a baseline has no CNN params; a param one run has and another lacks differs). A
    variant's step options count only where one variant name came with different options."""
    def varies(key: str) -> bool:
        by = ["model", "preprocessing"] if key.startswith("preprocess.variant.") else ["model"]
        return any(len({p.get(key) for p in group}) > 1 for _, group in table.groupby(by)["params"])

    return [k for k in sorted(set().union(*table["params"]) - set(IN_AXES)) if varies(k)]


def read_exp_json(path: Path) -> list:
    """A saved `dvc exp show --json` (--from-json): a missing file, invalid JSON or another
    structure is one message."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: not found (--from-json); save it with `dvc exp show --json > {path}`") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not valid JSON ({e}); --from-json reads what `dvc exp show --json` prints") from None
    if not isinstance(found, list):
        raise UserError(f"{path}: a JSON {type(found).__name__}, not the list `dvc exp show --json` prints")
    return found


# `dvc exp show` reads every queued experiment's temporary workspace (.dvc/tmp/exps/tmp...), and
# fails when it meets one that a queue worker is creating or removing at that moment ("directory
# '.../.dvc/tmp/exps/tmpXXXX/.dvc' does not exist"): a passing state, so it is asked again.
EXP_SHOW_TRIES, EXP_SHOW_WAIT_S = 5, 2.0


def dvc_exp_show(all_commits: bool) -> list:
    cmd = ["dvc", "exp", "show", "--json"] + (["--all-commits"] if all_commits else [])
    for attempt in range(EXP_SHOW_TRIES):
        result = subprocess.run(cmd, capture_output=True, text=True)
        if not result.returncode:
            return json.loads(result.stdout)
        if f"tmp{os.sep}exps{os.sep}" not in result.stderr or attempt == EXP_SHOW_TRIES - 1:
            raise UserError(f"{' '.join(cmd)} failed: {result.stderr.strip()}")
        time.sleep(EXP_SHOW_WAIT_S)
