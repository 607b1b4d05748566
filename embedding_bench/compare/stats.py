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


def paired_bootstrap(a: "np.typing.ArrayLike", b: "np.typing.ArrayLike", n_boot: int = 10_000,
                     seed: int = 0) -> dict[str, float]:
    """Mean of a - b over texts, its 95% bootstrap interval and two-sided p-value."""
    d = np.asarray(a, float) - np.asarray(b, float)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(1)
    p = 2 * min((means <= 0).mean(), (means >= 0).mean())
    low, high = np.percentile(means, [2.5, 97.5])
    return {"diff": float(d.mean()), "low": float(low), "high": float(high), "p": min(float(p), 1.0)}


def welch(a: "np.typing.ArrayLike", b: "np.typing.ArrayLike") -> float | None:
    """Welch's t-test p-value over two sets of per-seed scores; None where a side's scores are all
    equal (SciPy warns of catastrophic cancellation there and gives a p of no meaning)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(set(a)) == 1 or len(set(b)) == 1:
        return None
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)
