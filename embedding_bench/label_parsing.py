"""The labels of a dataset: wide (one 0/1 column per label) or long (one column of label names
or ids: a list cell, a list written as text, or names joined by a separator, with an optional
label-names file), and the checks on label names that keep them apart and refuse a mis-parse.
"""

import ast
import io
import json
import re
import tokenize
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from embedding_bench.errors import UserError
from embedding_bench.file_readers import at, require_column
from embedding_bench.sections import Ingest
from embedding_bench.sources import resolve

# Wide label values as exporters write them (pandas writes 0.0/1.0 after a missing cell).
WIDE_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1, "no": 0, "yes": 1}
MISSING = {"", "nan", "none", "null", "<na>"}
# Long-layout items that stand for no value: R's NA, pandas' NaN and None, Hugging Face's -1 for
# a text nobody labelled. No label's name, unless the names file lists it.
MISSING_ITEMS = (MISSING - {""}) | {"na", "n/a", "-1"}
# Columns the pipeline's tables hold beside the labels: a label may not be named like one.
RESERVED = ("id", "text", "split", "original_text", "tokens", "empty", "_labels", "_line", "_file")
# Characters that join several labels in one cell, when they are not ingest.labels.separator:
# `anger|fear` and `anger;fear` are joined whatever the parts are, `anger/joy` only where all
# parts are labels (`news` and `news/politics` make a taxonomy, `very` and `very positive` a scale).
JOINERS = {"|": lambda parts: True, ";": lambda parts: True, ",": all, "/": all, "+": all, " ": all}
# Characters no real label name holds: a label like `["joy"` or `{anger` is a list (JSON, Python,
# a Postgres array) read as delimited text.
MISPARSE = set("[]{}\"'")

def invisible(text: str) -> list[str]:
    """The characters of `text` a reader cannot see and a tokenizer may keep: control and format
    characters (NUL, zero-width spaces and joiners, bidi marks), as U+XXXX."""
    return sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs")})


def label_name(name: str, where: str) -> str:
    """A label name as the pipeline keeps it: Unicode NFC (an é typed as e + accent and one typed
    whole are one label), stripped; one holding invisible characters is refused, since it would
    print like another label and be a different one."""
    hidden = invisible(name)
    if hidden:
        raise UserError(f"{where}: label {name!r} holds invisible characters ({', '.join(hidden)}); "
                        f"remove them from the data (or the names file)")
    return unicodedata.normalize("NFC", name).strip()


def as_text(value: object) -> str:
    """A cell as text; a missing one (None, NaN, pandas' NA) as ""."""
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)


def wide_labels(df: pd.DataFrame, cfg: Ingest, path: Path) -> tuple[list[str], np.ndarray]:
    """Label columns of 0/1 (or true/false, yes/no, 0.0/1.0): check every value, return
    (names, int8 matrix). A missing value is an error at its own row and column."""
    given = cfg.labels.columns
    reserved = {cfg.text_column, cfg.id_column}
    columns = list(given or [c for c in df.columns if c not in reserved])
    names = [label_name(str(column), f"{path}: header") for column in columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{path}: label columns {missing} not found; columns found: "
                        f"{', '.join(map(str, df.columns))}. Fix ingest.labels.columns")
    if not columns:
        raise UserError(f"{path}: no label columns; list them in ingest.labels.columns")
    index = next((str(c) for c in columns if not str(c).strip() or re.fullmatch(r"Unnamed: \d+", str(c))), None)
    if not given and index is not None:
        fix = (f"the ids are in {cfg.id_column!r}, so list the label columns in ingest.labels.columns, or "
               f"remove that column" if cfg.id_column in df.columns else
               f"if it holds the ids, set ingest.id_column: {index!r}; else list the label columns in "
               f"ingest.labels.columns, or remove that column")
        raise UserError(f"{path}: the column {index!r} has no name of its own (an index written by pandas' "
                        f"to_csv without index=False?), and with ingest.labels.columns empty every "
                        f"column but id and text is a label: {fix}")
    values = df[columns].apply(lambda s: s.map(as_text).str.strip().str.lower())
    for missing_only in (True, False):  # an empty cell is named before any other bad value
        bad = values.isin(list(MISSING)) if missing_only else ~values.isin(list(WIDE_VALUES))
        if bad.any().any():
            row = min(r for c in columns for r in values.index[bad[c]])
            col = next(c for c in columns if bad.at[row, c])
            value = df.at[row, col]
            if missing_only:
                what = "is empty (a missing label value); give every text 0 or 1 in every label column"
            elif as_text(value).strip() == str(col):
                what = "repeats the header (files joined with their headers?); remove that line"
            else:
                what = (f"has label value {value!r}, not 0/1, true/false or yes/no; the wide layout "
                        f"needs one 0/1 column per label (use ingest.labels.layout: long for a column "
                        f"of label names)")
            raise UserError(f"{path}: {at(df, row)}, column {col!r} {what}")
    return names, values.apply(lambda s: s.map(WIDE_VALUES)).astype("int8").to_numpy()


