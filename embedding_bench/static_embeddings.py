"""Static word embeddings: the experiment's vocabulary and its vector matrix.

Row i is the vector of vocab word i (vocab.py): row 0 padding (zeros), row 1 the unknown token. Words without a trained vector are drawn
uniformly from [-0.25, 0.25], as Kim (2014) did, from a seeded generator.
"""

from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from embedding_bench import fileio, sources, vector_files
from embedding_bench.errors import UserError
from embedding_bench.file_readers import read_file
from embedding_bench.schema import Params
from embedding_bench.sections import Word2Vec as Word2VecParams
from embedding_bench.text import Preprocessor

INIT_RANGE = 0.25


def random_matrix(n_words: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-INIT_RANGE, INIT_RANGE, size=(n_words, dim)).astype(np.float32)
    matrix[0] = 0.0
    return matrix


def lookup(vectors: Any, word: str) -> Optional[np.ndarray]:
    """A word's vector, or None; tries the lowercase form too, for uncased vectors (GloVe 6B)."""
    for form in (word, word.lower()):
        if form in vectors.key_to_index:
            return vectors[form]
    return None


def train_word2vec(token_lists: Sequence[list[str]], cfg: Word2VecParams, seed: int,
                   init: Any = None) -> KeyedVectors:
    """gensim Word2Vec on the given sentences; one worker thread, so the result is reproducible.
    With `init` (pretrained vectors of the same size), known words start from those vectors."""
    sentences = [tokens for tokens in token_lists if tokens]
    model = Word2Vec(vector_size=cfg.vector_size, window=cfg.window, min_count=cfg.min_count,
                     sg=cfg.sg, negative=cfg.negative, epochs=cfg.epochs, seed=seed, workers=1)
    model.build_vocab(sentences)
    if not model.wv.key_to_index:  # gensim: "you must first build vocabulary" from train()
        raise UserError(f"params.yaml: word2vec.min_count is {cfg.min_count}: no word occurs that "
                        f"often in the {len(sentences)} training texts, so word2vec has nothing to "
                        f"learn; lower it")
    if init is not None:
        for word, i in model.wv.key_to_index.items():
            vector = lookup(init, word)
            if vector is not None:
                model.wv.vectors[i] = vector
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv


def matrix_from(vectors: Any, vocab: list[str], seed: int) -> tuple[np.ndarray, int]:
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


def extra_sentences(p: Params) -> list[list[str]]:
    """word2vec.extra_files (unlabeled text, read like the dataset), preprocessed like it."""
    prep, column = Preprocessor(p.variant), p.ingest.text_column
    sentences = []
    for name in p.word2vec.extra_files:
        df = read_file(sources.resolve(p.ingest.path, name), p.ingest)
        if column not in df:
            raise UserError(f"{name}: no text column {column!r} (word2vec.extra_files are read "
                            f"with the ingest settings)")
        sentences += [prep.tokens(t) for t in df[column].astype(str)]
    return sentences


def extra_in_splits(extra: Sequence[list[str]], tables: dict) -> dict[str, int]:
    """How many val/test texts occur among the extra texts (as preprocessed tokens): word2vec
    then learns from the very texts it is tested on, which flatters the test figures."""
    known = {" ".join(tokens) for tokens in extra}
    return {name: int(tables[name]["tokens"].map(" ".join).isin(known).sum())
            for name in ("val", "test") if name in tables}


def word_vectors(p: Params, train_tokens: list[list[str]], vocab: list[str], downloads: Path,
                 extra: Sequence[list[str]] = ()) -> tuple[np.ndarray, Any, Optional[KeyedVectors]]:
    """(matrix for vocab, the vectors' own vocabulary as a set, trained KeyedVectors or None);
    word2vec trains on the training texts plus `extra` (extra_sentences)."""
    embedding, seed = p.embedding, p.seed
    if embedding == "random":
        return random_matrix(len(vocab), p.random.dim, seed), set(vocab[2:]), None
    if embedding == "glove":
        vectors = vector_files.load(p.glove, downloads)
        matrix, _ = matrix_from(vectors, vocab, seed)
        return matrix, vectors, None
    cfg = p.word2vec
    init = vector_files.load(p.glove, downloads) if cfg.init == "glove" else None
    if init is not None and init.vector_size != cfg.vector_size:
        raise UserError(f"params.yaml: word2vec.init: glove needs word2vec.vector_size "
                        f"{init.vector_size} (the pretrained vectors' size), not {cfg.vector_size}")
    wv = train_word2vec(train_tokens + list(extra), cfg, seed, init)
    return matrix_from(wv, vocab, seed)[0], set(wv.key_to_index), wv


def write_features(out: Path, vocab: list[str], matrix: np.ndarray,
                   keyed_vectors: Optional[KeyedVectors] = None, more: Optional[dict] = None) -> None:
    """data/features/: vocab.txt and vectors.npy, and for word2vec the trained vectors themselves
    in word2vec text format (portable, not pickle); `more`: {file name: writer(path)}."""
    files = {"vocab.txt": lambda path: path.write_text("\n".join(vocab) + "\n", encoding="utf-8"),
             "vectors.npy": lambda path: np.save(path, matrix), **(more or {})}
    if keyed_vectors is not None:
        files["word2vec.txt"] = lambda path: keyed_vectors.save_word2vec_format(str(path))
    fileio.write_folder(out, files)
