"""The labels of a dataset: wide (one 0/1 column per label) or long (one column of label names
or ids: a list cell, a list written as text, or names joined by a separator, with an optional
label-names file), and the checks on label names that keep them apart and refuse a mis-parse.
"""

import re
import unicodedata
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from embedding_bench.errors import UserError
from embedding_bench.file_readers import at, require_column
from embedding_bench.label_cells import (MISSING, MISSING_ITEMS, WIDE_VALUES, as_text, label_items, label_name,
                                         refuse_odd_items)
from embedding_bench.param_checks import repeated
from embedding_bench.sections import Ingest
from embedding_bench.sources import resolve

# Columns the pipeline's tables hold beside the labels: a label may not be named like one.
RESERVED = ("id", "text", "split", "original_text", "tokens", "empty", "_labels", "_line", "_file")
# Characters that join several labels in one cell, when they are not ingest.labels.separator:
# `anger|fear` and `anger;fear` are joined whatever the parts are, `anger/joy` only where all
# parts are labels (`news` and `news/politics` make a taxonomy, `very` and `very positive` a scale).
JOINERS = {"|": lambda parts: True, ";": lambda parts: True, ",": all, "/": all, "+": all, "#": all, "&": all,
           " ": all}
# Characters no real label name holds: a label like `["joy"` or `{anger` is a list (JSON, Python,
# a Postgres array) read as delimited text.
MISPARSE = set("[]{}\"'")

# With ingest.labels.columns empty, a column that is not a label (ids, a split, a date) is read as one.
NOT_A_LABEL = ("with ingest.labels.columns empty, every column but the id and text columns is a "
               "label: if this one is not, list the label columns there or set ingest.id_column; or ")


def _refuse_label_keys_of_some_records(df: pd.DataFrame, columns: list, path: Path) -> None:
    """JSON records where a label's key is in some records only: a misspelt key (`angr`), named
    where it is, not as an empty value in every record without it."""
    absent = df.attrs.get("absent", {})
    partial = [c for c in columns if absent.get(c)]
    if partial:
        key = max(partial, key=lambda c: len(absent[c]))  # the rarest key: the likeliest misspelt
        without = set(absent[key])
        having = [row for row in df.index if row not in without]
        raise UserError(f"{path}: only {len(having)} of {len(df)} records have the label key {key!r} (the "
                        f"first: {at(df, having[0])}); every record needs every label's key, so it is "
                        f"misspelt there or a label of some records only: fix the records, or list the "
                        f"label keys in ingest.labels.columns")


