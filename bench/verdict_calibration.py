"""How often a test calls two equal configurations different, side by side on the same simulated
runs: the verdict of `embedding-bench answer` and `compare --pair` (compare/stats.py: variance
from seeds and texts, Welch-Satterthwaite t) against a two-level bootstrap (each side's seeds and
the shared texts resampled, Bouthillier et al. 2021), under equal distributions (the share
rejected at 5% should be 5%) and with a real difference (power).

    .venv/bin/python bench/verdict_calibration.py [--sims 1000] [--seeds 3] [--texts 300]

Each simulated configuration: label decisions right with a probability set by its skill, its
seed's luck (seed_sd) and a per-text difficulty of its own beside a shared one; the regimes go
from texts dominating the noise to seeds dominating it.
"""

import argparse

import numpy as np

from embedding_bench.compare.stats import pseudo_values, resampling_p, verdict
from embedding_bench.metrics import sample_jaccard


def runs_of(rng, truth, skill, seed_sd, text_effect, seeds):
    out = []
    for _ in range(seeds):
        logit = skill + rng.normal(0, seed_sd) + text_effect
        pred = np.where(rng.random(truth.shape) < 1 / (1 + np.exp(-logit)), truth, 1 - truth)
        out.append({"truth": truth, "pred": pred, "jaccard": sample_jaccard(truth, pred)})
    return out


def two_level_bootstrap_p(a, b, metric, rng, n_boot=1000):
    """p of the two-level bootstrap: per replicate the texts drawn once for both sides, each
    side's runs drawn among its own, the side's score the mean of its drawn runs."""
    xa, xb = (np.stack([pseudo_values(metric, run) for run in side]) for side in (a, b))
    n = xa.shape[1]
    weights = rng.multinomial(n, np.full(n, 1 / n), size=n_boot) / n
    side = []
    for x in (xa, xb):
        per_run = x @ weights.T  # runs x replicates
        drawn = rng.integers(0, len(x), size=(n_boot, len(x)))
        side.append(per_run[drawn, np.arange(n_boot)[:, None]].mean(axis=1))
    return resampling_p(side[0] - side[1], float(xa.mean() - xb.mean()))


def simulate(args, effect, seed_sd, text_sd):
    rejected = {"verdict": 0, "two-level bootstrap": 0}
    for i in range(args.sims):
        rng = np.random.default_rng(i)
        truth = (rng.random((args.texts, 6)) < 0.3).astype(np.int8)
        shared = rng.normal(0, 1, (args.texts, 1))
        a = runs_of(rng, truth, 1.5 + effect, seed_sd, shared + rng.normal(0, text_sd, (args.texts, 1)), args.seeds)
        b = runs_of(rng, truth, 1.5, seed_sd, shared + rng.normal(0, text_sd, (args.texts, 1)), args.seeds)
        rejected["verdict"] += verdict(a, b, "jaccard")["p"] < 0.05
        rejected["two-level bootstrap"] += two_level_bootstrap_p(a, b, "jaccard", rng) < 0.05
    return {k: v / args.sims for k, v in rejected.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sims", type=int, default=1000)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--texts", type=int, default=300)
    args = ap.parse_args()
    print(f"{args.sims} simulations, {args.seeds} seeds a side, {args.texts} texts, 6 labels; share rejected at 5%")
    print(f"{'difference':>10} {'seed sd':>8} {'text sd':>8} {'verdict':>9} {'two-level bootstrap':>20}")
    for effect, seed_sd, text_sd in ((0, 0.0, 0.5), (0, 0.05, 0.5), (0, 0.15, 0.5), (0, 0.3, 0.3),
                                     (0.3, 0.05, 0.5), (0.6, 0.15, 0.5)):
        r = simulate(args, effect, seed_sd, text_sd)
        print(f"{effect:>10} {seed_sd:>8} {text_sd:>8} {r['verdict']:>9.3f} {r['two-level bootstrap']:>20.3f}",
              flush=True)


if __name__ == "__main__":
    main()
