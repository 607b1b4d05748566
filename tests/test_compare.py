"""The leaderboard's intervals and the paired test, on constructed inputs with known answers."""

import json

import numpy as np
import pandas as pd
import pytest

from embedding_bench.compare import cli, ensembles, leaderboard, pairs, render, runs, selectors, stats, why
from embedding_bench.errors import UserError
from embedding_bench.metrics import sample_jaccard, summary, tune_global_threshold, tune_thresholds
from embedding_bench.headline import HEADLINE
from embedding_bench.rules import decide


def test_t_interval_known_answer():
    mean, half = stats.interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert half == pytest.approx(4.302653 * 1.0 / np.sqrt(3), rel=1e-6)  # t(0.975, 2) * s / sqrt(n)
    assert np.isnan(stats.interval([0.5])[1])


def test_sample_jaccard():
    true = [[1, 0, 1], [0, 0, 0], [1, 1, 0]]
    pred = [[1, 1, 0], [0, 0, 0], [0, 0, 1]]
    assert sample_jaccard(true, pred).tolist() == [pytest.approx(1 / 3), 1.0, 0.0]


def test_paired_bootstrap_known_cases():
    same = stats.paired_bootstrap(np.full(200, 0.7), np.full(200, 0.7))
    assert same["diff"] == 0.0 and same["p"] == 1.0
    better = stats.paired_bootstrap(np.ones(200), np.zeros(200))
    # no replicate at or below 0: the p-value is the resampling's floor, 2 / (B + 1), never 0
    assert better == {"diff": 1.0, "low": 1.0, "high": 1.0, "p": 2 / 10_001}
    rng = np.random.default_rng(0)  # a 0.05 gain with 0.1 noise per text over 400 texts: real
    b = rng.random(400)
    real = stats.paired_bootstrap(b + 0.05 + rng.normal(0, 0.1, 400), b)
    assert real["p"] < 0.01 and 0.03 < real["low"] < 0.05 < real["high"] < 0.07
    noise = stats.paired_bootstrap(b + rng.normal(0, 0.1, 400), b)  # no gain: not significant
    assert noise["p"] > 0.05 and noise["low"] < 0 < noise["high"]


def record(rev, embedding, seed, jaccard, preprocessing="light"):
    params = {"embedding": embedding, "preprocessing": preprocessing, "seed": seed,
              "dataset": "sample", "evaluate": {"threshold": 0.5}, "cnn": {"mode": "auto"},
              "bert": {"finetune": False}}
    test = {"jaccard": jaccard, "f1_micro": jaccard, "f1_macro": jaccard, "hamming_loss": 0.1}
    metrics = {"metrics/metrics.json": {"data": {"test": test}},
               "metrics/baseline/metrics.json": {"data": {"test": {**test, "jaccard": 0.5}}}}
    return {"rev": rev, "name": f"exp-{rev}", "data": {"rev": rev, "timestamp": rev,
                                                       "params": {"params.yaml": {"data": params}},
                                                       "metrics": metrics}}


EXP_JSON = [
    {"rev": "workspace", "data": record("ws", "random", 1, 0.0)["data"]},
    {"rev": "c0", "name": "main", "data": {"rev": "c0", "params": {}, "metrics": {}},
     "experiments": [{"name": "e", "revs": [record("1", "glove", 1, 0.60)]},
                     {"name": "e", "revs": [record("2", "glove", 2, 0.62)]},
                     {"name": "e", "revs": [record("3", "glove", 3, 0.64)]},
                     {"name": "e", "revs": [record("4", "word2vec", 1, 0.55)]},
                     {"name": "e", "revs": [record("5", "word2vec", 2, 0.57)]},
                     {"name": "e", "revs": [record("0", "word2vec", 2, 0.99)]},  # older re-run
                     {"name": "r", "executor": {"state": "running"},  # workspace metrics, not its
                      "revs": [record("6", "bert", 1, 0.99)]}]}]