def wide_labels(df: pd.DataFrame, cfg: Ingest, path: Path) -> tuple[list[str], np.ndarray]:
    """Label columns of 0/1 (or true/false, yes/no, 0.0/1.0): check every value, return
    (names, int8 matrix). A missing value is an error at its own row and column."""
    given = cfg.labels.columns
    reserved = {cfg.text_column, cfg.id_column}
    header = {unicodedata.normalize("NFC", str(c)): c for c in df.columns}  # é as one character or e + accent
    columns = [header.get(unicodedata.normalize("NFC", str(c)), c) for c in given] or \
        [c for c in df.columns if c not in reserved]
    names = [label_name(str(column), f"{path}: header") for column in columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{path}: label columns {missing} not found; columns found: "
                        f"{', '.join(map(str, df.columns))}. Fix ingest.labels.columns")
    if not columns:
        raise UserError(f"{path}: no label columns; list them in ingest.labels.columns")
    _refuse_label_keys_of_some_records(df, columns, path)
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
            if missing_only:  # a file's own word for no value ('nan', 'null') is named as written
                shown = f"is {value!r}" if isinstance(value, str) and value.strip() else "is empty"
                what = f"{shown} (a missing label value); give every text 0 or 1 in every label column"
            elif as_text(value).strip().casefold() in MISSING_ITEMS:  # R's NA, -1 for a text not scored
                what = (f"is {value!r}, a missing label value; give every text 0 or 1 in every label "
                        f"column, and remove texts nobody labelled (or, for labels coded 1/-1, write "
                        f"-1 as 0)")
            elif as_text(value).strip() == str(col):
                what = "repeats the header (files joined with their headers?); remove that line"
            else:
                what = (f"has label value {value!r}, not 0/1, true/false or yes/no; the wide layout "
                        f"needs one 0/1 column per label ({NOT_A_LABEL if not given else ''}use "
                        f"ingest.labels.layout: long for a column of label names)")
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
    lines = text.splitlines()
    while lines and not lines[-1].strip():  # blank lines at the end are an editor's, not ids
        lines.pop()
    # a line's place is its label's id, so a blank line inside would shift every id after it
    blank = next((number for number, line in enumerate(lines, 1) if not line.strip()), None)
    if blank:
        raise UserError(f"{path}: line {blank} is blank; each line's place is its label's id (the first "
                        f"line is id 0), so write the name of id {blank - 1} there (ingest.labels.names_file)")
    numbered = next((n for n, line in enumerate(lines, 1) if re.match(r"\s*\d+\s*[,;:|\t ]\s*\S", line)), None)
    if numbered:
        raise UserError(f"{path}: line {numbered} ({lines[numbered - 1]!r}) looks like an id and a name; the "
                        f"file holds one name a line, its place the id (the first line is id 0): write the "
                        f"names alone (ingest.labels.names_file)")
    names = [label_name(line, f"{path}: line {number}") for number, line in enumerate(lines, 1)]
    if not names:
        raise UserError(f"{path}: the label-names file is empty")
    twice = repeated(names)
    if twice:
        raise UserError(f"{path}: the label-names file lists {twice} more than once; each line's "
                        f"place is its label's id (the first line is id 0), so each name must be there once")
    return names


def parse_long(df: pd.DataFrame, cfg: Ingest, path: Path, names: list[str] | None
               ) -> tuple[list[list[str]], set[str]]:
    """Each row's labels from one column (see label_items): a list of label names per row; and
    the names a {label: 0/1} cell declares, 0 or 1 (a label none of the texts has is still one)."""
    column, sep = cfg.labels.column, cfg.labels.separator
    require_column(df, column, path, "ingest.labels.column")  # null is "no labels", a missing key a mistake
    cells, declared = [], set()
    for i, cell in df[column].items():
        where = f"{path}: {at(df, i)}, column {column!r}"
        items = label_items(cell, sep, where)
        refuse_odd_items(items, where, names)
        if isinstance(cell, dict):
            declared |= {label_name(str(k), where) for k in cell}
        cells.append((where, at(df, i), items))
    if names is None:
        return [items for _, _, items in cells], declared
    return _resolve_ids(cells, names), declared


def _as_id(item: str, n_labels: int) -> int | None:
    """A label id: ASCII digits below the number of labels (`²` is a digit int() cannot read)."""
    return int(item) if item.isascii() and item.isdigit() and int(item) < n_labels else None


def _resolve_ids(cells: list[tuple[str, str, list[str]]], names: list[str]) -> list[list[str]]:
    """Each cell's labels (with where it is, for messages) as names, an id n being the names
    file's n-th name (from 0). A name is read
    as the name first (`042` of ICD codes stays `042`); a name that is also another label's id
    (`1` where the names are 1..5) is refused where the column gives ids as well, since which
    one it means there, nobody knows."""
    position = {name: n for n, name in enumerate(names)}
    as_id = [(row, x) for _, row, items in cells for x in items
             if x not in position and _as_id(x, len(names)) is not None]
    both = [(where, x) for where, _, items in cells for x in items
            if x in position and _as_id(x, len(names)) not in (None, position[x])]
    if as_id and both:
        (where, item), (id_row, an_id) = both[0], as_id[0]
        raise UserError(f"{where}: {item!r} is a label's name and the id of {names[int(item)]!r}, and "
                        f"the column gives ids as well ({id_row}: {an_id!r}), so what {item!r} means is "
                        f"ambiguous; write names only or ids only, or give the labels names that are not "
                        f"numbers (ingest.labels.names_file)")
    rows = []
    for where, _, items in cells:
        resolved = []
        for item in items:
            n = position.get(item, _as_id(item, len(names)))
            if n is None:
                raise UserError(f"{where}: unknown label {item!r}; known labels are the {len(names)} "
                                f"names (or ids 0..{len(names) - 1}) of ingest.labels.names_file")
            resolved.append(names[n])
        rows.append(resolved)
    if as_id and not any(names[-1] in row for row in rows):
        where = next(where for where, row, _ in cells if row == as_id[0][0])
        raise UserError(f"{where}: the column gives ids ({as_id[0][1]!r}), and the names file's last "
                        f"line, {names[-1]!r} (id {len(names) - 1}), is no text's label: does the file start "
                        f"with a header line ({names[0]!r}; pandas' to_csv writes one)? That would shift every "
                        f"id by one: remove it. If no text has {names[-1]!r}, remove its line "
                        f"(ingest.labels.names_file)")
    return rows


