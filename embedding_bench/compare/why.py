"""The "why" of a pair: where two configurations disagree on the test texts, per content slice
(negation, emoji, hashtag, long/short), per label (which side is right where they differ), and
the texts with the largest differences."""

from typing import Callable

import numpy as np
import pandas as pd

from embedding_bench.compare.artifacts import read_per_text, read_test_texts
from embedding_bench.compare.pairs import per_text
from embedding_bench.compare.selectors import select
from embedding_bench.errors import UserError
from embedding_bench.text import CONTENT_SLICES, MIN_SLICE_TEXTS, content_slices


def label_set(row: pd.Series, labels: list[str], prefix: str) -> str:
    return ", ".join(label for label in labels if row[f"{prefix}.{label}"]) or "(none)"


def why(table: pd.DataFrame, spec_a: str, spec_b: str, reader: Callable = read_per_text,
        texts_reader: Callable = read_test_texts, examples: int = 3) -> tuple[str, list[dict]]:
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
    lines += [f"| {r['slice']} | {r['texts']} | {r['disagree']} | "
              + (f"{r['diff']:+.4f} |" if r["texts"] >= MIN_SLICE_TEXTS else f"({r['diff']:+.4f}: too few texts) |")
              for r in slice_rows]
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
