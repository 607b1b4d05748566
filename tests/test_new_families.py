"""fastText (trained here, and a hand-made .bin / .vec pair) and the pooled linear probe of
stored token features (against scikit-learn computed by hand on the same features)."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from gensim.models import FastText
from gensim.models.fasttext import save_facebook_model
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from conftest import make_params
from embedding_bench import experiment, fasttext_vectors, linear_probe, metrics, ngram_table
from embedding_bench.compare.runs import config_id
from embedding_bench.errors import UserError
from embedding_bench.rules import decide
from embedding_bench.schema import Params
from embedding_bench.static_embeddings import write_features
from embedding_bench.training import predict
from embedding_bench.vocab import SPECIALS, TokenIds, build_vocab

TRAIN = [["so", "happy", "today"], ["very", "sad", "news"], ["happy", "news", "today"],
         ["sad", "and", "angry"]] * 5
TABLES = {"train": pd.DataFrame({"tokens": TRAIN}),
          "val": pd.DataFrame({"tokens": [["happyy", "today"]]}),
          "test": pd.DataFrame({"tokens": [["sooo", "saad", "news"], ["happy", "x"]]})}


@pytest.fixture(scope="module")
def trained():
    p = make_params(embedding="fasttext", word2vec__vector_size=8, word2vec__epochs=3,
                    fasttext__bucket=500)
    return p, fasttext_vectors.train(TRAIN, p.word2vec, p.fasttext, seed=1)


def test_trained_fasttext_gives_every_test_token_a_vector_from_training_ngrams(trained):
    p, vectors = trained
    vocab, matrix, origin = fasttext_vectors.vocabulary(build_vocab(TRAIN), TABLES, vectors, seed=1)
    train_words = len(build_vocab(TRAIN))
    # the words of val and test that training lacks follow the training vocabulary, in order met
    assert vocab[train_words:] == ["sooo", "saad", "x", "happyy"]
    assert origin[:len(SPECIALS)] == [None, None]
    assert set(origin[len(SPECIALS):train_words]) == {"exact"} and set(origin[train_words:]) == {"ngrams"}
    for i, word in enumerate(vocab[len(SPECIALS):], start=len(SPECIALS)):  # gensim's own vectors
        np.testing.assert_array_equal(matrix[i], vectors.get_vector(word))
    rates = fasttext_vectors.token_origins(TABLES["test"]["tokens"], vocab, origin)
    assert rates == {"exact_vector_token_rate": 0.4, "ngram_vector_token_rate": 0.6}  # 2 of 5 exact


def test_fasttext_is_reproducible(trained):
    p, vectors = trained
    again = fasttext_vectors.train(TRAIN, p.word2vec, p.fasttext, seed=1)
    np.testing.assert_array_equal(again.vectors_ngrams, vectors.vectors_ngrams)
    np.testing.assert_array_equal(again.get_vector("saad"), vectors.get_vector("saad"))


def test_a_hand_made_bin_and_vec_pair_loads_without_pickle(tmp_path, capsys):
    model = FastText(vector_size=6, min_count=1, epochs=2, bucket=300, seed=3, workers=1)
    model.build_vocab(TRAIN)
    model.train(TRAIN, total_examples=len(TRAIN), epochs=2)
    save_facebook_model(model, str(tmp_path / "tiny.bin"))
    model.wv.save_word2vec_format(str(tmp_path / "tiny.vec"))
    binary = fasttext_vectors.load(str(tmp_path / "tiny.bin"))
    assert ngram_table.has_ngrams(binary) and binary.bucket == 300
    np.testing.assert_allclose(binary.get_vector("happy"), model.wv.get_vector("happy"), rtol=1e-6)
    np.testing.assert_allclose(binary.get_vector("sadd"), model.wv.get_vector("sadd"), rtol=1e-5)
    assert ngram_table.vector(binary, "sadd")[1] == "ngrams"
    kept = tmp_path / "features"  # a pretrained table is kept whole
    write_features(kept, ["<pad>", "<unk>"], np.zeros((2, 6)), more=ngram_table.table_files(binary, [None, None]))
    assert not (kept / ngram_table.ROWS).exists()
    np.testing.assert_array_equal(ngram_table.stored(kept).vectors_ngrams, binary.vectors_ngrams)
    text = fasttext_vectors.load(str(tmp_path / "tiny.vec"))
    assert "without n-grams" in capsys.readouterr().err
    assert not ngram_table.has_ngrams(text) and ngram_table.vector(text, "sadd") == (None, None)
    np.testing.assert_allclose(text.get_vector("happy"), model.wv.get_vector("happy"), rtol=1e-5)
    # a .vec has no n-grams: the splits' unseen words get no row of their own
    vocab, _, origin = fasttext_vectors.vocabulary(build_vocab(TRAIN), TABLES, text, seed=1)
    assert vocab == build_vocab(TRAIN) and None not in origin[len(SPECIALS):]


def test_a_broken_or_missing_fasttext_file_is_one_clear_error(tmp_path):
    broken = tmp_path / "cut.bin"
    broken.write_bytes((793712314).to_bytes(4, "little") + b"\x0c\x00")
    with pytest.raises(UserError, match="cut.bin: starts like a fastText .bin but cannot be read"):
        fasttext_vectors.load(str(broken))
    with pytest.raises(UserError, match="fasttext.source 'nowhere.bin': no such file"):
        fasttext_vectors.load("nowhere.bin")


@pytest.mark.parametrize("mode", ["static", "non_static", "multichannel", "rand"])
def test_every_kim_mode_runs_over_fasttext_and_a_probe_word_gets_its_ngram_vector(trained, tmp_path, mode):
    p, vectors = trained
    vocab, matrix, origin = fasttext_vectors.vocabulary(build_vocab(TRAIN), TABLES, vectors, seed=1)
    write_features(tmp_path, vocab, matrix, more=ngram_table.table_files(vectors, origin, seed=1))
    dirs = {"features": str(tmp_path), "contextual": str(tmp_path)}
    p = make_params(embedding="fasttext", cnn__mode=mode, cnn__filter_widths=[1, 2], cnn__filters=4)
    torch.manual_seed(0)
    model, config = experiment.new_model(p, ["joy", "sadness"], dirs)
    kind = experiment.kind(config)
    assert config["kind"] == "ngrams" and kind.known(config, dirs)[0]("happy")
    assert not kind.known(config, dirs)[0]("saad")  # a vector from n-grams, not an exact one
    texts = pd.DataFrame({"tokens": [["hapy", "news"], ["happy", "news"]]})
    probs = kind.predict_texts(model, config, texts, dirs, "cpu")
    # by hand: the typo's row is the n-gram table's vector, as gensim builds it
    table = ngram_table.stored(tmp_path)  # the rows training moved, the rest made from the seed
    assert len(np.load(tmp_path / ngram_table.ROWS)) < vectors.bucket
    np.testing.assert_array_equal(table.vectors_ngrams, vectors.vectors_ngrams)
    np.testing.assert_array_equal(table.get_vector("hapy"), vectors.get_vector("hapy"))
    expected = experiment.kind(config).rebuild(config)
    expected.load_state_dict(model.state_dict())
    expected.add_rows(vectors.get_vector("hapy")[None])
    hand = predict(expected.eval(), TokenIds(texts["tokens"], vocab + ["hapy"], config["max_len"], 2))
    np.testing.assert_allclose(probs, hand, rtol=1e-6)
    assert model.embedding.num_embeddings == len(vocab)  # the model itself keeps its rows


def pooled_store(folder, lengths, width, seed):
    """Stored token features as the features stage writes them (float16 rows, offsets)."""
    rng = np.random.default_rng(seed)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    np.save(folder.with_suffix(".npy"), rng.normal(size=(offsets[-1], width)).astype(np.float16))
    np.save(f"{folder}.offsets.npy", offsets)


@pytest.mark.filterwarnings("ignore:Label 2 is present in all training examples")  # the by-hand fit's
def test_pooled_probe_matches_scikit_learn_on_the_stored_features(tmp_path):
    labels = ["joy", "sadness", "always"]
    rng = np.random.default_rng(0)
    sizes = {"train": 60, "val": 20, "test": 30}
    y = {name: np.column_stack([rng.integers(0, 2, n), rng.integers(0, 2, n), np.ones(n)]).astype(np.float32)
         for name, n in sizes.items()}
    lengths = {name: rng.integers(3, 9, n) for name, n in sizes.items()}
    for i, name in enumerate(sizes):
        pooled_store(tmp_path / name, lengths[name], 16, i)
    p = make_params(embedding="bert", bert__head="logreg")
    assert p.kind == "pooled" and p.mode == "pooled"
    dirs = {"features": str(tmp_path), "contextual": str(tmp_path)}
    model, config = experiment.new_model(p, labels, dirs)
    assert config["normalize"] and config["sentence_transformer"]  # the packaged MiniLM's modules.json
    kind = experiment.kind(config)
    data = {name: (kind.inputs(config, None, name, dirs), y[name]) for name in sizes}
    logged = []
    summary = kind.fit(model, data, p, lambda *a: logged.append(a))
    assert summary["epochs_run"] == 1 and summary["unconverged_labels"] == 0 and len(logged) == 1

    def by_hand(name):  # each text's rows, averaged, L2-normalized (MiniLM's Normalize module)
        flat = np.load(tmp_path / f"{name}.npy").astype(np.float64)
        offsets = np.load(tmp_path / f"{name}.offsets.npy")
        x = np.stack([flat[a:b].mean(axis=0) for a, b in zip(offsets[:-1], offsets[1:])])
        return x / np.linalg.norm(x, axis=1, keepdims=True)
    clf = OneVsRestClassifier(LogisticRegression(max_iter=linear_probe.MAX_ITER)).fit(by_hand("train"), y["train"])
    probs = predict(model, data["test"][0])
    np.testing.assert_allclose(probs, clf.predict_proba(by_hand("test")), atol=1e-6)
    for threshold in (0.3, 0.5):  # and so the metrics under a decision rule
        ours = metrics.summary(y["test"], decide(probs, np.full(3, threshold), False))
        theirs = metrics.summary(y["test"], clf.predict_proba(by_hand("test")) >= threshold)
        assert ours == theirs
    assert (probs[:, 2] == 1).all()  # a label on every training text: p = 1, as scikit-learn has it
    # saved and rebuilt like every model: the same probabilities
    experiment.save(model, tmp_path / "model", config)
    loaded, _ = experiment.load(tmp_path / "model")
    np.testing.assert_array_equal(predict(loaded, data["test"][0]), probs)


def test_a_plain_transformers_model_is_not_normalized(tmp_path):
    assert not linear_probe.normalizes(tmp_path) and not linear_probe.is_sentence_transformer(tmp_path)
    (tmp_path / "modules.json").write_text(json.dumps([{"type": "sentence_transformers.models.Pooling"}]))
    assert not linear_probe.normalizes(tmp_path) and linear_probe.is_sentence_transformer(tmp_path)


@pytest.mark.parametrize("edit, message", [
    ({"fasttext__min_n": 5, "fasttext__max_n": 3}, "min_n 5 is above max_n 3"),
    ({"embedding": "bert", "bert__head": "logreg", "bert__finetune": True}, "linear probe of frozen"),
    ({"embedding": "fasttext", "word2vec__init": "glove"}, "fastText trains its n-grams from scratch"),
    ({"embedding": "bert", "bert__head": "label_tokens"}, "apply to fine-tuning only"),
])
def test_fasttext_and_probe_params_that_cannot_apply_are_refused(edit, message):
    with pytest.raises(UserError, match=message):
        make_params(**edit)


def test_runs_made_before_the_fasttext_section_keep_their_configuration():
    params = make_params().model_dump()
    before = {k: v for k, v in params.items() if k != "fasttext"}
    assert config_id(params, "cnn") == config_id(before, "cnn")  # word2vec: not read
    fast = {**params, "embedding": "fasttext"}
    assert config_id(fast, "cnn") != config_id({**fast, "fasttext": {**params["fasttext"], "min_n": 2}}, "cnn")
    assert isinstance(make_params(embedding="fasttext"), Params)


def test_a_fasttext_file_is_fingerprinted_so_editing_it_reruns_embed(tmp_path):
    from embedding_bench import sources

    assert sources.fasttext(make_params().fasttext) == {"param": "fasttext.source", "value": "train"}
    vectors = tmp_path / "cc.tiny.vec"
    vectors.write_text("1 2\nhappy 0.1 0.2\n")
    found = sources.fasttext(make_params(fasttext__source=str(vectors)).fasttext)
    assert found["sha256"] == sources.sha256_of(vectors)
    vectors.write_text("1 2\nhappy 0.1 0.3\n")
    assert sources.fasttext(make_params(fasttext__source=str(vectors)).fasttext)["sha256"] != found["sha256"]
    with pytest.raises(UserError, match="fasttext.source .*: no such file"):
        sources.fasttext(make_params(fasttext__source=str(tmp_path / "gone.bin")).fasttext)
