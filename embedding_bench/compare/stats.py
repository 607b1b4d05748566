"""Statistics of the comparison: the Student-t interval of a mean over seeds, and a paired
bootstrap over the texts two configurations share."""

import numpy as np
from scipy import stats


def interval(values: "np.typing.ArrayLike", confidence: float = 0.95) -> tuple[float, float]:
    """(mean, half-width of the Student-t interval); half-width is nan for a single value."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float(values.mean()), float("nan")
    sem = values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean()), float(stats.t.ppf((1 + confidence) / 2, len(values) - 1) * sem)


def resampling_p(replicates: np.ndarray, estimate: float) -> float:
    """Two-sided p of a resampling distribution: (1 + replicates on the far side of 0) / (B + 1),
    doubled and capped at 1; never 0, since B replicates cannot show a chance below 1 / (B + 1)."""
    far = (replicates <= 0).sum() if estimate > 0 else (replicates >= 0).sum() if estimate < 0 else len(replicates)
    return min(1.0, 2 * (1 + int(far)) / (len(replicates) + 1))


def paired_bootstrap(a: "np.typing.ArrayLike", b: "np.typing.ArrayLike", n_boot: int = 10_000,
                     seed: int = 0) -> dict[str, float]:
    """Mean of a - b over texts, its 95% bootstrap interval and two-sided p-value."""
    d = np.asarray(a, float) - np.asarray(b, float)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"diff": float(d.mean()), "low": float(low), "high": float(high),
            "p": resampling_p(means, float(d.mean()))}


def welch(a: "np.typing.ArrayLike", b: "np.typing.ArrayLike") -> float | None:
    """Welch's t-test p-value over two sets of per-seed scores; None where a side's scores are all
    equal (SciPy warns of catastrophic cancellation there and gives a p of no meaning)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(set(a)) == 1 or len(set(b)) == 1:
        return None
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


# ---------------------------------------------------------------------------------------------
# One verdict over seeds and texts. Two configurations are compared on the same test texts, each
# over its own seeds: the difference D of their mean scores varies with the seeds drawn (training
# randomness) and with the texts drawn (the test set is a sample). Its variance is estimated from
# both levels of the runs x texts scores of each side, as in a two-way random-effects model
# (Bouthillier et al. 2021, "Accounting for variance in machine learning benchmarks", for why
# both matter): the spread of each side's per-run means (seeds), plus the spread over texts of the
# paired, seed-averaged per-text difference, less the part of it the per-run spread already
# counts. The verdict is Welch-Satterthwaite's t on that variance: with three seeds a side, the
# seed level has two degrees of freedom, and a normal reference would call noise significant.
# F1 metrics are not means over texts; they enter through their linearisation (each text's
# influence on the run's F1), whose mean over texts is the run's F1.

def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """F1 from counts; 0 where there is no true and no predicted positive (scikit-learn's
    zero_division=0)."""
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros(np.shape(denominator)), where=denominator > 0)