def test_leaderboard_groups_seeds_and_keeps_latest_rerun():
    table = runs.runs(runs.experiments(EXP_JSON))
    board = leaderboard.leaderboard(table)
    assert board[["embedding", "mode", "runs"]].values.tolist() == [
        ["glove", "non_static", 3], ["word2vec", "non_static", 2], ["tf-idf", "logreg", 3]]
    half = 4.302653 * 0.02 / np.sqrt(3)
    assert board.loc[0, "jaccard"] == pytest.approx(0.62) and board.loc[0, "jaccard_ci"] == pytest.approx(half)
    assert board.loc[1, "jaccard"] == pytest.approx(0.56)  # 0.99 was an older run of seed 2
    shown = render.as_text(board)  # numbers until rendering, then the table a reader sees
    assert shown.loc[0, "jaccard"] == f"0.6200 ± {half:.4f}" and shown.loc[0, "seeds"] == 3
    assert list(shown.columns) == ["dataset", "model", "embedding", "preprocessing", "mode", "rule",
                                   "seeds", *HEADLINE]
    assert render.as_text(board.assign(f1_macro=float("nan")))["f1_macro"].eq("n/a").all()
    assert "ws" not in set(table["rev"])  # the workspace is not an experiment


def test_revisions_with_stale_metrics_are_skipped_and_named():
    records = runs.experiments(EXP_JSON)
    params = records[0]["params"]
    made = {"stages": {"train": {"params": {"params.yaml": {"preprocessing": "light",
                                                             "cnn": {"mode": "auto"}}}},
                       "evaluate": {"params": {"params.yaml": {"evaluate.threshold": 0.5}}}}}
    edited = {"stages": {"train": {"params": {"params.yaml": {"embedding": "random", "seed": 2}}}}}
    assert runs.stale_params(params, made) == [] and runs.stale_params(params, None) == []
    assert runs.stale_params(params, edited) == ["embedding", "seed"]
    kept, skipped = runs.consistent(records, lambda rev: edited if rev == "2" else made)
    assert [r["rev"] for r in kept] == ["1", "3", "4", "5", "0"]
    assert [(r["rev"], keys) for r, keys in skipped] == [("2", ["embedding"])]


def test_paired_test_on_predictions(monkeypatch, tmp_path):
    table = runs.runs(runs.experiments(EXP_JSON))
    ids = [f"t{i}" for i in range(300)]
    true = np.random.default_rng(1).integers(0, 2, (300, 2))

    def reader(rev, model):  # glove runs right on 90% of texts, word2vec on 70%
        right = np.arange(300) < (270 if rev in {"1", "2", "3"} else 210)
        pred = np.where(right[:, None], true, 1 - true)
        return pd.DataFrame({"id": ids, "jaccard": sample_jaccard(true, pred)})

    result = pairs.paired(table, "embedding=glove", "embedding=word2vec", reader)
    assert result["texts"] == 300
    assert result["bootstrap"]["diff"] == pytest.approx(0.2) and result["bootstrap"]["p"] < 0.001
    assert result["seeds"]["diff"] == pytest.approx(0.62 - 0.56) and result["seeds"]["p"] < 0.05
    assert "significant at 5%" in pairs.describe(result)
    one = result["verdict"]  # the verdict over seeds and texts: the line a reader takes away
    assert one["diff"] == pytest.approx(0.2) and one["p"] < 0.001 and one["runs"] == {"a": 3, "b": 2}
    assert pairs.describe(result).splitlines()[1].startswith("- verdict over seeds and texts (3 vs 2 runs)")
    assert result["runs"] == {"a": 3, "b": 2} and result["unread"] == []
    flat = pairs.paired(table.assign(jaccard=np.where(table["embedding"] == "word2vec", 0.56,
                                                         table["jaccard"])),
                          "embedding=glove", "embedding=word2vec", reader)
    assert flat["seeds"]["p"] is None  # SciPy's p for a side without spread was noise
    assert "no test: every seed of B scored the same Jaccard" in pairs.describe(flat)

    def partly_cached(rev, model):  # one glove run's predictions are not in the local cache
        if rev == "3":
            raise UserError("cannot read the predictions of 3")
        return reader(rev, model)

    result = pairs.paired(table, "embedding=glove", "embedding=word2vec", partly_cached)
    assert result["runs"] == {"a": 2, "b": 2} and result["bootstrap"]["diff"] == pytest.approx(0.2)
    assert "left out of the bootstrap: cannot read the predictions of 3" in pairs.describe(result)
    with pytest.raises(UserError, match="no per-text scores"):
        pairs.paired(table, "embedding=glove", "embedding=word2vec",
                       lambda rev, model: partly_cached("3", model))
    with pytest.raises(UserError, match="no experiment matches"):
        selectors.select(table, "embedding=bert")


