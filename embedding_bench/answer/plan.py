"""What the answer runs: every embedding family available offline x the preprocessing variants x
seeds, as `dvc exp run -S` overrides of the params.yaml in the workspace. A planned run is known
by its whole configuration (every param, as compare.runs identifies configurations) and its
seed, so an experiment made before with the same params counts, whatever its name, and one made
with other params never does."""

import hashlib
import re
from dataclasses import dataclass
from io import StringIO
from typing import Any

from ruamel.yaml import YAML

from embedding_bench.compare.runs import config_id

# family: the overrides that select it; `contextual` marks the BERT-family ones
# (bert_pooled: the MTEB protocol, logistic regression over the mean-pooled frozen features)
FAMILIES = {"random": ("embedding=random",), "word2vec": ("embedding=word2vec",),
            "fasttext": ("embedding=fasttext",), "glove": ("embedding=glove",),
            "bert_frozen": ("embedding=bert", "bert.finetune=false", "bert.head=cnn"),
            "bert_pooled": ("embedding=bert", "bert.finetune=false", "bert.head=logreg"),
            "bert_finetuned": ("embedding=bert", "bert.finetune=true")}
CONTEXTUAL = ("bert_frozen", "bert_pooled", "bert_finetuned")
# what a reader needs to know of a family that is not the Kim CNN over one vector a word
NOTES = {"fasttext": "`fasttext`: gensim's FastText on the training split, the Kim CNN over its vectors; "
                     "a word without a vector of its own gets one from its character n-grams.",
         "bert_pooled": "`bert_pooled`: the frozen features mean-pooled into one-vs-rest logistic regression, "
                        "the MTEB classification protocol (for a sentence-transformers model such as the "
                        "packaged MiniLM, that of its published MTEB scores); its seeds change nothing "
                        "(the solver is deterministic)."}
# budget presets: seeds, and whether fine-tuning runs without being asked (it does on a GPU)
PRESETS = {"quick": {"seeds": (1,), "finetune": False},
           "default": {"seeds": (1, 2, 3), "finetune": False},
           "full": {"seeds": (1, 2, 3, 4, 5), "finetune": True}}


@dataclass(frozen=True)
class Run:
    family: str
    variant: str
    seed: int
    overrides: tuple[str, ...]
    config: str  # compare.runs.config_id of the CNN model: every param but the seed
    name: str


def _value(text: str) -> Any:
    """An override's value as DVC reads it (YAML): `false`, `1`, `glove`."""
    return YAML(typ="safe").load(StringIO(text))


def applied(params: dict, overrides: tuple[str, ...]) -> dict:
    """params.yaml as written, with `key.sub=value` overrides applied (a deep copy)."""
    result = YAML(typ="safe").load(StringIO(_dump(params)))
    for override in overrides:
        key, _, value = override.partition("=")
        *parents, last = key.split(".")
        node = result
        for part in parents:
            node = node[part]
        node[last] = _value(value)
    return result


def _dump(params: dict) -> str:
    out = StringIO()
    YAML(typ="safe").dump(params, out)
    return out.getvalue()


def run_name(family: str, variant: str, seed: int, config: str) -> str:
    """A valid git ref, readable, and unique per configuration and seed."""
    digest = hashlib.sha256(f"{config}\0{seed}".encode()).hexdigest()[:8]
    readable = re.sub(r"[^A-Za-z0-9]+", "-", f"{family}-{variant}-seed{seed}").strip("-")[:50]
    return f"answer-{readable}-{digest}"


def standard(params: dict, preset: str, finetune: bool, families: tuple[str, ...] = (),
             variants: tuple[str, ...] = (), seeds: tuple[int, ...] = ()) -> list[Run]:
    """The runs of the standard comparison: `families` and `variants` default to every family
    available offline (fine-tuning only when `finetune`) and every variant params define."""
    families = families or tuple(f for f in FAMILIES if f != "bert_finetuned" or finetune)
    variants = variants or tuple(params["preprocess"]["variants"])
    seeds = seeds or PRESETS[preset]["seeds"]
    planned = []
    for family in families:
        for variant in variants:
            for seed in seeds:
                overrides = (*FAMILIES[family], f"preprocessing={variant}", f"seed={seed}")
                config = config_id(applied(params, overrides), "cnn")
                planned.append(Run(family, variant, seed, overrides, config,
                                   run_name(family, variant, seed, config)))
    return planned
