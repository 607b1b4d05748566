"""Ensembles: per text, the mean of several runs' probabilities on validation and test, then one
decision rule (thresholds tuned on the mean validation probabilities where the rule is tuned).
A configuration with two or more seeds gets the row of its seeds' ensemble; `--ensemble SPEC`
joins every CNN run SPEC selects, across configurations."""

import json
from typing import Callable, Optional

import numpy as np
import pandas as pd

from embedding_bench.compare.artifacts import read_probabilities
from embedding_bench.compare.selectors import matching, parse_spec
from embedding_bench.errors import UserError, warn
from embedding_bench.reports import score
from embedding_bench.rules import DecisionRule

Reader = Callable[[str, str], dict[str, pd.DataFrame]]
RULE_KEYS = ("rule", "evaluate.threshold", "evaluate.at_least_one")


def ensemble(group: pd.DataFrame, reader: Reader = read_probabilities,
             decision: Optional[DecisionRule] = None) -> tuple[Optional[dict], list[str]]:
    """The ensemble of `group`'s runs under the configuration's own decision rule (or
    `decision`). ({"runs", "test": metrics} or None where fewer than two runs could be read,
    the reasons)."""
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
    results = score(labels, y, probs, decision or DecisionRule.parse(group.iloc[0]["rule"]))[0]
    return {"runs": len(read), "test": results["test"]}, unread


def ensembles(table: pd.DataFrame, reader: Reader = read_probabilities,
              warn: Callable[[str], None] = warn) -> dict[str, dict]:
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


def ensemble_rule(rows: pd.DataFrame, given: dict[str, str], spec: str) -> DecisionRule:
    """The decision rule of an --ensemble: what its selector says (rule=, threshold=,
    at_least_one=), else the one its runs share; runs with different rules and no rule given
    are ambiguous."""
    threshold, top1 = None, None
    if "rule" in given:
        text = given["rule"]
        threshold, top1 = text.removesuffix("+top1"), text.endswith("+top1")
    threshold = given.get("evaluate.threshold", threshold)
    if "evaluate.at_least_one" in given:
        if given["evaluate.at_least_one"] not in ("true", "false"):
            raise UserError(f"--ensemble {spec!r}: at_least_one is true or false")
        top1 = given["evaluate.at_least_one"] == "true"
    shared = [DecisionRule.parse(r) for r in rows["rule"]]
    for name, value in (("threshold", threshold), ("at_least_one", top1)):
        if value is None and len({getattr(r, name) for r in shared}) > 1:
            raise UserError(f"--ensemble {spec!r}: its runs have the rules {', '.join(sorted(set(rows['rule'])))}; "
                            f"add rule=... (e.g. rule=0.5 or rule=0.5+top1) to say which rule the "
                            f"ensemble's probabilities get")
    threshold = str(shared[0].threshold) if threshold is None else threshold
    top1 = shared[0].at_least_one if top1 is None else top1
    try:
        return DecisionRule.parse(f"{threshold}{'+top1' if top1 else ''}")
    except ValueError as e:
        raise UserError(f"--ensemble {spec!r}: threshold {threshold!r}: {e}") from None


def ensemble_across(table: pd.DataFrame, spec: str, reader: Reader = read_probabilities) -> dict:
    """`--ensemble SPEC`: the row of the ensemble of every CNN run that SPEC selects, across
    configurations (e.g. the seeds of two heads). The rule keys of SPEC choose the rule rather
    than runs: a run's probabilities do not depend on its rule, so runs that differ only in it
    are one model, read once. Every selected model must be read (none is left out silently)."""
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
    joined = {k: "+".join(dict.fromkeys(models[k].astype(str))) for k in ("embedding", "preprocessing", "mode")}
    return {"dataset": models.iloc[0]["dataset"], "model": "cnn", **joined, "rule": str(decision),
            "runs": len(models), "configurations": models["_model"].nunique(), "test": result["test"]}
