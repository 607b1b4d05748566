"""The paired test between two configurations on the same test texts: their per-text Jaccard
(averaged over each side's seeds) by a paired bootstrap over texts, and their per-seed scores by
Welch's t-test, so that a "slightly better" result can be called significant or not."""

from typing import Callable

import pandas as pd

from embedding_bench.compare.artifacts import read_per_text
from embedding_bench.compare.selectors import select
from embedding_bench.compare.stats import paired_bootstrap, welch
from embedding_bench.errors import UserError

Reader = Callable[..., pd.DataFrame]


def per_text(rows: pd.DataFrame, reader: Reader = read_per_text) -> tuple[pd.Series, list[str]]:
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


def paired(table: pd.DataFrame, spec_a: str, spec_b: str, reader: Reader = read_per_text) -> dict:
    a_rows, b_rows = select(table, spec_a), select(table, spec_b)
    (a, a_unread), (b, b_unread) = per_text(a_rows, reader), per_text(b_rows, reader)
    if not a.index.equals(b.index):
        raise UserError("--pair: the two configurations were tested on different texts")
    result = {"a": spec_a, "b": spec_b, "texts": len(a), "bootstrap": paired_bootstrap(a, b),
              "runs": {"a": len(a_rows) - len(a_unread), "b": len(b_rows) - len(b_unread)},
              "unread": a_unread + b_unread}
    if len(a_rows) > 1 and len(b_rows) > 1:
        flat = [side for side, rows in (("A", a_rows), ("B", b_rows)) if rows["jaccard"].nunique() == 1]
        result["seeds"] = {"a": len(a_rows), "b": len(b_rows), "p": welch(a_rows["jaccard"], b_rows["jaccard"]),
                           "flat": flat, "diff": float(a_rows["jaccard"].mean() - b_rows["jaccard"].mean())}
    return result


def describe(result: dict) -> str:
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
