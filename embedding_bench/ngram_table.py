"""fastText's vectors as an experiment's features keep them (data/features/): where each
vocabulary row's vector came from (origin.json: exact, built from n-grams, or none), and the
n-gram table with its settings (ngrams.json) where the vectors have one, so any word's vector can
be built later, as fastText builds it at inference.

A table trained here keeps only the rows training moved (ngram_rows.npy, ngrams.npy): every other
row is still gensim's seeded initial value, made again from its seed when the table is read. With
fastText's 2,000,000 buckets the whole table is 800 MB at 100 dims; the rows that SemEval E-c's
training tweets move, about 40 MB. A pretrained .bin's table is kept whole."""

import json
from pathlib import Path
from typing import Any, Optional

import numpy as np
from gensim.models.fasttext import FastTextKeyedVectors, ft_ngram_hashes
from gensim.models.keyedvectors import prep_vectors

NGRAMS, ROWS, SETTINGS, ORIGIN = "ngrams.npy", "ngram_rows.npy", "ngrams.json", "origin.json"
EXACT, FROM_NGRAMS = "exact", "ngrams"  # where a vocabulary word's vector came from


def has_ngrams(vectors: Any) -> bool:
    return isinstance(vectors, FastTextKeyedVectors) and vectors.bucket > 0


def vector(vectors: Any, word: str) -> tuple[Optional[np.ndarray], Optional[str]]:
    """(vector, EXACT or FROM_NGRAMS), or (None, None) for a word the vectors cannot give.
    A word of which no n-gram can be cut gets none (gensim would give the zero vector)."""
    if word in vectors.key_to_index:
        return vectors.get_vector(word), EXACT
    if has_ngrams(vectors) and ft_ngram_hashes(word, vectors.min_n, vectors.max_n, vectors.bucket):
        return vectors.get_vector(word), FROM_NGRAMS
    return None, None


def initial_table(bucket: int, dim: int, seed: int) -> np.ndarray:
    """The n-gram table gensim's FastText(seed=seed) starts from (its resize_vectors)."""
    return prep_vectors((bucket, dim), seed=seed + 1)


def table_files(vectors: Any, origin: list[Optional[str]], seed: Optional[int] = None) -> dict:
    """The features' files beyond vocab.txt and vectors.npy: each row's origin, and the n-gram
    table with its settings where the vectors have one: for a table trained here with `seed`, the
    rows that differ from its initial value."""
    files = {ORIGIN: lambda path: path.write_text(json.dumps(origin) + "\n")}
    if has_ngrams(vectors):
        table = np.asarray(vectors.vectors_ngrams, np.float32)
        settings = {"min_n": vectors.min_n, "max_n": vectors.max_n, "bucket": vectors.bucket,
                    "dim": table.shape[1], "seed": seed}
        if seed is not None:
            rows = np.flatnonzero((table != initial_table(*table.shape, seed)).any(axis=1))
            table = table[rows]
            files[ROWS] = lambda path: np.save(path, rows)
        files[NGRAMS] = lambda path: np.save(path, table)
        files[SETTINGS] = lambda path: path.write_text(json.dumps(settings) + "\n")
    return files


def stored(folder: Path) -> Optional[FastTextKeyedVectors]:
    """The n-gram table of an experiment's features (data/features/), None where it has none:
    get_vector() of it builds any word's vector from its n-grams."""
    settings = Path(folder, SETTINGS)
    if not settings.exists():
        return None
    s = json.loads(settings.read_text())
    table = np.load(Path(folder, NGRAMS), allow_pickle=False)
    if s["seed"] is not None:
        full = initial_table(s["bucket"], s["dim"], s["seed"])
        full[np.load(Path(folder, ROWS), allow_pickle=False)] = table
        table = full
    kv = FastTextKeyedVectors(s["dim"], s["min_n"], s["max_n"], s["bucket"])
    kv.vectors_ngrams = table
    return kv


def origins(folder: Path) -> list[Optional[str]]:
    return json.loads(Path(folder, ORIGIN).read_text())
