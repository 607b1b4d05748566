"""params.yaml, read once and checked against one schema (schema.py) before any stage acts on
it: unknown keys at any level (with a "did you mean"), types, ranges and names that must exist
fail with one message naming the param, so that a typo never runs silently.

`load()` returns the frozen, validated `Params`; stages hand its sections (`p.ingest`, `p.bert`,
...) to the library, which reads them as attributes.
"""

import difflib
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from embedding_bench.errors import UserError
from embedding_bench.schema import Params
from embedding_bench.sections import Preprocess, Variant

PARAMS_FILE = Path("params.yaml")


def as_written(path: Union[str, Path] = PARAMS_FILE) -> dict:
    """params.yaml as plain values, exactly as written (and as DVC records it for every
    experiment), after checking it: what the comparison matches a run's configuration with."""
    try:
        params = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: not found; run from the repository root") from None
    except YAMLError as e:
        raise UserError(f"{path}: not valid YAML: {e}") from None
    check(params, path)
    return params


def load(path: Union[str, Path] = PARAMS_FILE) -> Params:
    """params.yaml as the validated, frozen Params; a UserError naming every problem."""
    return Params.model_validate(as_written(path))


def _model_at(location: tuple) -> Any:
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


def _message(error: dict) -> str:
    location = tuple(str(part) for part in error["loc"])
    if "[key]" in location:  # a mapping's key is wrong (a variant's name): name the mapping
        mapping = ".".join(location[:location.index("[key]") - 1])
        return f"{mapping}: {error['ctx']['error'] if 'ctx' in error else error['msg']}"
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
        message = str(error["ctx"]["error"])
        if not location or message.startswith(f"{where}."):  # the message names its params
            return message
        shown = "" if isinstance(error["input"], dict) else f" is {error['input']!r}"
        return f"{where}{shown}: {message}"
    return f"{where} is {error['input']!r}: {error['msg'].lower()}"


def check(params: Any, path: Union[str, Path] = PARAMS_FILE) -> Params:
    """The validated Params of a mapping as params.yaml holds it; else one UserError listing
    every problem (at most five), each naming its param and what is allowed."""
    if params is None:
        raise UserError(f"{path}: the file is empty; it needs every param (the repository's "
                        f"params.yaml is a complete example)")
    if not isinstance(params, dict):
        raise UserError(f"{path}: expected a mapping of params")
    try:
        return Params.model_validate(params)
    except ValidationError as e:
        messages = [_message(error) for error in e.errors(include_url=False)]
        raise UserError(f"{path}: " + "; ".join(messages[:5])) from None
