"""The "why": behavioural probes (CheckList-style perturbations of the test texts) and slices.

A perturbation rewrites a raw test text (before the experiment's own preprocessing) the way a
tweet can differ from another that means the same, or the opposite: negation flipped, emoji
removed or named, hashtags split, mentions and URLs removed, typos, lower case, and the `full`
pipeline's losses (stop words gone, words stemmed). The trained model predicts on the
perturbed set; for each perturbation the probe stage reports how many texts it changed, the
share of texts whose predicted label set flips, the mean absolute change of each label's
probability, and the test metrics on the perturbed set under the same decision rule.

Slices are test texts picked by what they contain (a negation, emoji, a hashtag, a word the
embedding does not know, long or short), each with its size and its test metrics.

Everything is deterministic: typos follow `probe.seed` and the text's position.
"""

import random
import re
import tempfile
from pathlib import Path

import emoji
import numpy as np
from nltk.stem import PorterStemmer
from nltk.tokenize import TweetTokenizer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from embedding_bench import contextual, experiment, metrics
from embedding_bench.text import (CAMEL, CONTENT_SLICES, HASHTAG, MENTION, TYPOGRAPHIC, URL,
                                  Preprocessor, content_slices)
from embedding_bench.training import predict

AUXILIARIES = ("am|is|are|was|were|do|does|did|can|could|will|would|should|must|have|has|had|"
               "might|may")
NEGATED = {"don't": "do", "doesn't": "does", "didn't": "did", "can't": "can", "cannot": "can",
           "won't": "will", "isn't": "is", "aren't": "are", "wasn't": "was", "weren't": "were",
           "haven't": "have", "hasn't": "has", "hadn't": "had", "couldn't": "could",
           "wouldn't": "would", "shouldn't": "should", "mustn't": "must", "ain't": "am"}
NEGATED_RE = re.compile(r"\b(" + "|".join(map(re.escape, NEGATED)) + r")\b", re.IGNORECASE)
NOT_RE = re.compile(r"\s*\bnot\b", re.IGNORECASE)
AUX_RE = re.compile(rf"\b({AUXILIARIES}|i'm|you're|we're|they're|he's|she's|it's)\b", re.IGNORECASE)


def _keep_case(word, replacement):
    return replacement.capitalize() if word[:1].isupper() else replacement


def negate(text):
    """Remove the first negation ("don't" -> "do", "is not" -> "is"), or where there is none,
    negate the first auxiliary ("is" -> "is not", "I'm" -> "I'm not"). Unchanged if neither."""
    text = text.translate(TYPOGRAPHIC)
    match = NEGATED_RE.search(text)
    not_match = NOT_RE.search(text)
    if match and (not not_match or match.start() < not_match.start()):
        word = match.group(0)
        return text[:match.start()] + _keep_case(word, NEGATED[word.lower()]) + text[match.end():]
    if not_match:
        return (text[:not_match.start()] + text[not_match.end():]).strip()
    match = AUX_RE.search(text)
    if match:
        return text[:match.end()] + " not" + text[match.end():]
    return text


def remove_emoji(text):
    return re.sub(r"\s+", " ", emoji.replace_emoji(text, replace=" ")).strip()


def name_emoji(text):
    return emoji.replace_emoji(text, replace=lambda chars, data: " " + data["en"].strip(":")
                               .replace("_", " ") + " ")


def split_hashtags(text):
    return HASHTAG.sub(lambda m: CAMEL.sub(" ", m.group(1)), text)


def remove_mentions_urls(text):
    return re.sub(r"\s+", " ", MENTION.sub(" ", URL.sub(" ", text))).strip()


def typos(text, rng, rate=0.1):
    """Swap two inner letters of each word of 4+ letters with probability `rate`."""
    def swap(m):
        word = m.group(0)
        if rng.random() >= rate:
            return word
        i = rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return re.sub(r"[^\W\d_]{4,}", swap, text)


_TOKENIZER, _STEMMER = TweetTokenizer(preserve_case=True), PorterStemmer()


def full_losses(text):
    """What the `full` variant takes away: stop words (sklearn's list, with "not") and suffixes."""
    return " ".join(_STEMMER.stem(t) for t in _TOKENIZER.tokenize(text.translate(TYPOGRAPHIC))
                    if t.lower() not in ENGLISH_STOP_WORDS)


PERTURBATIONS = {
    "negation": negate,
    "emoji_removed": remove_emoji,
    "emoji_named": name_emoji,
    "hashtags_split": split_hashtags,
    "mentions_urls_removed": remove_mentions_urls,
    "typos": None,  # seeded per text, below
    "lowercase": str.lower,
    "full_losses": full_losses,
}


def perturb(texts, seed, typo_rate):
    """{perturbation: perturbed texts}, in the order of `texts`."""
    out = {}
    for name, func in PERTURBATIONS.items():
        if name == "typos":
            out[name] = [typos(t, random.Random(seed * 1_000_003 + i), typo_rate)
                         for i, t in enumerate(texts)]
        else:
            out[name] = [func(t) for t in texts]
    return out


