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
from dataclasses import dataclass
from typing import Callable

import emoji
import numpy as np
import pandas as pd
from torch import nn

from embedding_bench import experiment, metrics, probabilities
from embedding_bench.rules import decide
from embedding_bench.schema import Params
from embedding_bench.sections import Probe, Variant
from embedding_bench.text import (CAMEL, CONTENT_SLICES, HASHTAG, MENTION, TYPOGRAPHIC, URL,
                                  Preprocessor, content_slices)

AUXILIARIES = ("am|is|are|was|were|do|does|did|can|could|will|would|should|must|have|has|had|"
               "might|may")
NEGATED = {"don't": "do", "doesn't": "does", "didn't": "did", "can't": "can", "cannot": "can",
           "won't": "will", "isn't": "is", "aren't": "are", "wasn't": "was", "weren't": "were",
           "haven't": "have", "hasn't": "has", "hadn't": "had", "couldn't": "could",
           "wouldn't": "would", "shouldn't": "should", "mustn't": "must", "ain't": "am"}
NEGATED_RE = re.compile(r"\b(" + "|".join(map(re.escape, NEGATED)) + r")\b", re.IGNORECASE)
NOT_RE = re.compile(r"\s*\bnot\b", re.IGNORECASE)
AUX_RE = re.compile(rf"\b({AUXILIARIES}|i'm|you're|we're|they're|he's|she's|it's)\b", re.IGNORECASE)


def _keep_case(word: str, replacement: str) -> str:
    return replacement.capitalize() if word[:1].isupper() else replacement


def negate(text: str) -> str:
    """Remove the first negation ("don't" -> "do", "is not" -> "is"), or where there is none,
    negate the first auxiliary ("is" -> "is not", "I'm" -> "I'm not"). Exactly as given if neither
    (typographic apostrophes included)."""
    given, text = text, text.translate(TYPOGRAPHIC)
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
    return given


# A perturbation that finds nothing to change returns the text exactly as given: tidying the
# spaces of a text without emoji is no probe, and would count as a changed text.
def remove_emoji(text: str) -> str:
    if not emoji.emoji_count(text):
        return text
    return re.sub(r"\s+", " ", emoji.replace_emoji(text, replace=" ")).strip()


def name_emoji(text: str) -> str:
    return emoji.replace_emoji(text, replace=lambda chars, data: " " + data["en"].strip(":")
                               .replace("_", " ") + " ")


def split_hashtags(text: str) -> str:
    return HASHTAG.sub(lambda m: CAMEL.sub(" ", m.group(1)), text)


def remove_mentions_urls(text: str) -> str:
    if not (MENTION.search(text) or URL.search(text)):
        return text
    return re.sub(r"\s+", " ", MENTION.sub(" ", URL.sub(" ", text))).strip()


def typos(text: str, rng: random.Random, rate: float = 0.1) -> str:
    """Swap two inner letters of each word of 4+ letters with probability `rate`."""
    def swap(m):
        word = m.group(0)
        if rng.random() >= rate:
            return word
        i = rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return re.sub(r"[^\W\d_]{4,}", swap, text)


def losses_of(variant: Variant) -> Callable[[str], str]:
    """What a variant's removing steps take away from a raw text (its stop words and its stems,
    as the variant has them): the text as those steps leave it, its other steps not applied."""
    prep = Preprocessor(Variant(stopwords=variant.stopwords, stem=variant.stem))
    return lambda text: " ".join(prep.tokens(text))


@dataclass(frozen=True)
class Perturbation:
    """A rewrite of a raw test text; `rewrite(text, rng)` gets a generator seeded per text
    (probe.seed and the text's position), so every perturbation is deterministic."""
    name: str
    rewrite: Callable[[str, random.Random], str]


def perturbations(p: Params) -> list[Perturbation]:
    """The probes of the configured experiment. `full_losses` takes the stop words and stems of
    the `full` variant (the usual pipeline), where params define one that has either step."""
    found = [Perturbation("negation", lambda t, rng: negate(t)),
             Perturbation("emoji_removed", lambda t, rng: remove_emoji(t)),
             Perturbation("emoji_named", lambda t, rng: name_emoji(t)),
             Perturbation("hashtags_split", lambda t, rng: split_hashtags(t)),
             Perturbation("mentions_urls_removed", lambda t, rng: remove_mentions_urls(t)),
             Perturbation("typos", lambda t, rng: typos(t, rng, p.probe.typo_rate)),
             Perturbation("lowercase", lambda t, rng: t.lower())]
    full = p.preprocess.variants.get("full")
    if full is not None and (full.stopwords or full.stem):
        losses = losses_of(full)
        found.append(Perturbation("full_losses", lambda t, rng: losses(t)))
    return found


