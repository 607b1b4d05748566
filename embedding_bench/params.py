"""params.yaml, read once and checked, so that a typo fails before any work is done."""

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from embedding_bench.errors import UserError

PARAMS_FILE = Path("params.yaml")
EMBEDDINGS = ("random", "word2vec", "glove", "bert")
CNN_MODES = ("auto", "rand", "static", "non_static", "multichannel")


def load(path=PARAMS_FILE):
    try:
        params = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: not found; run from the repository root") from None
    except YAMLError as e:
        raise UserError(f"{path}: not valid YAML: {e}") from None
    check(params, path)
    return params


def _choice(value, valid, where, path):
    if value not in valid:
        raise UserError(f"{path}: {where} is {value!r}; valid values: {', '.join(map(str, valid))}")


def _typed(params, dotted, kind, path):
    value = params
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            raise UserError(f"{path}: {dotted} is missing")
        value = value[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise UserError(f"{path}: {dotted} must be {names}, got {value!r}")
    return value


def check(params, path=PARAMS_FILE):
    if not isinstance(params, dict):
        raise UserError(f"{path}: expected a mapping of params")
    _choice(params.get("embedding"), EMBEDDINGS, "embedding", path)
    variants = _typed(params, "preprocess.variants", dict, path)
    _choice(params.get("preprocessing"), tuple(variants), "preprocessing", path)
    _choice(params.get("cnn", {}).get("mode"), CNN_MODES, "cnn.mode", path)
    threshold = params.get("evaluate", {}).get("threshold")
    if threshold != "tuned" and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                 or not 0 < threshold < 1):
        raise UserError(f"{path}: evaluate.threshold is {threshold!r}; use a number between 0 and 1, "
                        f"or tuned")
    _choice(params.get("evaluate", {}).get("at_least_one"), ("auto", True, False),
            "evaluate.at_least_one", path)
    for dotted, kind in [("seed", int), ("split.seed", int), ("split.test_size", float),
                         ("split.val_size", float),
                         ("train.batch_size", int), ("train.max_epochs", int),
                         ("train.patience", int),
                         ("cnn.filters", int), ("cnn.dropout", float), ("cnn.max_norm", (int, float))]:
        _typed(params, dotted, kind, path)
