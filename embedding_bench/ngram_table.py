"""fastText's vectors as an experiment's features keep them (data/features/): where each
vocabulary row's vector came from (origin.json: exact, built from n-grams, or none), and the
n-gram table with its settings (ngrams.npy, ngrams.json) where the vectors have one, so any
word's vector can be built later, as fastText builds it at inference."""

import json
from pathlib import Path
from typing import Any, Optional

import numpy as np
from gensim.models.fasttext import FastTextKeyedVectors, ft_ngram_hashes

NGRAMS, SETTINGS, ORIGIN = "ngrams.npy", "ngrams.json", "origin.json"
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


def table_files(vectors: Any, origin: list[Optional[str]]) -> dict:
    """The features' files beyond vocab.txt and vectors.npy: each row's origin, and the n-gram
    table with its settings where the vectors have one."""
    files = {ORIGIN: lambda path: path.write_text(json.dumps(origin) + "\n")}
    if has_ngrams(vectors):
        settings = {"min_n": vectors.min_n, "max_n": vectors.max_n, "bucket": vectors.bucket}
        files[NGRAMS] = lambda path: np.save(path, np.asarray(vectors.vectors_ngrams, np.float32))
        files[SETTINGS] = lambda path: path.write_text(json.dumps(settings) + "\n")
    return files


def stored(folder: Path) -> Optional[FastTextKeyedVectors]:
    """The n-gram table of an experiment's features (data/features/), None where it has none:
    get_vector() of it builds any word's vector from its n-grams."""
    settings = Path(folder, SETTINGS)
    if not settings.exists():
        return None
    s = json.loads(settings.read_text())
    ngrams = np.load(Path(folder, NGRAMS), allow_pickle=False)
    kv = FastTextKeyedVectors(ngrams.shape[1], s["min_n"], s["max_n"], s["bucket"])
    kv.vectors_ngrams = ngrams
    return kv


def origins(folder: Path) -> list[Optional[str]]:
    return json.loads(Path(folder, ORIGIN).read_text())