def check_label_names(labels: list[str], where: str, separator: str | None = None,
                      named: bool = False, locate: Callable[[str], str] | None = None) -> None:
    """Refuse label names that the pipeline cannot keep apart or that look like a mis-parse: one
    name alone (this compares multilabel classifiers), names of the pipeline's own columns,
    brackets or quotes (a list read as delimited text), names that differ only by case or spaces
    (`Joy` and `joy` would silently become two labels), and, in the long layout (`separator`)
    without a names file (`named`), names that are other labels joined by a character other than
    ingest.labels.separator (`anger|joy`). `locate(name)`, where given, says where a name is first
    found (`data.csv: line 3`), for the message about it."""
    at_name = locate or (lambda name: where)
    if len(labels) < 2:
        raise UserError(f"{where}: one label only ({labels[0]!r}); this tool compares multilabel "
                        f"classifiers and needs two or more. For a yes/no task, add the opposite as "
                        f"a second label (e.g. not_{labels[0]}: 1 where {labels[0]} is 0)")
    reserved = [name for name in labels if name in RESERVED]
    if reserved:
        raise UserError(f"{at_name(reserved[0])}: label name(s) {reserved} are column names the pipeline uses "
                        f"({', '.join(RESERVED[:6])}); rename the label in the data (or the names file), "
                        f"or, if it is not a label, list the label columns in ingest.labels.columns "
                        f"or set ingest.id_column")
    odd = [name for name in labels if MISPARSE & set(name) or name.count("(") != name.count(")")
           or not name.strip("() ")] if separator is not None else []  # `(2`, `27)`, `()`: a tuple's repr
    if odd:
        raise UserError(f"{at_name(odd[0])}: label names {odd[:5]} hold brackets, quotes or unbalanced "
                        f"parentheses (a list or tuple written as text?): the label column was probably "
                        f"not split right; check ingest.labels.separator and the file")
    numbers = [name for name in labels if name.isascii() and name.isdigit()] if separator is not None else []
    if numbers and len(numbers) < len(labels) and not named:
        names = [name for name in labels if name not in numbers]
        raise UserError(f"{at_name(numbers[0])}: the label {numbers[0]!r} is a number among names "
                        f"({', '.join(map(repr, names[:3]))}): an id? Ids need the names in "
                        f"ingest.labels.names_file (one a line, the first id 0); if {numbers[0]!r} is a "
                        f"label's name, list it there too")
    folded = {}
    for name in labels:  # as a reader sees them: one Unicode form, any case, any spacing
        folded.setdefault(" ".join(unicodedata.normalize("NFC", name).casefold().split()), []).append(name)
    clashes = [group for group in folded.values() if len(group) > 1]
    if clashes:
        raise UserError(f"{at_name(clashes[0][-1])}: label names differ only by case, spaces or Unicode form: "
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
                raise UserError(f"{at_name(joined[0])}: labels like {joined[0]!r} look like labels joined by "
                                f"{joiner!r}, not by ingest.labels.separator {separator!r}: set "
                                f"ingest.labels.separator: {joiner!r}, or, if {joined[0]!r} is one "
                                f"label, list every name in ingest.labels.names_file")


