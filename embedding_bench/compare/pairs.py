"""The paired test between two configurations on the same test texts. The verdict is the one
that accounts for both seeds and texts (stats.verdict); as detail, the per-text Jaccard averaged
over each side's seeds by a paired bootstrap over texts (which treats each side's seed average as
fixed), and the per-seed scores by Welch's t-test (which ignores that the texts are a sample)."""

from typing import Callable

import pandas as pd

from embedding_bench.compare.artifacts import read_per_text
from embedding_bench.compare.selectors import select
from embedding_bench.compare.stats import paired_bootstrap, verdict, welch
from embedding_bench.errors import UserError

Reader = Callable[..., pd.DataFrame]


def per_run(rows: pd.DataFrame, reader: Reader = read_per_text) -> tuple[list[pd.Series], list[str]]:
    """(per-text Jaccard of each run of `rows` whose predictions can be read, indexed by text id;
    the reasons the other runs could not be read)."""
    scores, unread = [], []
    for r in rows.itertuples():
        try:
            scores.append(reader(r.rev, r.model).set_index("id")["jaccard"].sort_index())
        except UserError as e:
            unread.append(str(e))
    if not scores:
        raise UserError("--pair: no per-text scores for a side: " + "; ".join(unread))
    return scores, unread


def per_text(rows: pd.DataFrame, reader: Reader = read_per_text) -> tuple[pd.Series, list[str]]:
    """(per-text Jaccard averaged over the runs of `rows` that can be read; what could not be)."""
    scores, unread = per_run(rows, reader)
    return pd.concat(scores, axis=1).mean(axis=1), unread


def paired(table: pd.DataFrame, spec_a: str, spec_b: str, reader: Reader = read_per_text) -> dict:
    a_rows, b_rows = select(table, spec_a), select(table, spec_b)
    if a_rows["config"].iloc[0] == b_rows["config"].iloc[0]:
        raise UserError(f"--pair: {spec_a!r} and {spec_b!r} select the same configuration; add keys "
                        f"that tell the two sides apart")
    (a_runs, a_unread), (b_runs, b_unread) = per_run(a_rows, reader), per_run(b_rows, reader)
    a, b = pd.concat(a_runs, axis=1).mean(axis=1), pd.concat(b_runs, axis=1).mean(axis=1)
    if not all(run.index.equals(a.index) for run in a_runs + b_runs):
        raise UserError("--pair: the two configurations were tested on different texts")
    one = verdict([{"jaccard": run.to_numpy()} for run in a_runs], [{"jaccard": run.to_numpy()} for run in b_runs],
                  "jaccard")
    result = {"a": spec_a, "b": spec_b, "texts": len(a), "verdict": one, "bootstrap": paired_bootstrap(a, b),
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
    v = result["verdict"]
    sure = "significant" if v["p"] < 0.05 else "not significant"
    lines = [f"A = {result['a']}  vs  B = {result['b']} on {result['texts']} test texts",
             f"- verdict over seeds and texts ({v['runs']['a']} vs {v['runs']['b']} runs): Jaccard A - B = "
             f"{v['diff']:+.4f} (95% interval {v['low']:+.4f} to {v['high']:+.4f}), P(A > B) = "
             f"{v['p_a_better']:.2f}, p = {max(v['p'], 1e-4):.4f}{'' if v['p'] >= 1e-4 else ' or less'}: "
             f"{sure} at 5%" + ("" if v["seeds_measured"] else " (one run a side: texts only)"),
             "- detail: the two tests it replaces, each blind to one source of variance:",
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
