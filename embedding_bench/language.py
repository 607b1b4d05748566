"""The language of a dataset's texts, told offline by py3langid (a naive Bayes model over byte
n-grams, read from an npz file: no pickle), and what depends on it: the packaged GloVe 6B and
MiniLM, the negation probe and slice, and `full`'s stop words and stemmer are English."""

from collections import Counter
from typing import Sequence

# What the answer marks not applicable, or warns about, when the texts are not English
ENGLISH_ONLY = {
    "models": "the packaged GloVe 6B 50d and all-MiniLM-L6-v2 were trained on English",
    "negation": "the negation probe and slice know English negations only",
    "full": "`full`'s stop words (scikit-learn's list) and stemmer (Porter) are English",
}
ENGLISH_SHARE = 0.5  # at least this share of texts identified as English: the English parts apply


def languages(texts: Sequence[str], limit: int = 1000) -> dict:
    """{"texts": how many were identified, "shares": {language: share}, best first (ISO 639-1),
    "english": the share identified as English}; the first `limit` texts (long enough for an
    estimate, quick)."""
    import py3langid

    sample = [t for t in texts[:limit] if t.strip()]
    counts = Counter(py3langid.classify(t)[0] for t in sample)
    shares = {lang: n / max(len(sample), 1) for lang, n in counts.most_common()}
    return {"texts": len(sample), "shares": shares, "english": shares.get("en", 0.0)}


def is_english(found: dict) -> bool:
    return found["english"] >= ENGLISH_SHARE