def effect(labels, y, base_probs, probs, changed, moved, rule):
    """How the predictions moved from `base_probs` to `probs` (both for the same test texts);
    `rule`: {"thresholds": array, "at_least_one": bool}."""
    base_pred = metrics.decide(base_probs, rule["thresholds"], rule["at_least_one"])
    pred = metrics.decide(probs, rule["thresholds"], rule["at_least_one"])
    flipped = (base_pred != pred).any(axis=1)
    delta = np.abs(probs - base_probs)
    summary = metrics.summary(y, pred)
    return {
        "texts_changed": int(changed.sum()),  # the raw text ...
        "inputs_changed": int(moved.sum()),   # ... and what the model reads, after preprocessing
        "flip_rate": float(flipped.mean()),
        "flip_rate_changed": float(flipped[changed].mean()) if changed.any() else 0.0,
        "mean_abs_prob_change": float(delta.mean()),
        "test": {k: summary[k] for k in ("jaccard", "f1_micro", "f1_macro")},
        "per_label_abs_prob_change": dict(zip(labels, delta.mean(axis=0).tolist())),
    }


def slice_masks(texts, tokens, known):
    """{slice: boolean mask} over the test texts: the content slices, and `unknown_words`, where
    `known(token)` says whether the embedding knows a token of the experiment's preprocessing."""
    masks = content_slices(texts, tokens)
    masks["unknown_words"] = np.array([any(not known(w) for w in toks) for toks in tokens], bool)
    return masks


def slices(labels, y, pred, masks, definitions):
    """{slice: {texts, share, test metrics}} for each mask (metrics absent for an empty slice)."""
    out = {}
    for name, mask in masks.items():
        entry = {"texts": int(mask.sum()), "share": float(mask.mean()) if len(mask) else 0.0,
                 "definition": definitions[name]}
        if mask.any():
            summary = metrics.summary(y[mask], pred[mask])
            # no macro-F1: a label absent from a slice would count as F1 0 and drag it down
            entry["test"] = {k: summary[k] for k in ("jaccard", "f1_micro", "empty_prediction_rate")}
        out[name] = entry
    return out


SLICE_DEFINITIONS = {**CONTENT_SLICES, "unknown_words": None,  # filled in by the kind of embedding
                     "long": "more tokens (after preprocessing) than the test median",
                     "short": "at most the test median of tokens (after preprocessing)"}


def _known(config, dirs):
    """(token -> does the embedding know it, the definition of the unknown_words slice)."""
    if config["kind"] == "word":
        vocab = set(Path(dirs["features"], "vocab.txt").read_text(encoding="utf-8").splitlines()[2:])
        return (lambda token: token in vocab,
                "a token outside the training vocabulary (the model sees <unk>)")
    tokenizer = contextual.load_tokenizer(config["bert"])
    unk = tokenizer.unk_token

    def known(token):
        pieces = tokenizer.tokenize(token)
        return len(pieces) < 3 and unk not in pieces
    return known, "a token the tokenizer maps to [UNK] or splits into 3 or more word pieces"


def run(p, model, config, test, dirs, rule, device="cpu"):
    """(probes report, slices report) for a trained model on its test table (the preprocessed
    table: `original_text`, `tokens`, `text`, labels). `rule`: thresholds.json's content."""
    labels = config["labels"]
    y = test[labels].to_numpy()
    rule = {"thresholds": np.array([rule["thresholds"][label] for label in labels]),
            "at_least_one": bool(rule["at_least_one"])}
    base = predict(model, experiment.inputs(config, {"test": test}, dirs)["test"][0])
    base_pred = metrics.decide(base, rule["thresholds"], rule["at_least_one"])
    prep = Preprocessor(p["preprocess"]["variants"][p["preprocessing"]], p["preprocessing"])
    raw = test["original_text"].tolist()
    extractor = None
    if config["kind"] == "features":  # perturbed texts need their own contextual features
        bert = p["bert"]
        extractor = (contextual.load_model(bert, contextual.pick_dtype(bert["dtype"], device), device),
                     contextual.load_tokenizer(bert))
    original = metrics.summary(y, base_pred)
    report = {"original": {"test": {k: original[k] for k in ("jaccard", "f1_micro", "f1_macro")}},
              "perturbations": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, texts in perturb(raw, p["probe"]["seed"], p["probe"]["typo_rate"]).items():
            changed = np.array([a != b for a, b in zip(raw, texts)], dtype=bool)
            tokens = [prep.tokens(t) if c else list(old)
                      for t, c, old in zip(texts, changed, test["tokens"])]
            moved = np.array([new != list(old) for new, old in zip(tokens, test["tokens"])], dtype=bool)
            probs = base.copy()  # the same input (after preprocessing): the same prediction
            if moved.any():
                df = test[moved].copy()
                df["tokens"] = [t for t, m in zip(tokens, moved) if m]
                df["text"] = df["tokens"].map(" ".join)
                if extractor:
                    contextual.extract(*extractor, df["text"].tolist(), p["bert"], Path(tmp, name),
                                       device, desc=f"probe {name}")
                x = experiment.inputs(config, {name: df}, {**dirs, "contextual": tmp})[name][0]
                probs[moved] = predict(model, x)
            report["perturbations"][name] = effect(labels, y, base, probs, changed, moved, rule)
    known, definition = _known(config, dirs)
    masks = slice_masks(raw, test["tokens"].tolist(), known)
    return report, slices(labels, y, base_pred, masks, {**SLICE_DEFINITIONS, "unknown_words": definition})
