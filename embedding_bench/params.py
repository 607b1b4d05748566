"""params.yaml, read once and checked against one schema (pydantic) before any stage acts on it:
unknown keys at any level (with a "did you mean"), types, ranges and names that must exist fail
with one message naming the param, so that a typo never runs silently.

Stages get the params as plain dicts, exactly as written in params.yaml (DVC reads that file too).
"""

import codecs
import difflib
import numbers
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model,
                      model_validator)
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from embedding_bench.errors import UserError

PARAMS_FILE = Path("params.yaml")
EMBEDDINGS = ("random", "word2vec", "glove", "bert")
CNN_MODES = ("auto", "rand", "static", "non_static", "multichannel")

Positive = Annotated[int, Field(ge=1)]
PositiveReal = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(gt=0, lt=1)]
Fraction = Annotated[float, Field(ge=0, lt=1)]  # may be 0, as dropout and warm-up may
Seed = Annotated[int, Field(ge=0, lt=2**32)]  # what numpy, torch and gensim all accept

# The preprocessing steps and their values (the first is "do nothing"), implemented by text.py,
# whose stop-word lists and stemmers have exactly these names.
PREPROCESSING_STEPS = {
    "urls": ("keep", "placeholder", "remove"),
    "mentions": ("keep", "placeholder", "remove"),
    "hashtags": ("keep", "word", "split"),
    "emoji": ("keep", "words", "remove"),
    "elongation": ("keep", "shorten"),
    "lowercase": (False, True),
    "alnum_only": (False, True),
    "stopwords": (None, "sklearn"),
    "stem": (None, "porter", "snowball"),
}


class Section(BaseModel):
    # strict: "fifty" is no int and "1" no number; extra keys are typos, not silently ignored
    model_config = ConfigDict(extra="forbid", strict=True)


def _delimiter(value):
    if value is None or len(value) == 1:
        return value
    # '\t' in single quotes is a backslash and a t to YAML: the likeliest way to get here
    tab = " (in single quotes YAML reads '\\t' as two characters)" if value == "\\t" else ""
    raise ValueError(f"use one character, e.g. ';' or \"\\t\" in double quotes{tab}")


def _encoding(name):
    try:
        text = codecs.lookup(name)._is_text_encoding  # hex, rot13 ... are codecs, not encodings
    except LookupError:
        text = False
    if not text:
        raise ValueError("not an encoding Python knows; e.g. utf-8, utf-16, latin-1, cp1252")
    return name


class Labels(Section):
    layout: Literal["wide", "long"]
    columns: list[str]
    column: str
    separator: str = Field(min_length=1)
    names_file: Optional[str]

    @model_validator(mode="after")
    def names_file_only_for_long(self):
        # the wide layout takes its names from the columns: the file would be silently ignored
        if self.layout == "wide" and self.names_file:
            raise ValueError("names_file names the ids of the long layout; the wide layout takes "
                             "the label names from its columns: remove it, or set layout: long")
        return self


class Ingest(Section):
    path: str = Field(min_length=1)
    files: dict[Literal["all", "train", "val", "test"], str] = Field(min_length=1)
    format: Literal["auto", "csv", "tsv", "jsonl", "parquet"]
    quoting: Literal["minimal", "none"]
    header: bool = True
    column_names: Optional[list[str]] = None
    delimiter: Annotated[Optional[str], AfterValidator(_delimiter)] = None
    encoding: Annotated[str, AfterValidator(_encoding)]
    id_column: Optional[str]
    text_column: str
    labels: Labels
    on_bad_rows: Literal["drop", "error"]
    max_chars: Optional[Positive]
    max_rows: Optional[Positive] = None
    max_rows_seed: Seed = 0


class Split(Section):
    seed: Seed
    test_size: Share
    val_size: Share


# A preprocessing variant: any of the steps, each with its valid values.
Variant = create_model("Variant", __base__=Section,
                       **{step: (Literal[values], values[0]) for step, values in PREPROCESSING_STEPS.items()})


class Preprocess(Section):
    variants: dict[str, Variant] = Field(min_length=1)


class Vocab(Section):
    min_count: Positive


class Random(Section):
    dim: Positive


class Glove(Section):
    source: str
    # checked here, not after a multi-GB download
    sha256: Optional[Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]]
    format: Literal["auto", "word2vec_binary", "word2vec_text", "glove_text"]
    member: Optional[str]


class Word2Vec(Section):
    extra_files: list[str]
    init: Optional[Literal["glove"]]
    vector_size: Positive
    window: Positive
    min_count: Positive
    sg: Literal[0, 1]
    negative: Annotated[int, Field(ge=0)]
    epochs: Positive


class Bert(Section):
    model: str = Field(min_length=1)
    revision: Optional[str]
    trust_remote_code: bool
    max_length: Annotated[int, Field(ge=2)]  # [CLS] and [SEP] at least
    layer: int
    last_n: Positive
    combine: Literal["mean", "sum"]
    batch_size: Positive
    dtype: Literal["auto", "float32", "bfloat16"]
    finetune: bool
    transformer_lr: PositiveReal
    head_lr: PositiveReal
    warmup: Fraction
    finetune_batch_size: Positive
    accumulate: Positive
    finetune_epochs: Positive
    head: Literal["cnn", "label_tokens"]
    layer_decay: Annotated[float, Field(gt=0, le=1)]

    @model_validator(mode="after")
    def no_ignored_options(self):
        # frozen features go through the Kim CNN with no transformer to train: these would be
        # ignored, and a run that silently ignores its params misreports what it compared
        if not self.finetune and (self.head != "cnn" or self.layer_decay != 1.0):
            raise ValueError(f"head {self.head!r} and layer_decay {self.layer_decay} apply to "
                             f"fine-tuning only; set bert.finetune: true (or head: cnn, layer_decay: 1.0)")
        if self.last_n > 1 and self.layer != -1:  # the last N layers are the top ones
            raise ValueError(f"layer {self.layer} with last_n {self.last_n}: layer picks one hidden "
                             f"state and applies only with last_n: 1; set layer: -1, or last_n: 1")
        return self