def test_cli_writes_markdown_and_html(tmp_path, capsys):
    (tmp_path / "exp.json").write_text(json.dumps(EXP_JSON))
    cli.main(["--from-json", str(tmp_path / "exp.json"), "--out", str(tmp_path / "board")])
    md = (tmp_path / "board.md").read_text()
    assert md.splitlines()[0].startswith("| dataset") and "glove" in md
    assert "<table" in (tmp_path / "board.html").read_text()


def with_params(rec, **changes):
    """A copy of an exp-show record with some params changed (dotted keys)."""
    rec = json.loads(json.dumps(rec))
    params = rec["data"]["params"]["params.yaml"]["data"]
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = params
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return rec


def test_runs_differing_in_any_param_are_separate_configurations():
    recs = [with_params(record("1", "glove", 1, 0.60), **{"baseline.C": 1.0, "cnn.filters": 100}),
            with_params(record("2", "glove", 2, 0.62), **{"baseline.C": 1.0, "cnn.filters": 100}),
            with_params(record("3", "glove", 1, 0.70), **{"baseline.C": 0.1, "cnn.filters": 200})]
    # the first two runs are seeds of one configuration; the third differs in both params
    exp = [{"rev": "c0", "data": {"rev": "c0", "params": {}, "metrics": {}},
            "experiments": [{"name": "e", "revs": [r]} for r in recs]}]
    board = leaderboard.leaderboard(runs.runs(runs.experiments(exp)))
    cnn = board[board["model"] == "cnn"]
    assert cnn[["cnn.filters", "runs"]].values.tolist() == [["200", 1], ["100", 2]]
    baseline = board[board["model"] == "baseline"]  # the baseline reads baseline.C, not cnn.*
    assert sorted(baseline[["baseline.C", "runs"]].values.tolist()) == [["0.1", 1], ["1.0", 2]]
    assert set(baseline["cnn.filters"]) == {""}


def test_at_least_one_auto_resolved_like_another_run_is_told_apart():
    # found by a newcomer: auto (resolved to false) and false made two rows with the same rule,
    # told apart by nothing
    recs = [with_params(record("1", "glove", 1, 0.60), **{"evaluate.at_least_one": "auto"}),
            with_params(record("2", "glove", 1, 0.60), **{"evaluate.at_least_one": False})]
    exp = [{"rev": "c0", "data": {"rev": "c0", "params": {}, "metrics": {}},
            "experiments": [{"name": "e", "revs": [r]} for r in recs]}]
    cnn = leaderboard.leaderboard(runs.runs(runs.experiments(exp))).query("model == 'cnn'")
    assert set(cnn["rule"]) == {"0.5"}
    assert sorted(cnn["evaluate.at_least_one"]) == ["auto", "false"]


def test_pair_selector_must_match_exactly_one_configuration():
    exp = [{"rev": "c0", "data": {"rev": "c0", "params": {}, "metrics": {}},
            "experiments": [{"name": "e", "revs": [with_params(record("1", "glove", 1, 0.6))]},
                            {"name": "e", "revs": [with_params(record("2", "glove", 1, 0.7),
                                                               **{"evaluate.threshold": "tuned"})]},
                            {"name": "e", "revs": [with_params(record("3", "glove", 1, 0.8),
                                                               **{"cnn.filters": 50})]}]}]
    table = runs.runs(runs.experiments(exp))
    with pytest.raises(UserError, match="matches 3 configurations") as e:
        selectors.select(table, "embedding=glove")
    assert "rule=tuned" in str(e.value) and "cnn.filters=50" in str(e.value)
    assert set(selectors.select(table, "embedding=glove,threshold=tuned")["rev"]) == {"2"}
    assert set(selectors.select(table, "embedding=glove,cnn.filters=50")["rev"]) == {"3"}
    with pytest.raises(UserError, match="unknown key 'colour'"):
        selectors.select(table, "colour=red")


