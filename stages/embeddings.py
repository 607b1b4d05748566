"""Static word embeddings: the experiment's vocabulary and its vector matrix.

Row 0 is padding (zeros), row 1 the unknown token. Words without a trained vector are drawn
uniformly from [-0.25, 0.25], as Kim (2014) did, from a seeded generator.
"""

from collections import Counter

import numpy as np
from gensim.models import Word2Vec

PAD, UNK = "<pad>", "<unk>"
INIT_RANGE = 0.25


def build_vocab(token_lists, min_count=1):
    """Training-split words seen at least `min_count` times, most frequent first (ties by word)."""
    counts = Counter(t for tokens in token_lists for t in tokens)
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return [PAD, UNK] + words


def random_matrix(n_words, dim, seed):
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-INIT_RANGE, INIT_RANGE, size=(n_words, dim)).astype(np.float32)
    matrix[0] = 0.0
    return matrix


def lookup(vectors, word):
    """A word's vector, or None; tries the lowercase form too, for uncased vectors (GloVe 6B)."""
    for form in (word, word.lower()):
        if form in vectors.key_to_index:
            return vectors[form]
    return None


def train_word2vec(token_lists, cfg, seed, init=None):
    """gensim Word2Vec on the given sentences; one worker thread, so the result is reproducible.
    With `init` (pretrained vectors of the same size), known words start from those vectors."""
    sentences = [tokens for tokens in token_lists if tokens]
    model = Word2Vec(vector_size=cfg["vector_size"], window=cfg["window"], min_count=cfg["min_count"],
                     sg=cfg["sg"], negative=cfg["negative"], epochs=cfg["epochs"], seed=seed,
                     workers=1)
    model.build_vocab(sentences)
    if init is not None:
        for word, i in model.wv.key_to_index.items():
            vector = lookup(init, word)
            if vector is not None:
                model.wv.vectors[i] = vector
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv


def matrix_from(vectors, vocab, seed):
    """Rows of `vocab` from word vectors (gensim KeyedVectors or alike); words they lack get
    Kim's random init. Returns (matrix, number of vocabulary words found)."""
    matrix = random_matrix(len(vocab), vectors.vector_size, seed)
    found = 0
    for i, word in enumerate(vocab[2:], start=2):
        vector = lookup(vectors, word)
        if vector is not None:
            matrix[i] = vector
            found += 1
    return matrix, found


def oov_rates(token_lists, known):
    """Share of tokens, and of distinct words, not in `known` (a set of words)."""
    tokens = [t for toks in token_lists for t in toks]
    types = set(tokens)
    return {"oov_token_rate": round(sum(t not in known for t in tokens) / max(len(tokens), 1), 4),
            "oov_type_rate": round(sum(t not in known for t in types) / max(len(types), 1), 4)}
