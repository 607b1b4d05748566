"""The "why": each perturbation on hand-written texts, slices, and probes on real small models."""

import random

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import make_params
from embedding_bench import experiment, fileio, probabilities, probes
from embedding_bench.cnn import WordCNN
from embedding_bench.errors import UserError
from embedding_bench.sections import Probe
from embedding_bench.text import Preprocessor
from embedding_bench.training import predict


@pytest.mark.parametrize("text, negated", [
    ("I don't like it", "I do like it"),
    ("Can't wait for the weekend!", "Can wait for the weekend!"),
    ("This is not fun", "This is fun"),
    ("She is happy today", "She is not happy today"),
    ("I\u2019m so sad", "I'm not so sad"),            # typographic apostrophe, as phones type it
    ("we were late again", "we were not late again"),
    ("Great day at the beach", "Great day at the beach"),  # no auxiliary, no negation: unchanged
])
def test_negation_removes_the_first_negation_or_negates_the_first_auxiliary(text, negated):
    assert probes.negate(text) == negated


@pytest.mark.parametrize("text", ["no  emoji here ", "I\u2019m  fine", "nothing, to see  here"])
def test_a_perturbation_that_finds_nothing_to_change_leaves_the_text_exactly_as_given(text):
    for name in ("emoji_removed", "mentions_urls_removed", "hashtags_split", "emoji_named"):
        found = {pert.name: pert for pert in probes.perturbations(make_params())}
        assert found[name].rewrite(text, random.Random(0)) == text, name
    if "\u2019" not in text:
        assert probes.negate(text) == text  # no negation and no auxiliary: the spaces stay too


def test_each_other_perturbation_on_hand_written_texts():
    assert probes.remove_emoji("so happy \U0001F600 today") == "so happy today"
    assert "grinning face" in probes.name_emoji("so happy \U0001F600")
    assert probes.split_hashtags("love #GoodVibes and #sun") == "love Good Vibes and sun"
    assert probes.remove_mentions_urls("@bob look https://x.co/a now") == "look now"
    found = {pert.name: pert for pert in probes.perturbations(make_params())}
    assert "lower" == found["lowercase"].rewrite("LoWeR", random.Random(0))
    # stop words (sklearn's list has "not") go and words are stemmed, as the `full` variant does
    assert found["full_losses"].rewrite("I am not running to the shops", None) == "run shop"
    # its steps are the `full` variant's own: a snowball `full` stems as snowball does; a project
    # without a removing `full` variant has no such probe
    snowball = make_params(preprocess__variants__full={"stopwords": "sklearn", "stem": "snowball"})
    assert [p.rewrite("generously running", None) for p in probes.perturbations(snowball)
            if p.name == "full_losses"] == ["generous run"]
    gentle = make_params(preprocess__variants__full={"lowercase": True})
    assert "full_losses" not in {p.name for p in probes.perturbations(gentle)}


def test_typos_swap_inner_letters_deterministically():
    text = "wonderful morning everyone, truly amazing"
    swapped = probes.typos(text, random.Random(3), rate=1.0)
    assert swapped != text and sorted(swapped) == sorted(text)  # the same letters, moved
    for a, b in zip(text.split(), swapped.split()):
        assert a[0] == b[0] and a[-1] == b[-1]  # first and last letters stay
    assert probes.typos(text, random.Random(3), rate=1.0) == swapped
    assert probes.typos(text, random.Random(3), rate=0.0) == text
    cfg = Probe(seed=5, typo_rate=0.5)
    found = probes.perturbations(make_params(probe__seed=5, probe__typo_rate=0.5))
    by_seed = probes.perturb([text] * 3, found, cfg)["typos"]
    assert by_seed == probes.perturb([text] * 3, found, cfg)["typos"]


def test_slices_pick_texts_by_content_and_score_them():
    texts = ["I'm not happy at all", "love it \U0001F600", "#blessed day", "a b c d e f"]
    tokens = [t.split() for t in texts]
    masks = probes.slice_masks(texts, tokens, known=lambda tok: tok != "blessed")
    assert masks["negation"].tolist() == [True, False, False, False]
    assert masks["emoji"].tolist() == [False, True, False, False]
    assert masks["hashtag"].tolist() == [False, False, True, False]
    assert masks["unknown_words"].tolist() == [False, False, False, False]  # "#blessed" is one token
    assert masks["long"].tolist() == [True, False, False, True] and (masks["long"] ^ masks["short"]).all()
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    pred = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    out = probes.slices(["a", "b"], y, pred, masks, {**probes.SLICE_DEFINITIONS, "unknown_words": "-"})
    assert out["hashtag"]["texts"] == 1 and out["hashtag"]["test"]["jaccard"] == 0.5
    assert out["emoji"]["test"]["empty_prediction_rate"] == 1.0
    assert out["unknown_words"] == {"texts": 0, "share": 0.0, "definition": "-"}  # no metrics on nothing