def test_rule_column_shows_threshold_and_at_least_one():
    rec = record("1", "glove", 1, 0.6)
    rec["data"]["metrics"]["metrics/thresholds.json"] = {"data": {"at_least_one": 1}}
    table = runs.runs(runs.experiments([{"rev": "c0", "data": {"rev": "c0", "params": {},
                                                                      "metrics": {}},
                                               "experiments": [{"name": "e", "revs": [rec]}]}]))
    assert dict(zip(table["model"], table["rule"])) == {"cnn": "0.5+top1", "baseline": "0.5"}


def test_review_calls_a_change_noise_only_within_the_seed_spread(tmp_path):
    from embedding_bench import review

    table = runs.runs(runs.experiments(EXP_JSON))
    current = runs.experiments(EXP_JSON)[0]["params"]  # glove, light: seeds 1-3 ran
    spread = review.seed_spread(table, current)
    sd, n = spread["cnn"]["jaccard"]
    assert n == 3 and sd == pytest.approx(0.02)  # 0.60, 0.62, 0.64
    base = {"cnn": {"jaccard": 0.60}, "baseline": {"jaccard": 0.5}}
    head = {"cnn": {"jaccard": 0.63}, "baseline": {"jaccard": 0.5}}
    md = review.table_md(base, head, spread)
    assert "| cnn | jaccard | 0.6000 | 0.6300 | +0.0300 | 0.0200 (3) | within seed spread (noise) |" in md
    md = review.table_md(base, {"cnn": {"jaccard": 0.70}, "baseline": {"jaccard": 0.5}}, spread)
    assert "+0.1000 | 0.0200 (3) | beyond seed spread |" in md
    lone = review.seed_spread(table, {**current, "embedding": "bert"})  # never ran: no spread
    assert "cnn" not in lone
    assert "no seed spread measured" in review.table_md(base, head, lone)


def test_variant_options_are_columns_only_where_one_variant_name_changed():
    light = {"preprocess.variants.light.stem": None, "preprocess.variants.full.stem": "porter"}
    recs = [with_params(record("1", "glove", 1, 0.6), **light),
            with_params(record("2", "glove", 1, 0.5, preprocessing="full"), **light)]
    exp = [{"rev": "c0", "data": {"rev": "c0", "params": {}, "metrics": {}},
            "experiments": [{"name": "e", "revs": [r]} for r in recs]}]
    table = runs.runs(runs.experiments(exp))
    assert runs.differing(table) == []  # `preprocessing` already tells light from full
    edited = with_params(record("3", "glove", 1, 0.7), **{**light, "preprocess.variants.light.stem": "porter"})
    exp[0]["experiments"].append({"name": "e", "revs": [edited]})
    table = runs.runs(runs.experiments(exp))
    assert runs.differing(table) == ["preprocess.variant.stem"]  # light, edited in one run


