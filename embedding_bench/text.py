"""Tweet preprocessing as named steps, so that a variant is just a mapping of step options.

Order: urls, mentions, hashtags, emoji, elongation, lowercase, tokenize (nltk TweetTokenizer),
alnum_only, stopwords, stem. A variant's text form is its tokens joined by spaces: the same
string a contextual model is given, so BERT sees exactly what the static models see.
"""

import re
import unicodedata
from functools import lru_cache

import emoji
import numpy as np

from embedding_bench.sections import Variant

URL_TOKEN, USER_TOKEN = "<url>", "<user>"
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MENTION = re.compile(r"(?<!\w)@\w+")
HASHTAG = re.compile(r"(?<!\w)#(\w+)")
CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)")
ELONGATED = re.compile(r"(\w)\1{2,}")
ALNUM = re.compile(r"[^\W_]+")  # letters and digits of any script, not punctuation or emoji
# Typographic apostrophes and quotes, as phones and word processors write them: as ASCII, the
# tokenizer keeps "don’t" whole (else: don, ’, t, and the negation is lost), in every variant.
TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
PLACEHOLDER = re.compile(r"\[[^\W\d]+\]")  # anonymised spans such as [NAME], kept as one token
NEGATION = re.compile(r"\b(not|no|never|nothing|nobody|none|nor|cannot)\b|n't\b", re.IGNORECASE)

# nltk and sklearn are imported by the step that needs them: `import nltk` alone takes 1-2 s
# (it loads every subpackage), and stages that read text without tokenizing it (ingest) never do


def _sklearn_stop_words():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    return ENGLISH_STOP_WORDS


def _porter():
    from nltk.stem import PorterStemmer
    return PorterStemmer()


def _snowball():
    from nltk.stem import SnowballStemmer
    return SnowballStemmer("english")


STOPWORD_LISTS = {"sklearn": _sklearn_stop_words}  # name -> the list's loader
STEMMERS = {"porter": _porter, "snowball": _snowball}  # name -> a new stemmer


def _is_invisible(char: str) -> bool:
    """Control and format characters other than white space (which the tokenizer splits on):
    NUL, zero-width spaces and joiners, bidi marks, byte-order marks, soft hyphens."""
    return unicodedata.category(char) in ("Cc", "Cf") and not char.isspace()


def without_invisible(text: str) -> tuple[str, int]:
    """(text without its invisible characters, how many there were); those inside an emoji
    sequence (the zero-width joiner of a family emoji) are the emoji's, and stay. Every variant
    removes them: a token holding one prints like another word and is a different one."""
    if not any(_is_invisible(c) for c in text):
        return text, 0
    inside = {i for e in emoji.emoji_list(text) for i in range(e["match_start"], e["match_end"])}
    kept = [c for i, c in enumerate(text) if i in inside or not _is_invisible(c)]
    return "".join(kept), len(text) - len(kept)


def _sub_hashtag(mode):
    if mode == "split":
        return lambda m: " " + CAMEL.sub(" ", m.group(1)) + " "
    return lambda m: " " + m.group(1) + " "


def _emoji_words(chars, data):
    return " " + data["en"].strip(":").replace("_", " ") + " "


@lru_cache(maxsize=None)
def _stemmer(name):
    return STEMMERS[name]()


@lru_cache(maxsize=None)
def _stop_words(name):
    return STOPWORD_LISTS[name]()


def _join_placeholders(tokens):
    """'[', 'NAME', ']' (as the tokenizer splits a placeholder) -> '[NAME]'."""
    out, i = [], 0
    while i < len(tokens):
        if tokens[i] == "[" and i + 2 < len(tokens) and tokens[i + 2] == "]" and \
                PLACEHOLDER.fullmatch(f"[{tokens[i + 1]}]"):
            out.append(f"[{tokens[i + 1]}]")
            i += 3
        else:
            out.append(tokens[i])
            i += 1
    return out


