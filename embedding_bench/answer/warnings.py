"""What makes the comparison shaky, said before the answer: text that does not match the packaged
English resources (language, OOV against GloVe, word pieces per word, [UNK]), too few test texts
for the differences reported, texts shared between splits, labels without test positives, and
empty predictions far above the true rate."""

from embedding_bench.answer.evidence import Configuration
from embedding_bench.answer.verdicts import Board
from embedding_bench.language import ENGLISH_ONLY, is_english

# English tweets (SemEval E-c, light) measure 7.9% OOV against GloVe and 1.23 pieces per word
OOV_GLOVE = 0.2
PIECES_PER_WORD = 1.5
UNK_SHARE = 0.01
EMPTY_MARGIN = 0.05
FEW_TEXTS = 300


def language_warnings(found: dict) -> list[str]:
    if is_english(found):
        return []
    top = ", ".join(f"{lang} {share:.0%}" for lang, share in list(found["shares"].items())[:3])
    return [f"The test texts are not English (py3langid on {found['texts']} texts: {top}): "
            + "; ".join(ENGLISH_ONLY.values()) + ". Those parts are marked not applicable below; "
            "a model and vectors of the texts' language (bert.model, glove.source) would compare fairly."]


def resource_warnings(config: Configuration) -> list[str]:
    v = config.variant
    test = ((config.metrics_file(f"metrics/diagnostics/{v}.json").get(v) or {}).get("test")) or {}
    glove, bert = test.get("glove") or {}, test.get("bert") or {}
    out = []
    if (glove.get("oov_token_rate") or 0) > OOV_GLOVE:
        out.append(f"{glove['oov_token_rate']:.0%} of the test tokens (`{v}`) have no GloVe vector "
                   f"(English tweets: about 8%): the pretrained vectors do not cover this text.")
    if (bert.get("pieces_per_word") or 0) > PIECES_PER_WORD:
        out.append(f"The BERT tokenizer cuts each word of `{v}` into {bert['pieces_per_word']:.2f} word pieces "
                   f"on average (English tweets: about 1.2): its vocabulary does not know these words.")
    if (bert.get("unk_share") or 0) > UNK_SHARE:
        out.append(f"{bert['unk_share']:.1%} of the word pieces of `{v}` are [UNK].")
    return out


def split_warnings(config: Configuration, labels: list[str]) -> list[str]:
    split = config.metrics_file("metrics/split.json")
    out, dup = [], split.get("duplicates") or {}
    leaked = {k: n for k, n in dup.items() if k.endswith(("_in_train", "_in_val")) and n}
    if leaked:
        out.append("Texts occur in more than one split (" + ", ".join(f"{k.replace('_', ' ')}: {n}"
                                                                       for k, n in leaked.items())
                   + "): the test scores are optimistic for every configuration alike.")
    untested = [x for x in labels if ((split.get("test") or {}).get("labels") or {}).get(x) == 0]
    if untested:
        out.append(f"No test text has the label(s) {', '.join(untested)}: their F1 is 0 for every "
                   f"model, which pulls macro-F1 down alike.")
    return out


def result_warnings(result: Board, comparisons: list[dict]) -> list[str]:
    out = []
    n = result.best("jaccard")["texts"]
    first = next((c for c in comparisons if c["kind"] == "best" and c["metric"] == "jaccard"), None)
    if first and (n < FEW_TEXTS or first["high"] - first["low"] > 0.06):
        runs = result.best("jaccard")["runs"]
        seeds = f" and {runs} seed{'s' if runs > 1 else ''} a configuration" if result.best("jaccard")["model"] != "baseline" else ""
        out.append(f"With {n} test texts{seeds}, a Jaccard difference of about {(first['high'] - first['low']) / 2:.3f} "
                   f"or less cannot be told from noise here (the half-width of the interval between the "
                   f"two best configurations).")
    single = [r["key"] for r in result.rows["jaccard"] if r["runs"] < 2 and r["model"] != "baseline"]
    if single:  # the TF-IDF baseline has no seed: its one run is all there is
        who = ("every configuration" if len(single) == sum(r["model"] != "baseline" for r in result.rows["jaccard"])
               else ", ".join(f"`{k}`" for k in single))
        out.append(f"One seed of {who}: intervals and verdicts count the test texts only, not the "
                   f"variation a new seed brings, which can be as large as the differences reported; run "
                   f"more seeds (the default preset: 3) before trusting a difference.")
    for row in result.rows["jaccard"]:
        if row["empty_prediction_rate"] > row["true_empty_rate"] + EMPTY_MARGIN:
            out.append(f"`{row['key']}` leaves {row['empty_prediction_rate']:.0%} of the test texts "
                       f"without a label ({row['true_empty_rate']:.0%} truly have none) under its rule "
                       f"{row['rule']}: the rule, not the embedding, decides much of its score.")
    return out


def first(configs: list[Configuration], result: Board, comparisons: list[dict], language: dict) -> list[str]:
    """Every warning, the data's before the results'."""
    by_variant = {c.variant: c for c in configs}
    found = language_warnings(language)
    # the variant that suits the resources best: `full`'s stems are not words for any vectors
    per_variant = [resource_warnings(c) for c in by_variant.values()]
    found += min(per_variant, key=len)
    found += split_warnings(configs[0], result.labels)
    return found + result_warnings(result, comparisons)