def test_why_counts_disagreements_by_slice_and_label_with_examples():
    table = runs.runs(runs.experiments(EXP_JSON))
    ids = [f"t{i}" for i in range(8)]
    texts = ["I don't love it", "not happy at all today my friend", "so good \U0001F600", "#blessed",
             "fine", "ok then", "great great great great great", "meh"]
    true = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 0], [0, 0], [0, 1], [1, 1]])
    wrong_on_negation = true.copy()
    wrong_on_negation[:2] = 1 - wrong_on_negation[:2]  # word2vec misses both negated texts

    def reader(rev, model, columns=("id", "jaccard")):
        pred = true if rev in {"1", "2", "3"} else wrong_on_negation  # glove runs: 1, 2, 3
        df = pd.DataFrame({"id": ids, "jaccard": sample_jaccard(true, pred)})
        for j, label in enumerate(["anger", "joy"]):
            df[f"true.{label}"], df[f"pred.{label}"], df[f"prob.{label}"] = true[:, j], pred[:, j], 0.5
        return df if columns is None else df[list(columns)]

    report, slice_rows = why.why(table, "embedding=glove", "embedding=word2vec", reader,
                                     lambda rev: pd.DataFrame({"id": ids, "text": texts}))
    assert {"slice": "negation", "texts": 2, "disagree": 2, "diff": 1.0} in slice_rows
    assert "different label sets for 2 of 8 test texts" in report
    # 8 texts: every slice is under 20 texts, so its difference is shown as too few to compare
    assert "| all | 8 | 2 | (+0.2500: too few texts) |" in report
    assert "| negation | 2 | 2 | (+1.0000: too few texts) |" in report  # the whole difference there
    assert "| emoji | 1 | 0 | (+0.0000: too few texts) |" in report and "| hashtag | 1 | 0 |" in report
    assert "| anger | 2 | 0 |" in report and "| joy | 2 | 0 |" in report  # A right where they differ
    assert "- [negation] \"I don't love it\": true anger; A anger; B joy" in report
    assert "- [emoji]" not in report  # no disagreement there, no example


def test_ensemble_row_averages_the_seeds_probabilities_under_the_same_rule():
    table = runs.runs(runs.experiments(EXP_JSON))
    rng = np.random.default_rng(0)
    truth = {"val": rng.integers(0, 2, (40, 2)), "test": rng.integers(0, 2, (60, 2))}
    noisy = {rev: {split: np.clip(y * 0.6 + 0.2 + rng.normal(0, 0.25, y.shape), 0, 1)
                   for split, y in truth.items()} for rev in ("1", "2", "3")}

    def reader(rev, model):
        if rev not in noisy:
            raise UserError(f"cannot read the predictions of {rev}")
        return {split: pd.DataFrame({"id": [f"{split}{i}" for i in range(len(y))],
                                     "true.a": y[:, 0], "true.b": y[:, 1],
                                     "prob.a": noisy[rev][split][:, 0],
                                     "prob.b": noisy[rev][split][:, 1]}).set_index("id")
                for split, y in truth.items()}

    warnings = []
    found = ensembles.ensembles(table, reader, warnings.append)
    glove = table[table["embedding"] == "glove"]["config"].iloc[0]
    assert list(found) == [glove]  # word2vec's two runs cannot be read: said, and no row
    assert len(warnings) == 2 and all("cannot read the predictions of" in w for w in warnings)
    mean = {split: np.mean([noisy[r][split] for r in ("1", "2", "3")], axis=0) for split in truth}
    expected = summary(truth["test"], (mean["test"] >= 0.5).astype(int))
    assert found[glove]["runs"] == 3
    assert found[glove]["test"]["jaccard"] == pytest.approx(expected["jaccard"])
    # averaging removes noise: the ensemble beats the mean of its members here
    members = [summary(truth["test"], (noisy[r]["test"] >= 0.5).astype(int))["jaccard"] for r in noisy]
    assert found[glove]["test"]["jaccard"] > np.mean(members)
    board = leaderboard.leaderboard(table, found)
    assert board[["row", "runs"]].values.tolist() == [["seeds", 3], ["ensemble", 3], ["seeds", 2], ["seeds", 3]]
    assert render.as_text(board)["seeds"].tolist() == [3, "ensemble of 3", 2, 3]  # right after its row
    assert board.loc[1, "jaccard"] == pytest.approx(expected["jaccard"]) and board.loc[1, "embedding"] == "glove"
    assert np.isnan(board.loc[1, "jaccard_ci"])  # one model: no interval
    # a tuned rule tunes the ensemble's thresholds on the mean validation probabilities
    tuned = table.assign(rule="tuned")
    result, _ = ensembles.ensemble(tuned[tuned["config"] == glove], reader)
    thresholds = tune_thresholds(truth["val"], mean["val"])
    assert result["test"]["f1_macro"] == pytest.approx(
        summary(truth["test"], (mean["test"] >= thresholds).astype(int))["f1_macro"])


