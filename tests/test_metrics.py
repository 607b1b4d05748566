import numpy as np
import pytest

import sklearn.metrics as skm

from embedding_bench.metrics import THRESHOLD_GRID, per_label, sample_jaccard, summary, tune_global_threshold, tune_thresholds
from embedding_bench.reports import fitted, score, warn_if_labels_untested, warn_if_rule_decides
from embedding_bench.rules import DecisionRule, decide, resolve_at_least_one, threshold_setting

# 3 texts x 3 labels, computed by hand below
Y_TRUE = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0]])
Y_PRED = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0]])


def test_hand_computed():
    m = summary(Y_TRUE, Y_PRED)
    # jaccard per text: {0,2} vs {0,1} -> 1/3; {1} vs {1} -> 1; empty vs empty -> 1
    assert m["jaccard"] == pytest.approx((1 / 3 + 1 + 1) / 3)
    assert m["subset_accuracy"] == pytest.approx(2 / 3)
    assert m["hamming_loss"] == pytest.approx(2 / 9)
    # per label: a tp1 -> f1 1; b tp1 fp1 -> p .5 r 1 f1 2/3; c fn1 -> 0
    assert m["f1_macro"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert m["precision_macro"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert m["recall_macro"] == pytest.approx((1 + 1 + 0) / 3)
    # micro: tp 2, fp 1, fn 1 -> 2*2 / (2*2 + 1 + 1)
    assert m["f1_micro"] == pytest.approx(4 / 6)


def test_empty_true_and_empty_prediction_scores_one():
    none = np.zeros((2, 3), dtype=int)
    assert summary(none, none)["jaccard"] == 1.0
    assert summary(none, none)["subset_accuracy"] == 1.0
    assert summary(none, np.ones((2, 3), dtype=int))["jaccard"] == 0.0


def test_per_label_and_label_without_positives():
    pl = per_label(Y_TRUE, Y_PRED, ["a", "b", "c"])
    assert pl["b"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    assert pl["c"]["support"] == 1 and pl["c"]["f1"] == 0.0
    no_pos = per_label(np.array([[0, 1], [0, 1]]), np.array([[0, 1], [0, 0]]), ["x", "y"])
    assert no_pos["x"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert no_pos["y"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})


def test_a_single_label_is_scored_as_one_label_not_two_classes():
    y, p = np.array([[1], [0], [1], [0]]), np.array([[1], [0], [0], [1]])
    m = summary(y, p)
    assert m["f1_macro"] == m["f1_micro"] == pytest.approx(0.5)  # tp 1, fp 1, fn 1
    assert m["jaccard"] == pytest.approx((1 + 1 + 0 + 0) / 4)  # the empty-empty text scores 1
    assert m["hamming_loss"] == pytest.approx(0.5)
    assert per_label(y, p, ["joy"])["joy"]["support"] == 2


def test_empty_rates():
    m = summary(Y_TRUE, Y_PRED)  # text 3 has no true and no predicted label
    assert m["empty_prediction_rate"] == pytest.approx(1 / 3)
    assert m["true_empty_rate"] == pytest.approx(1 / 3)


def test_at_least_one_fills_only_empty_predictions():
    probs = np.array([[0.9, 0.2, 0.1], [0.3, 0.4, 0.2], [0.1, 0.1, 0.45], [0.6, 0.7, 0.1]])
    plain = decide(probs, np.full(3, 0.5), at_least_one=False)
    forced = decide(probs, np.full(3, 0.5), at_least_one=True)
    assert plain.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 0]]
    assert forced.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]  # top-1 where empty
    assert forced.any(axis=1).all()
    confident = probs[[0, 3]]  # every text already has a label: the rule changes nothing
    assert (decide(confident, 0.5, True) == decide(confident, 0.5, False)).all()


def test_at_least_one_auto_follows_the_training_labels():
    assert resolve_at_least_one("auto", [[1, 0], [0, 1]]) is True
    assert resolve_at_least_one("auto", [[1, 0], [0, 0]]) is False  # empty sets are real here
    assert resolve_at_least_one(True, [[0, 0]]) is True and resolve_at_least_one(False, [[1]]) is False


def test_score_records_the_rule_and_warns_when_it_decides(capsys):
    y = {"val": np.array([[1, 0], [0, 1]]), "test": np.array([[1, 0], [0, 1], [1, 1], [0, 1]])}
    probs = {"val": np.array([[0.9, 0.1], [0.2, 0.8]]),
             "test": np.array([[0.4, 0.1], [0.2, 0.3], [0.9, 0.7], [0.1, 0.45]])}
    results, _, rule, tables = score(["a", "b"], y, probs, DecisionRule(0.5, False))
    assert rule == {"thresholds": {"a": 0.5, "b": 0.5}, "at_least_one": 0}
    assert tables["test"]["pred.a"].tolist() == [0, 0, 1, 0]
    # validation probabilities are kept (an ensemble tunes on them), predictions are not
    assert sorted(tables["val"]) == ["prob.a", "prob.b", "true.a", "true.b"]
    assert tables["val"]["prob.b"].tolist() == [0.1, 0.8] and tables["val"]["true.a"].tolist() == [1, 0]
    assert results["test"]["empty_prediction_rate"] == 0.75 and results["test"]["true_empty_rate"] == 0
    warn_if_rule_decides(results, 0.5)
    assert "no label predicted for 75.0% of test texts, while 0.0% have none" in capsys.readouterr().err
    results, _, rule, _ = score(["a", "b"], y, probs, DecisionRule(0.5, True))
    assert rule["at_least_one"] == 1 and results["test"]["empty_prediction_rate"] == 0
    assert results["test"]["jaccard"] == pytest.approx((1 + 1 + 1 + 1) / 4)
    warn_if_rule_decides(results, 0.5)
    assert capsys.readouterr().err == ""