def label_names(cfg: Ingest, root: Path) -> list[str] | None:
    """The label-names file of the long layout, or None."""
    names_file = cfg.labels.names_file
    if not names_file:
        return None
    path = resolve(root, names_file)
    if not path.is_file():
        raise UserError(f"{path}: label-names file not found (ingest.labels.names_file)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: the label-names file is not UTF-8 ({e.reason} at byte {e.start}); "
                        f"re-save it as UTF-8 (ingest.labels.names_file)") from None
    names = [label_name(line, f"{path}: line {number}") for number, line in enumerate(text.splitlines(), 1)
             if line.strip()]
    if not names:
        raise UserError(f"{path}: the label-names file is empty")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UserError(f"{path}: the label-names file lists {twice} more than once; each line's "
                        f"place is its label's id (the first line is id 0), so each name must be there once")
    # a cell `1` is the name "1" and, were the names 1..5, also the id of "2": which, nobody knows
    mixed = next((name for i, name in enumerate(names) if name.isdigit() and int(name) < len(names)
                  and names[int(name)] != name), None)
    if mixed is not None:
        raise UserError(f"{path}: the label-names file names a label {mixed!r}, a number that is also "
                        f"the id of {names[int(mixed)]!r} (the first line is id 0), so a cell {mixed!r} could "
                        f"mean either; give the labels names that are not numbers, or remove "
                        f"ingest.labels.names_file to read the numbers as the names")
    return names