def perturb(texts: list[str], found: list[Perturbation], probe: Probe) -> dict[str, list[str]]:
    """{perturbation: perturbed texts}, in the order of `texts`."""
    return {pert.name: [pert.rewrite(t, random.Random(probe.seed * 1_000_003 + i)) for i, t in enumerate(texts)]
            for pert in found}


def effect(labels: list[str], y: np.ndarray, base_probs: np.ndarray, probs: np.ndarray,
           changed: np.ndarray, moved: np.ndarray, rule: dict) -> dict:
    """How the predictions moved from `base_probs` to `probs` (both for the same test texts);
    `rule`: {"thresholds": array, "at_least_one": bool}."""
    base_pred = decide(base_probs, rule["thresholds"], rule["at_least_one"])
    pred = decide(probs, rule["thresholds"], rule["at_least_one"])
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


def slice_masks(texts: list[str], tokens: list[list[str]], known: Callable[[str], bool]) -> dict:
    """{slice: boolean mask} over the test texts: the content slices, and `unknown_words`, where
    `known(token)` says whether the embedding knows a token of the experiment's preprocessing."""
    masks = content_slices(texts, tokens)
    masks["unknown_words"] = np.array([any(not known(w) for w in toks) for toks in tokens], bool)
    return masks


def slices(labels: list[str], y: np.ndarray, pred: np.ndarray, masks: dict, definitions: dict) -> dict:
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


def _perturbed_probs(model: nn.Module, config: dict, test: pd.DataFrame, texts: list[str],
                     prep: Preprocessor, base: np.ndarray, dirs: dict, device: str
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raw text changed, model input changed, probabilities) for the perturbed test texts: a text
    whose input is unchanged after preprocessing keeps its prediction; the rest are predicted."""
    raw = test["original_text"].tolist()
    changed = np.array([a != b for a, b in zip(raw, texts)], dtype=bool)
    tokens = [prep.tokens(t) if c else list(old) for t, c, old in zip(texts, changed, test["tokens"])]
    moved = np.array([new != list(old) for new, old in zip(tokens, test["tokens"])], dtype=bool)
    probs = base.copy()  # the same input (after preprocessing): the same prediction
    if moved.any():
        df = test[moved].copy()
        df["tokens"] = [t for t, m in zip(tokens, moved) if m]
        df["text"] = df["tokens"].map(" ".join)
        probs[moved] = experiment.kind(config).predict_texts(model, config, df, dirs, device)
    return changed, moved, probs


def perturbed(p: Params, model: nn.Module, config: dict, test: pd.DataFrame, base: np.ndarray,
              dirs: dict, device: str = "cpu") -> pd.DataFrame:
    """The model's work of the probes (the predict stage runs it): for each perturbation of the
    test table (the preprocessed table: `id`, `original_text`, `tokens`, `text`), each test text
    in order with whether its raw text and its model input changed, and its probabilities
    (`base`, the unperturbed test probabilities, where its input did not change)."""
    prep, raw = Preprocessor(p.variant), test["original_text"].tolist()
    rows = []
    for name, texts in perturb(raw, perturbations(p), p.probe).items():
        changed, moved, probs = _perturbed_probs(model, config, test, texts, prep, base, dirs, device)
        rows.append(probabilities.table(test["id"], probs, config["labels"], perturbation=np.array(
            [name] * len(test), dtype=object), changed=changed, moved=moved))
    return pd.concat(rows, ignore_index=True)


def run(config: dict, test: pd.DataFrame, base: np.ndarray, perturbed_probs: pd.DataFrame,
        dirs: dict, rule: dict) -> tuple[dict, dict]:
    """(probes report, slices report) of a trained model (`config`, its model.json) on its test
    table, from its test probabilities `base` and what `perturbed` gave; `rule`: thresholds.json's
    content. No model runs here, so a new decision rule costs no prediction."""
    labels = config["labels"]
    y = test[labels].to_numpy()
    rule = {"thresholds": np.array([rule["thresholds"][label] for label in labels]),
            "at_least_one": bool(rule["at_least_one"])}
    base_pred = decide(base, rule["thresholds"], rule["at_least_one"])
    original = metrics.summary(y, base_pred)
    report = {"original": {"test": {k: original[k] for k in ("jaccard", "f1_micro", "f1_macro")}},
              "perturbations": {}}
    for name, df in perturbed_probs.groupby("perturbation", sort=False):
        report["perturbations"][name] = effect(labels, y, base, probabilities.matrix(df, labels),
                                               df["changed"].to_numpy(), df["moved"].to_numpy(), rule)
    known, definition = experiment.kind(config).known(config, dirs)
    masks = slice_masks(test["original_text"].tolist(), test["tokens"].tolist(), known)
    return report, slices(labels, y, base_pred, masks, {**SLICE_DEFINITIONS, "unknown_words": definition})