class Cnn(Section):
    mode: Literal[CNN_MODES]
    filter_widths: list[Positive] = Field(min_length=1)
    filters: Positive
    dropout: Fraction
    max_norm: PositiveReal
    max_len: Positive

    @model_validator(mode="after")
    def texts_fit_the_widest_filter(self):
        if self.max_len < max(self.filter_widths):
            raise ValueError(f"max_len {self.max_len} is shorter than the widest filter "
                             f"({max(self.filter_widths)}): no filter could slide over a text")
        return self


class Train(Section):
    optimizer: Literal["adadelta", "adam", "adamw"]
    lr: PositiveReal
    rho: Share
    batch_size: Positive
    max_epochs: Positive
    patience: Positive
    lca_weight: Fraction


# evaluate.threshold's named settings (metrics.thresholds_for fits them on validation)
TUNED = {"tuned": "per label, best F1 on validation",
         "tuned_global": "one for every label, best Jaccard on validation"}


def threshold_setting(value):
    """evaluate.threshold as a rule: a number in (0, 1) or one of TUNED, returned as given;
    anything else (a string that spells a number included) is a ValueError saying what is
    accepted."""
    if (isinstance(value, str) and value in TUNED) or (
            isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value < 1):
        return value
    raise ValueError("use a number between 0 and 1 (for every label), or "
                     + ", or ".join(f"{name} ({what})" for name, what in TUNED.items()))


def _auto_or_bool(value):
    if value == "auto" or isinstance(value, bool):
        return value
    raise ValueError("use true, false or auto")


class Evaluate(Section):
    # one rule each, not unions: a union would report one complaint per alternative
    threshold: Annotated[Any, AfterValidator(threshold_setting)]
    at_least_one: Annotated[Any, AfterValidator(_auto_or_bool)]


class Probe(Section):
    seed: Seed
    typo_rate: Annotated[float, Field(ge=0, le=1)]


class Baseline(Section):
    ngram_max: Positive
    min_df: Positive
    C: PositiveReal
    class_weight: Optional[Literal["balanced"]]


class Params(Section):
    dataset: str
    preprocessing: str
    embedding: Literal[EMBEDDINGS]
    seed: Seed
    device: str = Field(pattern=r"^(auto|cpu|cuda(:\d+)?)$")
    ingest: Ingest
    split: Split
    preprocess: Preprocess
    vocab: Vocab
    random: Random
    glove: Glove
    word2vec: Word2Vec
    bert: Bert
    cnn: Cnn
    train: Train
    evaluate: Evaluate
    probe: Probe
    baseline: Baseline

    @model_validator(mode="after")
    def variant_exists(self):
        if self.preprocessing not in self.preprocess.variants:
            raise ValueError(f"preprocessing is {self.preprocessing!r}; valid values: "
                             f"{', '.join(self.preprocess.variants)} (the keys of preprocess.variants)")
        return self


def load(path=PARAMS_FILE):
    try:
        params = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: not found; run from the repository root") from None
    except YAMLError as e:
        raise UserError(f"{path}: not valid YAML: {e}") from None
    check(params, path)
    return params


def _model_at(location):
    """The schema section at a location such as ('cnn', 'filter_width'), for suggestions."""
    model = Params
    for key in location[:-1]:
        field = model.model_fields.get(key) if isinstance(key, str) else None
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        elif model is Preprocess or (field is None and model is Variant):
            model = Variant  # preprocess.variants.<name>.<step>
        else:
            return None
    return model


def _message(error):
    location = tuple(str(part) for part in error["loc"])
    where = ".".join(location) or "params"
    if error["type"] == "extra_forbidden":
        model = _model_at(location)
        known = list(model.model_fields) if model else []
        guess = difflib.get_close_matches(location[-1], known, n=1)
        hint = f"; did you mean {'.'.join((*location[:-1], guess[0]))}?" if guess else (
            f"; known keys here: {', '.join(known)}" if known else "")
        return f"unknown param {where}{hint}"
    if error["type"] == "missing":
        return f"{where} is missing"
    if error["type"] == "literal_error":
        valid = error["ctx"]["expected"].replace("'", "").replace(" or ", ", ").replace("None", "null")
        return f"{where} is {error['input']!r}; valid values: {valid}"
    if error["type"] == "value_error":
        if not location:  # a check across params: its message names them
            return str(error["ctx"]["error"])
        shown = "" if isinstance(error["input"], dict) else f" is {error['input']!r}"
        return f"{where}{shown}: {error['ctx']['error']}"
    return f"{where} is {error['input']!r}: {error['msg'].lower()}"


def check(params, path=PARAMS_FILE):
    """Raise one UserError listing every problem of params.yaml (at most five), each naming its
    param and what is allowed."""
    if not isinstance(params, dict):
        raise UserError(f"{path}: expected a mapping of params")
    try:
        Params.model_validate(params)
    except ValidationError as e:
        messages = [_message(error) for error in e.errors(include_url=False)]
        raise UserError(f"{path}: " + "; ".join(messages[:5])) from None
