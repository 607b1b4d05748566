"""The selector language of `--pair` and `--ensemble`: `key=value,...`, where a key is an axis
column (model, embedding, preprocessing, mode, rule, dataset), `seed`, `threshold`,
`at_least_one`, or any dotted param (`bert.model=...`)."""

import pandas as pd

from embedding_bench.compare.runs import AXES, differing
from embedding_bench.errors import UserError

ALIASES = {"threshold": "evaluate.threshold", "at_least_one": "evaluate.at_least_one"}


def parse_spec(spec: str, option: str) -> list[tuple[str, str]]:
    """[(key, value)] of a selector 'key=value,...', the short names resolved."""
    items = []
    for item in spec.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"{option}: {item!r} in {spec!r} is not key=value")
        items.append((ALIASES.get(key, key), value))
    return items


def matching(table: pd.DataFrame, items: list[tuple[str, str]], spec: str, option: str) -> pd.DataFrame:
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


def select(table: pd.DataFrame, spec: str) -> pd.DataFrame:
    """The runs of the one configuration matching 'key=value,...'. No match, or more than one
    configuration, is an error that lists the candidates."""
    rows = matching(table, parse_spec(spec, "--pair"), spec, "--pair")
    if rows["config"].nunique() > 1:
        extra = differing(table)
        candidates = [", ".join(f"{k}={r[k]}" for k in AXES) +
                      "".join(f", {k}={r['params'][k]}" for k in extra if k in r["params"])
                      for r in rows.drop_duplicates("config").to_dict("records")]
        raise UserError(f"--pair: {spec!r} matches {len(candidates)} configurations; add keys to "
                        f"pick one of:\n  " + "\n  ".join(candidates))
    return rows
