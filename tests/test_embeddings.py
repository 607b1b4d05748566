import numpy as np
import pandas as pd
from gensim.models import KeyedVectors

from conftest import make_params
from embedding_bench.static_embeddings import matrix_from, random_matrix, train_word2vec
from embedding_bench.vocab import build_vocab, oov_rates

SENTENCES = [["i", "am", "happy"], ["i", "am", "not", "happy"], ["so", "sad"]] * 20
W2V = make_params(word2vec__vector_size=16, word2vec__window=3, word2vec__min_count=1, word2vec__sg=1,
                  word2vec__negative=5, word2vec__epochs=5).word2vec


def test_vocab_order_and_min_count():
    vocab = build_vocab([["b", "a", "b"], ["c", "a", "b"]], min_count=2)
    assert vocab == ["<pad>", "<unk>", "b", "a"]


def test_random_matrix_is_kim_init_with_zero_padding():
    m = random_matrix(50, 10, seed=3)
    assert m.dtype == np.float32 and np.all(m[0] == 0)
    assert m[1:].min() >= -0.25 and m[1:].max() <= 0.25
    assert np.array_equal(m, random_matrix(50, 10, seed=3))


def test_word2vec_reproducible_and_saved_without_pickle(tmp_path):
    a, b = train_word2vec(SENTENCES, W2V, seed=1), train_word2vec(SENTENCES, W2V, seed=1)
    assert np.array_equal(a.vectors, b.vectors)
    a.save_word2vec_format(str(tmp_path / "w.txt"))
    loaded = KeyedVectors.load_word2vec_format(str(tmp_path / "w.txt"))
    assert np.allclose(loaded["happy"], a["happy"], atol=1e-5)
    vocab = build_vocab(SENTENCES) + ["unseen"]
    matrix, found = matrix_from(a, vocab, seed=0)
    assert found == len(vocab) - 3  # all but <pad>, <unk> and "unseen"
    assert np.allclose(matrix[vocab.index("sad")], a["sad"])
    assert np.abs(matrix[-1]).max() <= 0.25


def test_oov_rates():
    rates = oov_rates([["a", "b", "b"], ["c"]], known={"b"})
    assert rates == {"oov_token_rate": 0.5, "oov_type_rate": round(2 / 3, 4)}


def test_word2vec_extra_files_are_read_and_preprocessed_like_the_dataset(tmp_path):
    from embedding_bench.static_embeddings import extra_sentences

    (tmp_path / "unlabeled.tsv").write_text('ID\tTweet\n1\tSoooo #Happy "today"\n2\t@bob hi\n')
    p = make_params(preprocessing="light",
                    preprocess__variants__light={"hashtags": "word", "lowercase": True,
                                                 "elongation": "shorten", "mentions": "placeholder"},
                    ingest__path=str(tmp_path), ingest__quoting="none", ingest__text_column="Tweet",
                    word2vec__extra_files=["unlabeled.tsv"])
    assert extra_sentences(p) == [["soo", "happy", '"', "today", '"'], ["<user>", "hi"]]
    from embedding_bench.static_embeddings import extra_in_splits

    tables = {"train": pd.DataFrame({"tokens": [["x"]]}),
              "val": pd.DataFrame({"tokens": [["<user>", "hi"], ["other"]]}),
              "test": pd.DataFrame({"tokens": [["soo", "happy", '"', "today", '"'], ["<user>", "hi"], ["new"]]})}
    assert extra_in_splits(extra_sentences(p), tables) == {"val": 1, "test": 2}  # leakage, counted