def _f1_influence(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """Per-text pseudo-values of F1 = 2TP / (2TP + FP + FN), whose totals are over the texts'
    counts (texts x ...): F1 plus n times its first-order change from each text's counts."""
    n = len(tp)
    TP, FP, FN = tp.sum(0), fp.sum(0), fn.sum(0)
    den = 2 * TP + FP + FN
    safe = np.where(den > 0, den, 1)
    d_tp, d_other = np.where(den > 0, 2 * (FP + FN) / safe**2, 0), np.where(den > 0, -2 * TP / safe**2, 0)
    return _f1(TP, FP, FN) + d_tp * (n * tp - TP) + d_other * (n * (fp + fn) - (FP + FN))


def pseudo_values(metric: str, run: dict) -> np.ndarray:
    """A run's per-text pseudo-values of `metric`, whose mean is the run's score on all texts:
    per-text Jaccard; for f1_micro and f1_macro their linearisation. run: "truth", "pred" (texts
    x labels, 0/1) and "jaccard" (per text)."""
    if metric == "jaccard":
        return np.asarray(run["jaccard"], float)
    truth, pred = np.asarray(run["truth"], bool), np.asarray(run["pred"], bool)
    tp, fp, fn = (m.astype(float) for m in (truth & pred, ~truth & pred, truth & ~pred))
    if metric == "f1_micro":
        return _f1_influence(tp.sum(1), fp.sum(1), fn.sum(1))
    if metric == "f1_macro":
        return _f1_influence(tp, fp, fn).mean(axis=1)
    raise ValueError(f"no verdict for metric {metric!r}; use jaccard, f1_micro or f1_macro")


def _levels(x: np.ndarray) -> tuple[float, float]:
    """(variance of the per-run means over runs, residual variance of the runs x texts scores
    once run and text means are taken out); both 0 for a single run."""
    runs, n = x.shape
    if runs < 2:
        return 0.0, 0.0
    residual = x - x.mean(1, keepdims=True) - x.mean(0, keepdims=True) + x.mean()
    return float(x.mean(1).var(ddof=1)), float((residual ** 2).sum() / ((runs - 1) * (n - 1)))


def verdict(a: list[dict], b: list[dict], metric: str, confidence: float = 0.95) -> dict:
    """Configuration A against B on `metric`, each a list of runs (its seeds) with test
    predictions on the same texts in the same order: the difference of their mean scores, its
    interval, P(A > B) (the share of D's estimated distribution above 0) and the two-sided p."""
    xa, xb = (np.stack([pseudo_values(metric, run) for run in side]) for side in (a, b))
    n = xa.shape[1]
    diff = float(xa.mean() - xb.mean())
    (va, ea), (vb, eb) = _levels(xa), _levels(xb)
    per_text = xa.mean(0) - xb.mean(0)
    text_part = max(0.0, per_text.var(ddof=1) - ea / len(xa) - eb / len(xb)) / n
    parts = [(va / len(xa), len(xa) - 1), (vb / len(xb), len(xb) - 1), (text_part, n - 1)]
    if len(xa) < 2 and len(xb) < 2:  # one run a side: the seeds' share cannot be measured
        parts = [(per_text.var(ddof=1) / n, n - 1)]
    variance = sum(v for v, _ in parts)
    df = variance ** 2 / sum(v ** 2 / d for v, d in parts if d > 0 and v > 0) if variance > 0 else float(n - 1)
    se = float(np.sqrt(variance))
    if se == 0:
        p, above = (1.0, 0.5) if diff == 0 else (0.0, float(diff > 0))
    else:
        p, above = float(2 * stats.t.sf(abs(diff) / se, df)), float(stats.t.cdf(diff / se, df))
    half = float(stats.t.ppf((1 + confidence) / 2, df) * se) if se > 0 else 0.0
    return {"metric": metric, "mean_a": float(xa.mean()), "mean_b": float(xb.mean()), "diff": diff,
            "low": diff - half, "high": diff + half, "se": se, "df": float(df), "p": p,
            "p_a_better": above, "runs": {"a": len(xa), "b": len(xb)}, "texts": n,
            "seeds_measured": len(xa) > 1 or len(xb) > 1}


def estimate(runs: list[dict], metric: str, confidence: float = 0.95) -> dict:
    """One configuration's mean score over its runs and the interval of that mean over new seeds
    and new texts (the same two levels as verdict())."""
    x = np.stack([pseudo_values(metric, run) for run in runs])
    n = x.shape[1]
    v, e = _levels(x)
    parts = [(v / len(x), len(x) - 1), (max(0.0, x.mean(0).var(ddof=1) - e / len(x)) / n, n - 1)]
    if len(x) < 2:
        parts = [(x[0].var(ddof=1) / n, n - 1)]
    variance = sum(part for part, _ in parts)
    df = variance ** 2 / sum(part ** 2 / d for part, d in parts if part > 0) if variance > 0 else float(n - 1)
    half = float(stats.t.ppf((1 + confidence) / 2, df) * np.sqrt(variance))
    mean = float(x.mean())
    return {"metric": metric, "mean": mean, "low": mean - half, "high": mean + half, "runs": len(x),
            "texts": n}


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment: each p multiplied by the number of hypotheses not yet
    rejected at its rank, made monotone, capped at 1."""
    order = np.argsort(p_values, kind="stable")
    adjusted, running = np.empty(len(p_values)), 0.0
    for rank, i in enumerate(order):
        running = max(running, (len(p_values) - rank) * p_values[i])
        adjusted[i] = min(1.0, running)
    return adjusted.tolist()
