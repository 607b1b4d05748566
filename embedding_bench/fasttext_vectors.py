"""fastText (Bojanowski et al. 2017): static word vectors built from character n-grams, so a word
gets a vector even when it was never seen whole (a misspelling, an elongation, a hashtag).

`fasttext.source: train` trains gensim's FastText on the training split (plus
word2vec.extra_files) with word2vec's settings and fastText's n-gram sizes. A file is a fastText
`.bin` (word vectors and the n-gram table, read by gensim's Facebook loader, which parses the
format and unpickles nothing) or a `.vec` (word vectors only, read like GloVe text).

A word without an exact vector gets the mean of its n-grams' vectors, as fastText computes it
at inference (gensim's FastTextKeyedVectors.get_vector). The n-gram vectors come from the
training split (or the file) alone: building a test word's vector reads its letters, never its
label. The features keep the n-gram table (ngram_table.py), so the vectors of words a probe
creates later (typos) are built the same way.
"""

import struct
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
from gensim.models import FastText
from gensim.models.fasttext import FastTextKeyedVectors, load_facebook_vectors

from embedding_bench import vector_files
from embedding_bench.errors import UserError, warn
from embedding_bench.ngram_table import EXACT, FROM_NGRAMS, has_ngrams, table_files, vector
from embedding_bench.schema import Params
from embedding_bench.sections import FastText as FastTextParams
from embedding_bench.sections import Word2Vec as Word2VecParams
from embedding_bench.static_embeddings import random_matrix
from embedding_bench.vocab import SPECIALS

TRAIN = "train"


def train(token_lists: Sequence[list[str]], w2v: Word2VecParams, ft: FastTextParams,
          seed: int) -> FastTextKeyedVectors:
    """gensim FastText on the given sentences; one worker thread, so the result is reproducible."""
    sentences = [tokens for tokens in token_lists if tokens]
    model = FastText(vector_size=w2v.vector_size, window=w2v.window, min_count=w2v.min_count,
                     sg=w2v.sg, negative=w2v.negative, epochs=w2v.epochs, min_n=ft.min_n,
                     max_n=ft.max_n, bucket=ft.bucket, seed=seed, workers=1)
    model.build_vocab(sentences)
    if not model.wv.key_to_index:
        raise UserError(f"params.yaml: word2vec.min_count is {w2v.min_count}: no word occurs that "
                        f"often in the {len(sentences)} training texts, so fastText has nothing to "
                        f"learn; lower it")
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv


def load(source: str) -> Any:
    """Pretrained vectors from fasttext.source: a .bin model's (FastTextKeyedVectors, with
    n-grams) or a .vec file's (gensim KeyedVectors, words only)."""
    path = Path(source)
    if not path.is_file():
        raise UserError(f"params.yaml: fasttext.source {source!r}: no such file ({path.resolve()}); "
                        f"name a fastText .bin or .vec file, or write `train`")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != vector_files.FASTTEXT_MAGIC:
        kv = vector_files.load_file(path, "auto")
        warn(f"{path}: word vectors without n-grams (a .vec, not a .bin): words it lacks get no "
             f"vector, as with GloVe; name the .bin for fastText's subword vectors")
        return kv
    try:
        return load_facebook_vectors(str(path))
    except (ValueError, EOFError, struct.error, UnicodeDecodeError, NotImplementedError, AssertionError) as e:
        raise UserError(f"{path}: starts like a fastText .bin but cannot be read ({type(e).__name__}: "
                        f"{e}); download it again, or give its .vec file") from None


def vocabulary(vocab: list[str], tables: dict, vectors: Any, seed: int
               ) -> tuple[list[str], np.ndarray, list[Optional[str]]]:
    """(vocabulary, matrix, origin of each row): the training vocabulary, and where the vectors
    have n-grams, the words of the other splits that training lacks (their vectors from n-grams,
    in the order first met). Rows without a vector get Kim's random init, as for the other embeddings."""
    vocab = list(vocab)
    if has_ngrams(vectors):  # a training word left out (vocab.min_count) stays <unk> everywhere
        known = set(vocab) | {t for tokens in tables["train"]["tokens"] for t in tokens}
        for name in sorted(n for n in tables if n != "train"):
            for token in (t for tokens in tables[name]["tokens"] for t in tokens):
                if token not in known:
                    known.add(token)
                    vocab.append(token)
    matrix = random_matrix(len(vocab), vectors.vector_size, seed)
    origin: list[Optional[str]] = [None] * len(SPECIALS)
    for i, word in enumerate(vocab[len(SPECIALS):], start=len(SPECIALS)):
        row, where = vector(vectors, word)
        if row is not None:
            matrix[i] = row
        origin.append(where)
    return vocab, matrix, origin


def features(p: Params, tables: dict, vocab: list[str], extra: Sequence[list[str]]
             ) -> tuple[list[str], np.ndarray, list[Optional[str]], dict]:
    """The embed stage's fastText: (vocabulary, matrix, each row's origin, the files beyond
    vocab.txt and vectors.npy), trained on the training texts plus `extra`, or from the file."""
    trained = p.fasttext.source == TRAIN
    if trained:
        vectors = train(tables["train"]["tokens"].tolist() + list(extra), p.word2vec, p.fasttext, p.seed)
    else:
        vectors = load(p.fasttext.source)
    vocab, matrix, origin = vocabulary(vocab, tables, vectors, p.seed)
    return vocab, matrix, origin, table_files(vectors, origin, p.seed if trained else None)


def token_origins(token_lists: Sequence[list[str]], vocab: list[str], origin: list[Optional[str]]
                  ) -> dict[str, float]:
    """Shares of a split's tokens whose vector is exact, built from n-grams, or missing (<unk>,
    or a vocabulary word the vectors cannot give)."""
    where = dict(zip(vocab, origin))
    tokens = [where.get(t) for toks in token_lists for t in toks]
    n = max(len(tokens), 1)
    return {"exact_vector_token_rate": round(tokens.count(EXACT) / n, 4),
            "ngram_vector_token_rate": round(tokens.count(FROM_NGRAMS) / n, 4)}