class Preprocessor:
    """Turns one text into a token list, following a variant's steps (schema.Variant)."""

    def __init__(self, variant: Variant):
        from nltk.tokenize import TweetTokenizer

        self.o = variant
        self.tokenizer = TweetTokenizer(preserve_case=True)

    def normalize(self, text: str) -> str:
        o = self.o
        if o.urls != "keep":
            text = URL.sub(f" {URL_TOKEN} " if o.urls == "placeholder" else " ", text)
        if o.mentions != "keep":
            text = MENTION.sub(f" {USER_TOKEN} " if o.mentions == "placeholder" else " ", text)
        if o.hashtags != "keep":
            text = HASHTAG.sub(_sub_hashtag(o.hashtags), text)
        if o.emoji == "words":
            text = emoji.replace_emoji(text, replace=_emoji_words)
        elif o.emoji == "remove":
            text = emoji.replace_emoji(text, replace=" ")
        if o.elongation == "shorten":
            text = ELONGATED.sub(r"\1\1", text)
        if o.lowercase:
            text = text.lower()
        return text

    def tokens(self, text: str) -> list[str]:
        o = self.o
        # any whitespace left inside a token (control characters) would split it in files later
        text = without_invisible(text)[0]
        tokens = [piece for t in self.tokenizer.tokenize(self.normalize(text.translate(TYPOGRAPHIC)))
                  for piece in t.split()]
        tokens = _join_placeholders(tokens)
        if o.alnum_only:
            keep = {URL_TOKEN, USER_TOKEN}
            tokens = [t for tok in tokens
                      for t in ([tok] if tok in keep or PLACEHOLDER.fullmatch(tok) else ALNUM.findall(tok))]
        if o.stopwords:
            stop = _stop_words(o.stopwords)
            tokens = [t for t in tokens if t.lower() not in stop]
        if o.stem:
            stem = _stemmer(o.stem).stem
            tokens = [stem(t) for t in tokens]
        return tokens


def diagnostics(tables: dict, baseline: Preprocessor) -> dict:
    """Tokens per text, texts left empty, share of the as-given tokens lost, vocabulary size."""
    report = {}
    for name, df in tables.items():
        lengths = df["tokens"].map(len).to_numpy()
        given = sum(len(baseline.tokens(t)) for t in df["original_text"])
        report[name] = {
            "texts": len(df),
            "tokens_per_text_mean": round(float(lengths.mean()), 3),
            "tokens_per_text_p95": float(np.percentile(lengths, 95)),
            "empty_texts": int(df["empty"].sum()),
            "tokens_lost_share": round(1 - float(lengths.sum()) / max(given, 1), 4),
            "invisible_characters_removed": int(sum(without_invisible(t)[1] for t in df["original_text"])),
        }
    report["vocabulary_size"] = len({t for toks in tables["train"]["tokens"] for t in toks})
    return report


# A slice with fewer test texts than this is reported with its size, not compared or charted:
# its score moves by a whole text's worth at once.
MIN_SLICE_TEXTS = 20

CONTENT_SLICES = {
    "negation": "the raw text has not, no, never, n't, nothing, nobody, none, nor or cannot",
    "emoji": "the raw text has an emoji",
    "hashtag": "the raw text has a #hashtag",
    "long": "more tokens than the median of the texts sliced",
    "short": "at most the median of tokens",
}


def content_slices(texts: list[str], token_lists: list[list[str]]) -> dict:
    """{slice: boolean mask}: texts picked by what they contain (CONTENT_SLICES), and long/short
    by their number of tokens against the median."""
    lengths = np.array([len(t) for t in token_lists])
    median = float(np.median(lengths)) if len(lengths) else 0.0
    return {
        "negation": np.array([bool(NEGATION.search(t.translate(TYPOGRAPHIC))) for t in texts], bool),
        "emoji": np.array([emoji.emoji_count(t) > 0 for t in texts], bool),
        "hashtag": np.array([bool(HASHTAG.search(t)) for t in texts], bool),
        "long": lengths > median,
        "short": lengths <= median,
    }
