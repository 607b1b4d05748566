"""The one verdict over seeds and texts, on synthetic runs whose truth is known: calibrated under
equal distributions, able to find a real difference, and its pieces checked by hand."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from embedding_bench.compare.stats import holm, pseudo_values, resampling_p, verdict
from embedding_bench.metrics import sample_jaccard


def runs_of(rng, truth, skill, seed_sd, text_effect, seeds):
    """A configuration's runs: each label decision right with a probability set by the
    configuration's skill, its seed's luck, and each text's difficulty for this configuration."""
    runs = []
    for _ in range(seeds):
        logit = skill + rng.normal(0, seed_sd) + text_effect
        right = rng.random(truth.shape) < 1 / (1 + np.exp(-logit))
        pred = np.where(right, truth, 1 - truth)
        runs.append({"truth": truth, "pred": pred, "jaccard": sample_jaccard(truth, pred)})
    return runs


def simulated_pair(i, effect=0.0, texts=300, labels=6, seeds=3, seed_sd=0.15):
    """Two configurations on the same texts (shared difficulty), seeds and texts both varying,
    in proportions like SemEval's fine-tuned runs (seed spread comparable to the texts')."""
    rng = np.random.default_rng(1000 + i)
    truth = (rng.random((texts, labels)) < 0.3).astype(np.int8)
    difficulty = rng.normal(0, 1, (texts, 1))
    a = runs_of(rng, truth, 1.5 + effect, seed_sd, difficulty + rng.normal(0, 0.5, (texts, 1)), seeds)
    b = runs_of(rng, truth, 1.5, seed_sd, difficulty + rng.normal(0, 0.5, (texts, 1)), seeds)
    return a, b


@pytest.mark.parametrize("metric", ["jaccard", "f1_macro"])
def test_equal_configurations_are_called_different_in_about_5_percent(metric):
    rejected = [verdict(*simulated_pair(i), metric)["p"] < 0.05 for i in range(400)]
    assert 0.02 <= np.mean(rejected) <= 0.085, np.mean(rejected)  # 400 draws: 5% +- 2 sd


def test_a_real_difference_is_found_and_its_direction_told():
    found = [verdict(*simulated_pair(i, effect=0.6), "jaccard") for i in range(40)]
    assert np.mean([r["p"] < 0.05 for r in found]) >= 0.7
    assert all(r["diff"] > 0 and r["p_a_better"] > 0.5 for r in found if r["p"] < 0.05)
    first = next(i for i, r in enumerate(found) if r["p"] < 0.05)
    reverse = verdict(*reversed(simulated_pair(first, effect=0.6)), "jaccard")
    assert reverse["diff"] < 0 and reverse["p_a_better"] < 0.5 and reverse["high"] < 0


def test_seed_spread_widens_the_interval_that_texts_alone_would_give():
    calm, _ = simulated_pair(3, seed_sd=0.0)
    noisy, _ = simulated_pair(3, seed_sd=0.4)
    base = simulated_pair(3, seed_sd=0.0)[1]
    assert verdict(noisy, base, "jaccard")["se"] > 2 * verdict(calm, base, "jaccard")["se"]
    one = verdict(calm[:1], base[:1], "jaccard")  # one seed a side: the seeds' share is unknown
    assert not one["seeds_measured"] and one["df"] == len(calm[0]["jaccard"]) - 1


def test_pseudo_values_average_to_the_metric_scikit_learn_computes():
    a, _ = simulated_pair(5, texts=120)
    run = a[0]
    for metric, average in (("f1_macro", "macro"), ("f1_micro", "micro")):
        expected = f1_score(run["truth"], run["pred"], average=average, zero_division=0.0)
        assert pseudo_values(metric, run).mean() == pytest.approx(expected, abs=1e-12)
    assert pseudo_values("jaccard", run).mean() == pytest.approx(run["jaccard"].mean())
    result = verdict(a, a, "f1_macro")
    assert result["diff"] == 0.0 and result["p"] == 1.0  # a configuration against itself


def test_identical_deterministic_sides_and_a_sure_difference():
    truth = np.eye(4, dtype=np.int8)[np.arange(40) % 4]
    right = {"truth": truth, "pred": truth, "jaccard": np.ones(40)}
    wrong = {"truth": truth, "pred": 1 - truth, "jaccard": np.zeros(40)}
    assert verdict([right] * 3, [wrong] * 3, "jaccard")["p"] == 0.0  # no variance at all: sure
    assert verdict([right] * 3, [right] * 3, "jaccard")["p"] == 1.0


def test_holm_known_answer_and_resampling_floor():
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == [1.0, 1.0]
    assert resampling_p(np.full(999, 0.3), 0.3) == 2 / 1000  # never 0
    assert resampling_p(np.array([-0.1, 0.2, 0.3, 0.4]), 0.2) == pytest.approx(2 * 2 / 5)
