"""The why, for the contrasts that matter: the best contextual configuration against the best
static one, and the best against the worst preprocessing of the winning family; where both ran,
fastText against word2vec (subwords, the one thing they differ in) and the pooled probe against
the CNN over the same features (the head: MTEB's protocol or the Kim CNN). Each contrast
gets its verdicts and sentences a reader can check, from what the pipeline measured: OOV rates,
word pieces per word, [UNK], tokens and negations lost to preprocessing, probe flip rates,
slices, and per-label F1 (with the labels a side never predicts)."""

import numpy as np

from embedding_bench import metrics
from embedding_bench.answer.evidence import Configuration, preprocessed_test
from embedding_bench.answer.verdicts import Board
from embedding_bench.language import ENGLISH_ONLY
from embedding_bench.text import MIN_SLICE_TEXTS, NEGATION, TYPOGRAPHIC


# kind: (family A, family B), each side the family's best configuration on validation
FAMILY_CONTRASTS = {"subwords": ("fasttext", "word2vec"), "pooling": ("bert_pooled", "bert_frozen")}


def pick(result: Board, configs: dict[str, Configuration]) -> list[tuple[str, str, str]]:
    """[(kind, a, b)]: contextual_vs_static, preprocessing, subwords and pooling, where the runs
    allow them."""
    rows = result.rows["jaccard"]  # ranked on validation
    contextual = [r["key"] for r in rows if configs[r["key"]].contextual]
    static = [r["key"] for r in rows if configs[r["key"]].static]
    found = []
    if contextual and static:
        found.append(("contextual_vs_static", contextual[0], static[0]))
    winner = rows[0]["family"]
    variants = [r["key"] for r in rows if r["family"] == winner]
    if len(variants) > 1:
        found.append(("preprocessing", variants[0], variants[-1]))
    best_of = {}
    for row in rows:
        best_of.setdefault(row["family"], row["key"])
    for kind, (a, b) in FAMILY_CONTRASTS.items():
        if a in best_of and b in best_of:
            found.append((kind, best_of[a], best_of[b]))
    return found


def per_label_f1(runs: list[dict], labels: list[str]) -> dict[str, dict]:
    """{label: {"f1": mean over runs, "predicted": mean predicted positives, "support"}}."""
    scores = [metrics.per_label(r["truth"], r["pred"], labels) for r in runs]
    predicted = np.mean([r["pred"].sum(axis=0) for r in runs], axis=0)
    return {label: {"f1": float(np.mean([s[label]["f1"] for s in scores])),
                    "predicted": float(predicted[j]), "support": scores[0][label]["support"]}
            for j, label in enumerate(labels)}


def negations_lost(config: Configuration) -> dict:
    """Test texts whose raw text has a negation and whose tokens, after the variant's
    preprocessing, have none (the stop-word list deleted it)."""
    table = preprocessed_test(config)
    raw = table["original_text"].map(lambda t: bool(NEGATION.search(t.translate(TYPOGRAPHIC))))
    kept = table["tokens"].map(lambda tokens: bool(NEGATION.search(" ".join(tokens))))
    lost = raw & ~kept
    return {"with_negation": int(raw.sum()), "lost": int(lost.sum()), "texts": len(table),
            "share": float(lost.sum() / max(raw.sum(), 1))}