def test_ensemble_rows_stay_with_their_configuration_on_ties_and_bad_runs_are_named():
    exp = [{"rev": "c0", "data": {"rev": "c0", "params": {}, "metrics": {}},
            "experiments": [{"name": "e", "revs": [record(f"{e}{s}", e, s, 0.6)]}
                            for e in ("glove", "random") for s in (1, 2)]}]
    table = runs.runs(runs.experiments(exp))
    cnn = table[table["model"] == "cnn"]
    joined = {config: {"runs": 2, "test": {m: 0.7 for m in HEADLINE}} for config in cnn["config"].unique()}
    board = render.as_text(leaderboard.leaderboard(table, joined))
    assert board[["embedding", "seeds"]].values.tolist() == [
        ["glove", 2], ["glove", "ensemble of 2"], ["random", 2], ["random", "ensemble of 2"], ["tf-idf", 2]]

    def different_texts(rev, model):
        n = 5 if rev.endswith("1") else 6
        frame = pd.DataFrame({"id": [f"t{i}" for i in range(n)], "true.a": 1, "prob.a": 0.9}).set_index("id")
        return {"val": frame, "test": frame}

    warnings = []
    assert ensembles.ensembles(table, different_texts, warnings.append) == {}
    assert len(warnings) == 2 and "have different val texts" in warnings[0]