def test_labels_without_test_positives_are_named_with_what_they_do_to_macro(capsys):
    y = np.array([[1, 0], [1, 0], [0, 0]])
    results = summary(y, y)  # a perfect model
    untested = per_label(y, y, ["a", "b"])
    assert results["f1_micro"] == 1.0 and results["f1_macro"] == 0.5  # b's F1 is 0 by definition
    warn_if_labels_untested(untested)
    assert "no test text has the label(s) b: their F1 counts as 0 in f1_macro" in capsys.readouterr().err
    warn_if_labels_untested(per_label(np.eye(2, dtype=int), np.eye(2, dtype=int), ["a", "b"]))
    assert capsys.readouterr().err == ""


def test_tuned_global_is_the_grid_threshold_with_the_best_validation_jaccard_under_the_rule():
    # 4 validation texts, 2 labels; hand-checked: at 0.5 text 2 is empty (Jaccard 0), texts 3 and 4
    # are right; lowering the threshold to 0.35 catches text 2's label, 0.25 adds wrong ones to 2 and 4
    y_val = np.array([[1, 0], [0, 1], [1, 1], [1, 0]])
    p_val = np.array([[0.9, 0.1], [0.3, 0.38], [0.7, 0.6], [0.6, 0.28]])
    assert tune_global_threshold(y_val, p_val, at_least_one=False).tolist() == [0.35, 0.35]
    jaccard = {t: sample_jaccard(y_val, decide(p_val, t, False)).mean() for t in (0.5, 0.35, 0.25)}
    assert jaccard == {0.5: 0.75, 0.35: 1.0, 0.25: 0.75}
    # with at_least_one, 0.5 already gives text 2 its most probable label: tie with 0.35-0.45,
    # and ties go to the value nearest 0.5
    assert tune_global_threshold(y_val, p_val, at_least_one=True).tolist() == [0.5, 0.5]
    # score() applies it to test with the rule it was tuned under, and records it
    y = {"val": y_val, "test": np.array([[0, 1], [1, 0]])}
    probs = {"val": p_val, "test": np.array([[0.2, 0.4], [0.45, 0.1]])}
    results, _, rule, _ = score(["a", "b"], y, probs, DecisionRule("tuned_global", False))
    assert rule["thresholds"] == {"a": 0.35, "b": 0.35} and results["test"]["jaccard"] == 1.0
    results, _, rule, _ = score(["a", "b"], y, probs, DecisionRule(0.5, False))
    assert results["test"]["jaccard"] == 0.0  # the same model at 0.5: no label at all
    # ... and tunes under the rule in force: with at_least_one, 0.5 (as above), not 0.35
    _, _, rule, _ = score(["a", "b"], y, probs, DecisionRule("tuned_global", True))
    assert rule["thresholds"] == {"a": 0.5, "b": 0.5}


def test_threshold_ties_go_to_the_value_nearest_half_then_the_lower():
    # every threshold from 0.05 to 0.95 gives the same (empty) label sets: the tie is total
    y_val, p_val = np.array([[1, 0]]), np.array([[0.99, 0.01]])
    assert tune_global_threshold(y_val, p_val, at_least_one=False).tolist() == [0.5, 0.5]
    # text 1 (label a, p 0.3) is right up to 0.3, text 2 (no label, p(b) 0.68) from 0.7 on: 0.05 ... 0.3
    # and 0.7 ... 0.95 tie; 0.3 and 0.7 are equally near 0.5, and the lower wins (float error
    # once put 0.7 first)
    y_val, p_val = np.array([[1, 0], [0, 0]]), np.array([[0.3, 0.0], [0.0, 0.68]])
    assert tune_global_threshold(y_val, p_val, at_least_one=False).tolist() == [0.3, 0.3]


@pytest.mark.parametrize("seed", range(6))
def test_per_label_tuning_is_sklearns_f1_argmax_with_ties_nearest_half(seed):
    """The vectorised F1 picks what sklearn's f1_score over the grid picks, ties included
    (coarse probabilities make many), a label without validation positives keeping 0.5."""
    rng = np.random.default_rng(seed)
    y = (rng.random((40, 5)) < [0.5, 0.2, 0.05, 0.0, 1.0]).astype(np.int8)
    p = np.round(rng.random((40, 5)) * (0.5 + 0.5 * y), 1)  # positives a little higher, steps of 0.1

    def by_sklearn(j):
        if not y[:, j].any():
            return 0.5
        scores = {t: skm.f1_score(y[:, j], p[:, j] >= t, zero_division=0.0) for t in THRESHOLD_GRID}
        best = max(scores.values())
        return min((t for t in scores if scores[t] == best), key=lambda t: (round(abs(t - 0.5), 2), t))

    assert tune_thresholds(y, p).tolist() == [by_sklearn(j) for j in range(5)]


def test_the_console_says_which_threshold_validation_chose():
    assert fitted("tuned_global", {"a": 0.4, "b": 0.4}) == "tuned_global 0.4"
    assert fitted("tuned", {"a": 0.4, "b": 0.3}) == "tuned per label (thresholds.json)"
    assert fitted(0.5, {"a": 0.5}) == 0.5


@pytest.mark.parametrize("value", [0.5, 0.05, np.float32(0.25), np.float64(0.75), "tuned", "tuned_global"])
def test_threshold_settings_accepted(value):
    assert threshold_setting(value) == value


@pytest.mark.parametrize("value", [0, 1, 1.5, "0.5", "global", True, None, [0.5]])
def test_threshold_settings_refused_with_what_is_accepted(value):
    with pytest.raises(ValueError, match="use a number between 0 and 1 .*, or tuned .*, or tuned_global"):
        threshold_setting(value)