def _side(config: Configuration) -> dict:
    """The diagnostics of one side, from its runs' metrics files."""
    v = config.variant
    diag = (config.metrics_file(f"metrics/diagnostics/{v}.json").get(v) or {}).get("test") or {}
    prep = (config.metrics_file(f"metrics/preprocess/{v}.json").get(v) or {}).get("test") or {}
    probes = {name: {"flip_rate": config.mean_over_runs("metrics/probes.json", "perturbations", name, "flip_rate"),
                     "inputs_changed": (config.metrics_file("metrics/probes.json").get("perturbations") or {})
                     .get(name, {}).get("inputs_changed"),
                     "texts_changed": (config.metrics_file("metrics/probes.json").get("perturbations") or {})
                     .get(name, {}).get("texts_changed")}
              for name in ("negation", "typos", "emoji_removed", "full_losses")}
    slices = {name: {"texts": s.get("texts"), "jaccard": (s.get("test") or {}).get("jaccard")}
              for name, s in config.metrics_file("metrics/slices.json").items()}
    return {"key": config.key, "oov_static": config.mean_over_runs("metrics/embed.json", "test", "oov_token_rate"),
            "from_ngrams": config.mean_over_runs("metrics/embed.json", "test", "ngram_vector_token_rate"),
            "oov_glove": (diag.get("glove") or {}).get("oov_token_rate"),
            "pieces_per_word": (diag.get("bert") or {}).get("pieces_per_word"),
            "unk_share": (diag.get("bert") or {}).get("unk_share"),
            "tokens_lost": prep.get("tokens_lost_share"), "empty_texts": prep.get("empty_texts"),
            "probes": probes, "slices": slices}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _number(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def _texts(n: int) -> str:
    return f"{n} test text" + ("" if n == 1 else "s")


def _coverage(side: dict) -> str:
    """How a side's tokens get their vectors: a static embedding's missing and n-gram shares, or a
    BERT-family tokenizer's word pieces (a BERT run writes no static OOV)."""
    if side["oov_static"] is None:
        return (f"`{side['key']}` cuts a word into {_number(side['pieces_per_word'])} word pieces on "
                f"average, {_pct(side['unk_share'])} of them [UNK]")
    ngrams = f", builds {_pct(side['from_ngrams'])} from character n-grams" if side["from_ngrams"] is not None else ""
    return f"`{side['key']}` has no vector for {_pct(side['oov_static'])} of the test tokens{ngrams}"


def sentences(kind: str, a: dict, b: dict, labels_a: dict, labels_b: dict, english: bool,
              lost: dict | None) -> list[str]:
    """What a reader can check in the numbers, one sentence each."""
    out = []
    if kind == "subwords":
        out.append(f"`{a['key']}` builds the vectors of {_pct(a['from_ngrams'])} of the test tokens from "
                   f"their character n-grams and has none for {_pct(a['oov_static'])}; `{b['key']}` has "
                   f"no vector for {_pct(b['oov_static'])} (its vocabulary and vectors).")
    elif kind == "pooling":
        out.append(f"`{a['key']}` averages each text's token features into one vector, word order "
                   f"gone, and fits a logistic regression per label; `{b['key']}` runs the Kim CNN over "
                   f"the same features.")
    elif kind == "asked":
        out.append(f"{_coverage(a)}; {_coverage(b)}.")
    elif kind == "contextual_vs_static":
        ngrams = (f", and builds {_pct(b['from_ngrams'])} from character n-grams"
                  if b["from_ngrams"] is not None else "")
        out.append(f"`{b['key']}` has no vector for {_pct(b['oov_static'])} of the test tokens (its "
                   f"vocabulary and vectors){ngrams}; `{a['key']}` cuts a word into {_number(a['pieces_per_word'])} "
                   f"word pieces on average, {_pct(a['unk_share'])} of them [UNK], so every token gets a vector.")
    elif kind == "preprocessing":
        out.append(f"`{b['key'].split('/')[1]}` loses {_pct(b['tokens_lost'])} of the test tokens against "
                   f"the text as given (`{a['key'].split('/')[1]}`: {_pct(a['tokens_lost'])}) and leaves "
                   f"{_texts(b['empty_texts'])} empty (`{a['key'].split('/')[1]}`: {a['empty_texts']}).")
        if lost and english:
            out.append(f"`{b['key'].split('/')[1]}` deletes the negation from {lost['lost']} of the "
                       f"{lost['with_negation']} test texts that have one ({lost['share']:.0%}).")
        if not english:
            out.append(f"Not applicable on this text: {ENGLISH_ONLY['full']}, and {ENGLISH_ONLY['negation']}.")
    if english:
        na, nb = a["probes"]["negation"], b["probes"]["negation"]
        out.append(f"The negation probe alters {na['texts_changed']} test texts; what the model reads "
                   f"changes for {na['inputs_changed']} of them under `{a['key']}` and {nb['inputs_changed']} "
                   f"under `{b['key']}`, and the predicted label sets flip for {_pct(na['flip_rate'])} "
                   f"against {_pct(nb['flip_rate'])}.")
    ta, tb = a["probes"]["typos"]["flip_rate"], b["probes"]["typos"]["flip_rate"]
    out.append(f"Typos flip {_pct(ta)} of `{a['key']}`'s label sets and {_pct(tb)} of `{b['key']}`'s.")
    wins = sorted(labels_a, key=lambda x: labels_b[x]["f1"] - labels_a[x]["f1"])
    gaps = [f"{x} {labels_a[x]['f1']:.2f} vs {labels_b[x]['f1']:.2f}" for x in wins[:3]
            if labels_a[x]["f1"] - labels_b[x]["f1"] > 0.02]
    if gaps:
        out.append(f"Per label (F1 under each side's macro-F1 rule), `{a['key']}` gains most on " + ", ".join(gaps) + ".")
    for side, labels in ((a, labels_a), (b, labels_b)):
        never = [x for x, m in labels.items() if m["predicted"] < 0.5 and m["support"] > 0]
        if never:
            out.append(f"`{side['key']}` never predicts {', '.join(never)} on the test texts "
                       f"(support {', '.join(str(labels[x]['support']) for x in never)}).")
    return out


def slice_rows(a: dict, b: dict, english: bool) -> list[dict]:
    """Per slice: its size and the Jaccard difference a - b; a slice under MIN_SLICE_TEXTS texts, or
    `negation` on text that is not English, is kept as such and has no difference."""
    rows = []
    for name, sa in a["slices"].items():
        sb = b["slices"].get(name, {})
        small = (sa.get("texts") or 0) < MIN_SLICE_TEXTS
        applicable = english or name != "negation"
        diff = None if small or not applicable or sa.get("jaccard") is None or sb.get("jaccard") is None \
            else round(sa["jaccard"] - sb["jaccard"], 4)
        rows.append({"slice": name, "texts": sa.get("texts") or 0, "diff": diff,
                     "note": "too few texts" if small else "" if applicable else "not English"})
    return rows


def explain(kind: str, result: Board, a: Configuration, b: Configuration, english: bool) -> dict:
    side_a, side_b = _side(a), _side(b)
    runs_a, runs_b = result.runs[("f1_macro", a.key)], result.runs[("f1_macro", b.key)]
    labels_a, labels_b = per_label_f1(runs_a, result.labels), per_label_f1(runs_b, result.labels)
    lost = negations_lost(b) if kind == "preprocessing" else None
    return {"kind": kind, "a": a.key, "b": b.key, "sides": [side_a, side_b],
            "sentences": sentences(kind, side_a, side_b, labels_a, labels_b, english, lost),
            "per_label": [{"label": x, "a": labels_a[x]["f1"], "b": labels_b[x]["f1"],
                           "support": labels_a[x]["support"]} for x in result.labels],
            "slices": slice_rows(side_a, side_b, english), "negations_lost": lost}


def disagreement(result: Board) -> str:
    """Why the best on Jaccard is not the best on macro-F1: the labels the Jaccard winner rarely
    or never predicts, against the macro-F1 winner (per-label F1, each under its macro-F1 rule)."""
    a, b = result.best("f1_macro")["key"], result.best("jaccard")["key"]
    la = per_label_f1(result.runs[("f1_macro", a)], result.labels)
    lb = per_label_f1(result.runs[("f1_macro", b)], result.labels)
    gaps = sorted(result.labels, key=lambda x: lb[x]["f1"] - la[x]["f1"])[:3]
    rare = [x for x in gaps if lb[x]["predicted"] < 0.25 * max(lb[x]["support"], 1)]
    text = (f"`{a}` is best on macro-F1, which weighs every label alike, and `{b}` on Jaccard, which "
            f"weighs texts; the labels where `{a}` leads most are " +
            ", ".join(f"{x} (F1 {la[x]['f1']:.2f} vs {lb[x]['f1']:.2f})" for x in gaps) + ".")
    if rare:
        text += (f" `{b}` rarely predicts {', '.join(rare)} (under a quarter of the true count), and a label "
                 f"never predicted scores F1 0 in macro-F1 while costing Jaccard little.")
    return text
