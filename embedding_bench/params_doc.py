"""The params reference (docs/params.md), generated from the schema: one table per section with
each param's type, allowed values or range, default and description.

    embedding-bench params-doc docs/params.md          # write it
    embedding-bench params-doc --check docs/params.md  # exit 1 if the file differs from the schema
"""

import argparse
import sys
import typing
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from embedding_bench.cli import stage_main
from embedding_bench.errors import UserError
from embedding_bench.schema import Params
from embedding_bench.sections import Variant

HEADER = """# Params reference

Every param of `params.yaml`, generated from the schema (`embedding_bench/schema.py`) by
`embedding-bench params-doc docs/params.md`; a test fails when this page and the schema differ.
params.yaml must give every param that has no default. Change one for an experiment with
`dvc exp run -S section.param=value`.
"""

BOUNDS = ((at.Ge, "ge", "≥"), (at.Gt, "gt", ">"), (at.Le, "le", "≤"), (at.Lt, "lt", "<"))


def _constraints(metadata: list) -> list[str]:
    out = []
    for item in metadata:
        for kind, attr, sign in BOUNDS:
            if isinstance(item, kind):
                bound = getattr(item, attr)
                out.append(f"{sign} {bound:,}" if isinstance(bound, int) else f"{sign} {bound:g}")
        if isinstance(item, at.MinLen):
            out.append(f"at least {item.min_length} long")
        if getattr(item, "pattern", None):
            out.append(f"matching `{_cell(item.pattern)}`")
    return out


def type_text(annotation: Any, metadata: tuple = ()) -> str:
    """An annotation as a reader says it: `0 | 1`, `integer ≥ 1`, `list of text`, `text or null`."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0], (*args[1:], *metadata))
    if origin is typing.Literal:
        return " \\| ".join("null" if a is None else str(a).lower() if isinstance(a, bool) else f"`{a}`"
                            for a in args)
    if origin is typing.Union:
        kinds = [a for a in args if a is not type(None)]
        text = " or ".join(type_text(a) for a in kinds)
        return f"{text} or null" if type(None) in args else text
    if origin is list:
        return f"list of {type_text(args[0])}"
    if origin is dict:
        return f"mapping of {type_text(args[0])} to {type_text(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "a section (below)" if annotation is not Variant else "a Variant (below)"
    names = {int: "integer", float: "number", str: "text", bool: "true \\| false"}
    base = names.get(annotation, "see description")
    found = _constraints([m for meta in metadata for m in (meta.metadata if isinstance(meta, FieldInfo)
                                                           else [meta])])
    return " ".join([base, *found]) if found else base


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return ""
    value = field.default
    return "`null`" if value is None else f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a `|` would end the cell."""
    return text.replace("|", "\\|")


def section(title: str, model: type[BaseModel]) -> str:
    rows = [f"## {title}", ""]
    if model is Variant:
        rows += [(model.__doc__ or "").strip(), ""]
    rows += ["| param | type | default | description |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        kind = type_text(field.annotation, tuple(field.metadata))
        rows.append(f"| `{name}` | {kind} | {_default(field)} | {_cell(field.description or '')} |")
    return "\n".join(rows) + "\n"


def sections(model: type[BaseModel], prefix: str = "") -> list[tuple[str, type[BaseModel]]]:
    """(dotted title, model) of every section under `model`, depth first, the variant last."""
    found = [(prefix or "top level", model)]
    for name, field in model.model_fields.items():
        inner = field.annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            found += sections(inner, f"{prefix}{name}.")
    return found


def reference() -> str:
    parts = [HEADER] + [section(title.rstrip("."), model) for title, model in sections(Params)]
    parts.append(section("preprocess.variants.NAME (Variant)", Variant))
    return "\n".join(parts)


@stage_main
def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("path", type=Path, help="the reference page, e.g. docs/params.md")
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)
    text = reference()
    if args.check:
        if not args.path.is_file() or args.path.read_text(encoding="utf-8") != text:
            raise UserError(f"{args.path} differs from the schema; regenerate it with "
                            f"`embedding-bench params-doc {args.path}`")
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