def _written_list(text: str) -> list[str] | None:
    """The items of a list of strings or numbers written as text, or None: JSON or a Python
    repr (`["joy", "love"]`, `['joy', 'love']`, `[0, 3]`) or numpy's repr, which pandas' to_csv
    writes for an array (`['joy' 'love']`, `[0 3]`: no commas, possibly over several lines).
    Read token by token, not by literal_eval, which would join `'joy' 'love'` into 'joylove'."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                  if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError):
        return None
    if len(tokens) < 2 or tokens[0].string != "[" or tokens[-1].string != "]":
        return None
    inner = tokens[1:-1]
    if any(t.string == "," for t in inner):  # item, item, ... (a trailing comma allowed)
        items, commas = inner[0::2], inner[1::2]
        if any(t.string != "," for t in commas):
            return None
    else:  # numpy: items separated by white space only
        items = inner
    if any(t.type not in (tokenize.STRING, tokenize.NUMBER) for t in items):
        return None
    try:
        return [ast.literal_eval(t.string) for t in items]
    except (ValueError, SyntaxError):  # an f-string or bytes prefix: not a name
        return None


def _item(x: object, cell: object, where: str) -> str:
    """One item of a list of labels as text: a name, or a whole-number id. True/false or a
    number with a decimal point is a value per label (a multi-hot or probability vector, as
    Hugging Face's multi-label examples store them), which would read as ids or names: refused."""
    if isinstance(x, (bool, np.bool_, float, np.floating)):
        plain = lambda v: v.item() if isinstance(v, np.generic) else v  # noqa: E731 (numpy's repr: np.float64(0.0))
        shown = cell if isinstance(cell, str) else [plain(v) for v in cell]
        raise UserError(f"{where}: {plain(x)!r} in the labels {shown!r} is a value per label (a 0/1 or "
                        f"probability vector?), not a label name or a whole-number id; write the "
                        f"names or ids of the labels each text has (e.g. [1, 3]), or one 0/1 column "
                        f"per label with ingest.labels.layout: wide")
    return str(x)


def label_items(cell: object, sep: str, where: str) -> list[str]:
    """One cell of the long layout as a list of label strings: a list-typed cell (Parquet,
    JSONL), a list written as text (see _written_list), or names/ids joined by the separator."""
    if isinstance(cell, dict):  # {"joy": 1, "sad": 0}: the wide layout inside one JSON field
        bad = {k: v for k, v in cell.items() if as_text(v).strip().lower() not in WIDE_VALUES}
        if bad:
            raise UserError(f"{where}: labels {cell!r} map names to values; {bad!r} are not 0/1 or "
                            f"true/false")
        return [label_name(str(k), where) for k, v in cell.items() if WIDE_VALUES[as_text(v).strip().lower()]]
    if isinstance(cell, (list, tuple, np.ndarray)):
        if any(x is None or (isinstance(x, float) and np.isnan(x)) for x in cell):
            raise UserError(f"{where}: a null among the labels {list(cell)!r}; a text without a label "
                            f"has an empty list, so remove the null (or give the label it stands for)")
        return [label_name(item, where) for x in cell if (item := _item(x, cell, where)).strip()]
    text = as_text(cell).strip()
    if not text:
        return []
    if text.startswith("[") and text.endswith("]"):  # a list written as text by an exporter
        try:
            parsed = json.loads(text)
            items = parsed if all(isinstance(x, (str, int, float)) for x in parsed) else None
        except ValueError:
            items = _written_list(text)
        if items is None:
            raise UserError(f"{where}: {text!r} looks like a list but is not a list of names or ids "
                            f"(JSON, Python or numpy); write it as [\"a\", \"b\"] or as names "
                            f"joined by ingest.labels.separator")
        return [label_name(item, where) for x in items if (item := _item(x, text, where)).strip()]
    return [label_name(s, where) for s in text.split(sep) if s.strip()]


def parse_long(df: pd.DataFrame, cfg: Ingest, path: Path, names: list[str] | None
               ) -> tuple[list[list[str]], set[str]]:
    """Each row's labels from one column (see label_items): a list of label names per row; and
    the names a {label: 0/1} cell declares, 0 or 1 (a label none of the texts has is still one)."""
    column, sep = cfg.labels.column, cfg.labels.separator
    require_column(df, column, path, "ingest.labels.column")  # null is "no labels", a missing key a mistake
    rows, declared = [], set()
    for i, cell in df[column].items():
        where = f"{path}: {at(df, i)}, column {column!r}"
        items = label_items(cell, sep, where)
        _refuse_odd_items(items, where, names)
        if isinstance(cell, dict):
            declared |= {label_name(str(k), where) for k in cell}
        if names is not None:
            resolved = []
            for item in items:
                if item in names:
                    resolved.append(item)
                elif item.isdigit() and int(item) < len(names):
                    resolved.append(names[int(item)])
                else:
                    raise UserError(f"{path}: {at(df, i)}, column {column!r}: unknown "
                                    f"label {item!r}; known labels are the {len(names)} names (or "
                                    f"ids 0..{len(names) - 1}) of ingest.labels.names_file")
            items = resolved
        rows.append(items)
    return rows, declared


def _refuse_odd_items(items: list[str], where: str, names: list[str] | None) -> None:
    """Numbers with one listed twice in a cell are a 0/1 value per label read as ids or names
    ([0, 1, 0, 0] would be labels 0 and 1; a name listed twice, `joy,joy`, is one label); a
    missing-value item (NA, None, NaN, -1) is no label's name unless the names file lists it."""
    repeated = next((x for x in items if items.count(x) > 1), None)
    if repeated is not None and all(x.isdigit() for x in items):
        raise UserError(f"{where}: the labels {items} name {repeated!r} more than once: a 0/1 value "
                        f"per label (a multi-hot vector)? The long layout reads the names or ids of "
                        f"the labels each text has, each once: write those (e.g. [1, 3]), or one 0/1 "
                        f"column per label with ingest.labels.layout: wide")
    marker = next((x for x in items if x.casefold() in MISSING_ITEMS and not (names and x in names)), None)
    if marker is not None:
        raise UserError(f"{where}: {marker!r} reads as a missing value, not a label: leave the cell "
                        f"empty for a text without labels, and remove texts nobody labelled; if "
                        f"{marker!r} is a label's name, list every name in ingest.labels.names_file")


def check_label_names(labels: list[str], where: str, separator: str | None = None,
                      named: bool = False) -> None:
    """Refuse label names that the pipeline cannot keep apart or that look like a mis-parse: one
    name alone (this compares multilabel classifiers), names of the pipeline's own columns,
    brackets or quotes (a list read as delimited text), names that differ only by case or spaces
    (`Joy` and `joy` would silently become two labels), and, in the long layout (`separator`)
    without a names file (`named`), names that are other labels joined by a character other than
    ingest.labels.separator (`anger|joy`)."""
    if len(labels) < 2:
        raise UserError(f"{where}: one label only ({labels[0]!r}); this tool compares multilabel "
                        f"classifiers and needs two or more. For a yes/no task, add the opposite as "
                        f"a second label (e.g. not_{labels[0]}: 1 where {labels[0]} is 0)")
    reserved = [name for name in labels if name in RESERVED]
    if reserved:
        raise UserError(f"{where}: label name(s) {reserved} are column names the pipeline uses "
                        f"({', '.join(RESERVED[:6])}); rename the label in the data (or the names file)")
    odd = [name for name in labels if MISPARSE & set(name)] if separator is not None else []
    if odd:
        raise UserError(f"{where}: label names {odd[:5]} hold brackets or quotes: the label column "
                        f"was probably not split right; check ingest.labels.separator and the file")
    folded = {}
    for name in labels:  # as a reader sees them: one Unicode form, any case, any spacing
        folded.setdefault(" ".join(unicodedata.normalize("NFC", name).casefold().split()), []).append(name)
    clashes = [group for group in folded.values() if len(group) > 1]
    if clashes:
        raise UserError(f"{where}: label names differ only by case, spaces or Unicode form: "
                        + "; ".join(" / ".join(map(repr, g)) for g in clashes)
                        + "; make them one spelling in the data or the names file")
    if separator is not None and not named:
        known = set(labels)
        for joiner, which in JOINERS.items():
            if joiner == separator:
                continue
            joined = [name for name in labels
                      if len(parts := [p.strip() for p in name.split(joiner) if p.strip()]) >= 2
                      and which([part in known for part in parts])]
            if joined:
                raise UserError(f"{where}: labels like {joined[0]!r} look like labels joined by "
                                f"{joiner!r}, not by ingest.labels.separator {separator!r}: set "
                                f"ingest.labels.separator: {joiner!r}, or, if {joined[0]!r} is one "
                                f"label, list every name in ingest.labels.names_file")