def test_ensemble_across_configurations_reads_each_model_once_under_the_rule_asked():
    # glove and word2vec, seeds 1 and 2, each evaluated with threshold 0.5 and with tuned ones
    recs = [with_params(record(f"{e}{s}{t}", e, s, 0.6), **{"evaluate.threshold": t})
            for e in ("glove", "word2vec") for s in (1, 2) for t in (0.5, "tuned")]
    table = runs.runs(runs.experiments([{"rev": "c0", "data": {"rev": "c0", "params": {}, "metrics": {}},
                                               "experiments": [{"name": "e", "revs": [r]} for r in recs]}]))
    rng = np.random.default_rng(1)
    truth = {"val": rng.integers(0, 2, (40, 2)), "test": rng.integers(0, 2, (60, 2))}
    # low probabilities (at most 0.55), so that the tuned rules below choose thresholds below 0.5
    models = {f"{e}{s}": {split: 0.55 * np.clip(y * 0.5 + 0.25 + rng.normal(0, 0.3, y.shape), 0, 1)
                          for split, y in truth.items()} for e in ("glove", "word2vec") for s in (1, 2)}
    reads = []

    def reader(rev, model):  # a model's probabilities, whatever rule its run applied
        reads.append(rev)
        probs = models[rev.removesuffix("tuned").removesuffix("0.5")]
        return {split: pd.DataFrame({"id": [f"{split}{i}" for i in range(len(y))],
                                     "true.a": y[:, 0], "true.b": y[:, 1],
                                     "prob.a": probs[split][:, 0], "prob.b": probs[split][:, 1]}).set_index("id")
                for split, y in truth.items()}

    row = ensembles.ensemble_across(table, "rule=0.5+top1", reader)
    assert len(reads) == 4 and len({r.removesuffix("tuned").removesuffix("0.5") for r in reads}) == 4
    mean = {split: np.mean([m[split] for m in models.values()], axis=0) for split in truth}
    expected = summary(truth["test"], decide(mean["test"], np.full(2, 0.5), at_least_one=True))
    assert row["test"]["jaccard"] == pytest.approx(expected["jaccard"])
    assert row["test"]["empty_prediction_rate"] == 0.0  # +top1: every text gets a label
    assert (row["embedding"], row["mode"], row["rule"]) == ("glove+word2vec", "non_static", "0.5+top1")
    assert (row["runs"], row["configurations"]) == (4, 2)
    # the rule keys choose the rule; the other keys choose runs
    tuned = ensembles.ensemble_across(table, "embedding=glove,threshold=tuned", reader)
    glove = {split: (models["glove1"][split] + models["glove2"][split]) / 2 for split in truth}
    thresholds = tune_thresholds(truth["val"], glove["val"])
    assert tuned["test"]["f1_macro"] == pytest.approx(
        summary(truth["test"], decide(glove["test"], thresholds, False))["f1_macro"])
    assert (tuned["runs"], tuned["configurations"]) == (2, 1)
    # tuned_global: one threshold, tuned for Jaccard on the ensemble's validation probabilities
    # under the ensemble's own rule: here 0.3 with +top1 and 0.25 without, which score differently
    for rule, top1, chosen in (("tuned_global+top1", True, 0.3), ("tuned_global", False, 0.25)):
        assert tune_global_threshold(truth["val"], mean["val"], top1).tolist() == [chosen, chosen]
        one = ensembles.ensemble_across(table, f"rule={rule}", reader)
        assert one["rule"] == rule and one["test"]["jaccard"] == pytest.approx(
            summary(truth["test"], decide(mean["test"], np.full(2, chosen), top1))["jaccard"])
    assert (summary(truth["test"], decide(mean["test"], np.full(2, 0.3), True))["jaccard"]
            != summary(truth["test"], decide(mean["test"], np.full(2, 0.25), False))["jaccard"])
    # a rule is written as evaluate writes it, whatever the spelling asked
    assert ensembles.ensemble_across(table, "rule=0.50", reader)["rule"] == "0.5"
    board = leaderboard.leaderboard(table, {}, [row])
    assert (render.as_text(board)["seeds"] == "ensemble of 4 runs, 2 configurations").sum() == 1
    one = render.as_text(leaderboard.leaderboard(table, {}, [tuned]))
    assert (one["seeds"] == "ensemble of 2 runs, 1 configuration").sum() == 1

    # what cannot be one ensemble is refused, saying what to add
    with pytest.raises(UserError, match=r"rules 0.5, tuned; add rule="):
        ensembles.ensemble_across(table, "embedding=glove", reader)
    with pytest.raises(UserError, match="selects one model"):
        ensembles.ensemble_across(table, "embedding=glove,seed=1,rule=0.5", reader)
    with pytest.raises(UserError, match="threshold '1.5': use a number between 0 and 1"):
        ensembles.ensemble_across(table, "rule=1.5", reader)
    with pytest.raises(UserError, match="'glove' in 'glove' is not key=value"):
        ensembles.ensemble_across(table, "glove", reader)

    def partly_cached(rev, model):
        if rev.startswith("word2vec2"):
            raise UserError(f"the predictions of {rev} are not in the local cache")
        return reader(rev, model)

    with pytest.raises(UserError, match="predictions of word2vec2.* not in the local cache"):
        ensembles.ensemble_across(table, "rule=0.5", partly_cached)  # not left out silently


def test_exp_show_is_asked_again_while_a_queue_worker_sets_up_a_workspace(monkeypatch):
    import subprocess

    racing = "ERROR: failed to show experiments - directory '/r/.dvc/tmp/exps/tmp_l9vs0to/.dvc' does not exist"
    answers = [(255, "", racing), (255, "", racing), (0, '[{"rev": "workspace"}]', "")]
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        code, out, err = answers.pop(0)
        return subprocess.CompletedProcess(cmd, code, out, err)

    monkeypatch.setattr(runs.subprocess, "run", fake_run)
    monkeypatch.setattr(runs, "EXP_SHOW_WAIT_S", 0)
    assert runs.dvc_exp_show(all_commits=True) == [{"rev": "workspace"}]
    assert calls == [["dvc", "exp", "show", "--json", "--all-commits"]] * 3

    answers[:] = [(255, "", "ERROR: not a git repository")]  # anything else: said at once
    with pytest.raises(UserError, match="dvc exp show --json failed: ERROR: not a git repository"):
        runs.dvc_exp_show(all_commits=False)
    answers[:] = [(255, "", racing)] * runs.EXP_SHOW_TRIES  # a workspace that stays broken: said
    with pytest.raises(UserError, match="tmp_l9vs0to"):
        runs.dvc_exp_show(all_commits=False)
    assert answers == []