def word_setup(tmp_path, vectors):
    """A WordCNN over `vectors` (rows: <pad>, <unk>, then the words) and its test table."""
    p = make_params(preprocessing="light", probe__typo_rate=1.0)  # every long word: few texts here
    texts = ["I don't love it \U0001F600", "She is so happy #GoodVibes", "@ann what a day https://t.co/x",
             "not sure about tomorrow", "wonderful morning everyone"]
    prep = Preprocessor(p.variant)
    tokens = [prep.tokens(t) for t in texts]
    words = sorted({w for toks in tokens for w in toks} | {w for t in texts for w in prep.tokens(probes.negate(t))})
    (tmp_path / "vocab.txt").write_text("\n".join(["<pad>", "<unk>"] + words) + "\n")
    labels = ["joy", "sadness"]
    head = {"widths": (1, 2), "filters": 4, "dropout": 0.0, "max_norm": 3.0}
    config = {"kind": "word", "labels": labels, "head": head, "max_len": 20, "mode": "static",
              "n_words": len(words) + 2, "dim": 8}
    torch.manual_seed(0)
    model = WordCNN(vectors(len(words) + 2, 8), len(labels), "static", **head).eval()
    test = pd.DataFrame({"id": [f"t{i}" for i in range(len(texts))], "original_text": texts, "tokens": tokens, "text": [" ".join(t) for t in tokens],
                         "joy": [0, 1, 0, 0, 1], "sadness": [1, 0, 0, 1, 0]})
    rule = {"thresholds": {"joy": 0.5, "sadness": 0.5}, "at_least_one": 0}
    return p, model, config, test, {"features": str(tmp_path), "contextual": str(tmp_path)}, rule


def probe(p, model, config, test, dirs, rule):
    """What the predict and probe stages do in a row: the model's probabilities on the test texts
    and their perturbed copies, then the report from those alone."""
    base = predict(model, experiment.kind(config).inputs(config, test, "test", dirs))
    return probes.run(config, test, base, probes.perturbed(p, model, config, test, base, dirs), dirs, rule)


def test_a_model_that_ignores_its_input_never_flips(tmp_path):
    # all-zero static vectors: every convolution sees zeros, so the output is the biases alone
    p, model, config, test, dirs, rule = word_setup(tmp_path, torch.zeros)
    report, sliced = probe(p, model, config, test, dirs, rule)
    for name, result in report["perturbations"].items():
        assert result["flip_rate"] == 0.0 and result["mean_abs_prob_change"] == 0.0, name
    assert report["perturbations"]["negation"]["texts_changed"] == 3  # the texts did change
    assert report["perturbations"]["typos"]["texts_changed"] > 0
    assert sliced["negation"]["texts"] == 2 and sliced["hashtag"]["texts"] == 1


def test_a_model_that_reads_its_input_moves_with_the_perturbations(tmp_path):
    p, model, config, test, dirs, rule = word_setup(tmp_path, lambda n, d: torch.randn(n, d) * 3)
    report, _ = probe(p, model, config, test, dirs, rule)
    negation = report["perturbations"]["negation"]
    assert negation["mean_abs_prob_change"] > 0
    assert negation["inputs_changed"] == negation["texts_changed"] == 3
    unchanged = report["perturbations"]["hashtags_split"]  # `light` splits hashtags already
    assert unchanged["texts_changed"] == 1 and unchanged["inputs_changed"] == 0
    assert unchanged["flip_rate"] == unchanged["mean_abs_prob_change"] == 0.0


def test_stored_probabilities_give_the_same_report_and_a_new_rule_needs_no_model(tmp_path):
    p, model, config, test, dirs, rule = word_setup(tmp_path, lambda n, d: torch.randn(n, d) * 3)
    labels = config["labels"]
    base = predict(model, experiment.kind(config).inputs(config, test, "test", dirs))
    perturbed = probes.perturbed(p, model, config, test, base, dirs)
    assert perturbed["perturbation"].unique().tolist()[:2] == ["negation", "emoji_removed"]
    assert len(perturbed) == len(test) * perturbed["perturbation"].nunique()
    fileio.write_tables(tmp_path / "probs", {"test": probabilities.table(test["id"], base, labels),
                                             "perturbed": perturbed}, labels)
    stored = probabilities.read(tmp_path / "probs", {"test": test, "perturbed": test}, labels)
    assert np.array_equal(probabilities.matrix(stored["test"], labels), base)  # float32, bit for bit
    direct = probes.run(config, test, base, perturbed, dirs, rule)
    assert probes.run(config, test, probabilities.matrix(stored["test"], labels), stored["perturbed"],
                      dirs, rule) == direct
    del model  # a new decision rule from the same files: every text predicted positive
    always = {"thresholds": {label: 1e-9 for label in labels}, "at_least_one": 0}
    report, _ = probes.run(config, test, base, stored["perturbed"], dirs, always)
    assert all(r["flip_rate"] == 0.0 for r in report["perturbations"].values())
    assert report["original"]["test"]["jaccard"] == pytest.approx(test[labels].to_numpy().sum() / (2 * len(test)))


@pytest.mark.parametrize("other", ["reordered", "fewer", "twice", "labels"])
def test_probabilities_of_other_texts_or_labels_are_refused(tmp_path, other):
    labels, test = ["joy", "sadness"], pd.DataFrame({"id": ["a", "b", "c"]})
    stored = pd.concat([test, test]) if other == "twice" else test  # twice: only perturbations repeat ids
    fileio.write_tables(tmp_path, {"test": probabilities.table(
        stored["id"], np.eye(len(stored), 2, dtype=np.float32), labels)}, labels)
    texts = {"reordered": test.iloc[::-1], "fewer": test.iloc[:2]}.get(other, test)
    with pytest.raises(UserError, match=r"test\.parquet holds the probabilities of other texts or labels.*"
                                        r"dvc repro predict"):
        probabilities.read(tmp_path, {"test": texts}, ["sadness", "joy"] if other == "labels" else labels)
    if other != "twice":
        assert probabilities.read(tmp_path, {"test": test}, labels)["test"]["id"].tolist() == ["a", "b", "c"]


def test_probabilities_not_yet_predicted_are_refused_with_the_stage_to_run(tmp_path):
    with pytest.raises(UserError, match=r"labels.json does not exist: the predict stage writes it; run `dvc repro predict`"):
        probabilities.read(tmp_path, {"test": pd.DataFrame({"id": ["a"]})}, ["joy"])
