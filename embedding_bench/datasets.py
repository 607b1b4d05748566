"""Reading a user's labelled text files into one table: id, text, split, one 0/1 column per label.

The layout of a dataset is described by the `ingest` params, never hard-coded per dataset:
files (one per given split, or one `all` file), format, text/id columns, and the labels either
*wide* (one 0/1 column per label) or *long* (one column of label names or ids joined by a
separator, with an optional label-names file).
"""

import ast
import codecs
import csv
import io
import json
import tokenize
from pathlib import Path

import numpy as np
import pandas as pd

from embedding_bench.errors import UserError
from embedding_bench.sources import resolve

SPLITS = ("train", "val", "test")
# Wide label values as exporters write them (pandas writes 0.0/1.0 after a missing cell).
WIDE_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1, "no": 0, "yes": 1}
MISSING = {"", "nan", "none", "null", "<na>"}
# Columns the pipeline's tables hold beside the labels: a label may not be named like one.
RESERVED = ("id", "text", "split", "original_text", "tokens", "empty", "_labels", "_line", "_file")
# Characters that join several labels in one cell, when they are not ingest.labels.separator:
# `anger;fear` is joined where any part is a label, `anger/joy` only where all are (`news` and
# `news/politics` make a taxonomy, `very` and `very positive` a scale).
JOINERS = {"|": any, ";": any, ",": all, "/": all, "+": all, " ": all}
# Characters no real label name holds: a label like `["joy"` is a list read as delimited text.
MISPARSE = set("[]\"'")
FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".json": "jsonl",
           ".parquet": "parquet"}


def _format(path, fmt):
    if fmt != "auto":
        return fmt
    if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        raise UserError(f"{path}: spreadsheets are not read; save the sheet as CSV UTF-8 (File > "
                        f"Save As) and name that file in ingest.files")
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UserError(f"{path}: cannot tell the format from the extension; set ingest.format "
                        f"to one of csv, tsv, jsonl, parquet") from None


def _refuse_utf8_read_as_other(path, encoding):
    """A file that is valid UTF-8 with non-ASCII characters, read with another encoding, would
    turn `café` into `cafÃ©` without an error: refused (a legacy-encoded file is almost never
    valid UTF-8 by chance)."""
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return
    data = path.read_bytes()
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if not decoded.isascii():
        first = next(ch for ch in decoded if not ch.isascii())  # a word holding it, if any
        sample = next((w for w in decoded.split() if not w.isascii()), first)[:30]
        raise UserError(f"{path}: the file is UTF-8 (e.g. {sample!r}), but ingest.encoding is "
                        f"{encoding!r}, which would read it as {sample.encode('utf-8').decode(encoding, 'replace')!r}; "
                        f"set ingest.encoding: utf-8")


def _first_bad_line(path, encoding):
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as e:
                return number, e
    return None, None


def _decoding(encoding):
    """The codec to read with: UTF-8 files saved with a byte-order mark (Notepad, Excel) lose it."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


QUOTE_HINT = "for texts with bare quotes (tweets), set ingest.quoting: none"


def _runaway(field, sep, width):
    """Whether a quoted field that spans lines swallowed rows of their own: in a TSV, a field
    holding both a tab and a line break (tweets hold neither); elsewhere, a field whose every
    line between its first and last splits into exactly one field per column."""
    if "\n" not in field:
        return False
    if sep == "\t" and "\t" in field:
        return True
    middle = field.split("\n")[1:-1]
    return bool(middle) and all(len(row.split(sep)) == width for row in middle)


def read_delimited(path, sep, quoting, names=None):
    """Records of a csv/tsv file with the csv module, so that each keeps the file line it starts
    on (quoted fields may span lines). Returns (columns, records, lines). Blank lines, and header
    columns without a name whose cells are all empty (Excel's trailing commas), are skipped.
    Refused: malformed quoting (text after a closing quote, a quote never closed), a header
    naming a column twice, a row whose number of fields differs from the header's (unless every
    row ends with the same empty fields: a trailing delimiter), and a quote that opens a field
    running over what look like rows of their own."""
    csv.field_size_limit(2**31 - 1)  # texts are cut to ingest.max_chars later, and counted
    records, lines = [], []
    with open(path, newline="", encoding=quoting["encoding"]) as f:
        reader = csv.reader(f, delimiter=sep, quoting=quoting["mode"], strict=True)
        start = 1
        try:
            for record in reader:
                if any(field.strip() for field in record):
                    records.append(record)
                    lines.append(start)
                start = reader.line_num + 1
        except csv.Error as e:
            raise UserError(f"{path}: line {start}: malformed quoting ({e}); {QUOTE_HINT}") from None
    header = list(names) if names is not None else (records.pop(0) if records else [])
    if names is None and lines:
        lines.pop(0)
    unused = [i for i, name in enumerate(header)
              if not name.strip() and not any(i < len(r) and r[i].strip() for r in records)]
    if unused:
        header = [name for i, name in enumerate(header) if i not in unused]
        records = [[v for i, v in enumerate(r) if i not in unused] for r in records]
    header = [name.strip() for name in header]  # `text ` is the column text (Excel pads names)
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        hint = ("" if names is not None else "; if the first line is data, not a header, set "
                "ingest.header: false and name the columns in ingest.column_names")
        raise UserError(f"{path}: the header names the column(s) {twice} more than once; rename them "
                        f"so that each column has one name{hint}")
    width = len(header)
    trailing = {len(r) for r in records} if all(not any(r[width:]) for r in records) else set()
    for record, line in zip(records, lines):
        if quoting["mode"] != csv.QUOTE_NONE and any(_runaway(field, sep, width) for field in record):
            raise UserError(f"{path}: line {line}: a quote (\") starts a field that runs over the next "
                            f"lines, which look like rows of their own; {QUOTE_HINT}")
        if len(record) < width or (len(record) > width and len(trailing) != 1):
            where = "header" if names is None else "ingest.column_names"
            raise UserError(f"{path}: line {line} has {len(record)} fields and the {where} {width} "
                            f"({', '.join(header)}); every row needs one field per column (check "
                            f"ingest.delimiter{'' if names is None else ' and ingest.column_names'}; "
                            f"{QUOTE_HINT})")
    return header, [record[:width] for record in records], lines


def read_json_records(path, encoding):
    """JSON Lines (one object a line), or a JSON array of objects (a .json export): (records,
    the line, or for an array the element number, of each, and which of the two: line, record)."""
    text = path.read_text(encoding=encoding)
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as e:
            raise UserError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
        lines = list(range(1, len(records) + 1))
        unit = "record"
    else:
        records, lines, unit = [], [], "line"
        for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 is text
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise UserError(f"{path}: line {number} is not valid JSON ({e.msg}); ingest.format "
                                    f"jsonl reads one JSON object a line, or one JSON array of objects")
                lines.append(number)
    bad = next((line for record, line in zip(records, lines) if not isinstance(record, dict)), None)
    if bad is not None:
        raise UserError(f"{path}: {unit} {bad} is not a JSON object; each row must be an object "
                        f"with the text, id and label fields")
    return records, lines, unit


def read_file(path, cfg):
    """One file as a DataFrame indexed by each row's file line (1-based; for Parquet and JSON
    arrays the row number, attrs["unit"] says which: see `at`), every value as written: csv/tsv
    cells as text, JSON values as parsed (no column made float because of a null), nothing
    parsed as NaN."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found; check ingest.path and ingest.files in params.yaml")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty")
    fmt, encoding = _format(path, cfg.get("format", "auto")), cfg.get("encoding", "utf-8")
    if fmt != "parquet":
        _refuse_utf8_read_as_other(path, encoding)
    try:
        if fmt in ("csv", "tsv"):
            header = cfg.get("header", True)
            if not header and not cfg.get("column_names"):
                raise UserError(f"{path}: ingest.header is false, so name the columns in order in "
                                f"ingest.column_names")
            if header and cfg.get("column_names"):
                raise UserError(f"{path}: ingest.column_names is set, but ingest.header is true, so "
                                f"the file's first line names the columns; set ingest.header: false "
                                f"if the file has no header row, or remove ingest.column_names")
            quoting = {"mode": csv.QUOTE_NONE if cfg.get("quoting", "minimal") == "none" else csv.QUOTE_MINIMAL,
                       "encoding": _decoding(encoding)}
            columns, records, lines = read_delimited(
                path, cfg.get("delimiter") or ("," if fmt == "csv" else "\t"), quoting,
                None if header else list(cfg["column_names"]))
            df = pd.DataFrame(records, columns=columns, index=lines, dtype=object)
        elif fmt == "jsonl":
            records, lines, unit = read_json_records(path, _decoding(encoding))
            df = pd.DataFrame(records, index=lines, dtype=object)
            df.attrs["unit"] = unit
            # the records that lack a key: a misspelt key is not a null (see parse_long)
            df.attrs["absent"] = {key: tuple(line for r, line in zip(records, lines) if key not in r)
                                  for key in df.columns}
        elif fmt == "parquet":
            df = pd.read_parquet(path)
            # the id saved as the index (set_index("id")): a column again; other index levels
            # (a RangeIndex, `row`) are no data of the user's and are dropped, as before
            wanted = [n for n in df.index.names if n in (cfg.get("id_column"), cfg.get("text_column"))
                      and n not in df.columns]
            df = df.reset_index(level=wanted) if wanted else df
            df.index = range(1, len(df) + 1)
            df.attrs["unit"] = "row"
        else:
            raise UserError(f"{path}: unknown ingest.format {fmt!r}; use csv, tsv, jsonl or parquet")
    except UnicodeDecodeError:
        line, err = _first_bad_line(path, encoding)
        raise UserError(f"{path}: line {line} is not valid {encoding} ({err.reason} at byte "
                        f"{err.start}); re-save the file as UTF-8 or set ingest.encoding") from None
    except (ValueError, csv.Error) as e:
        raise UserError(f"{path}: cannot be read as {fmt}: {e}") from None
    if df.empty:
        raise UserError(f"{path}: no data rows (header only?)")
    return df


def at(df, row):
    """Where a row of read_file's DataFrame is, for messages: `line 12` (csv, tsv, JSON Lines),
    `record 3` (a JSON array), `row 7` (Parquet)."""
    return f"{df.attrs.get('unit', 'line')} {row}"


def _require(df, column, path, param):
    if column not in df.columns:
        found = list(map(str, df.columns))
        hint = ""
        if len(found) == 1 and (seps := [c for c in ",;\t|" if c in found[0]]):
            hint = f" (the header was read as one column: is the delimiter {seps[0]!r}? set ingest.delimiter)"
        raise UserError(f"{path}: no column {column!r} ({param}); columns found: {', '.join(found)}"
                        f"{hint}. Set {param} in params.yaml")


def _as_text(value):
    """A cell as text; a missing one (None, NaN, pandas' NA) as ""."""
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)


def wide_labels(df, cfg, path):
    """Label columns of 0/1 (or true/false, yes/no, 0.0/1.0): check every value, return
    (names, int8 matrix). A missing value is an error at its own row and column."""
    lab = cfg["labels"]
    reserved = {cfg["text_column"], cfg.get("id_column")}
    columns = list(lab.get("columns") or [c for c in df.columns if c not in reserved])
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{path}: label columns {missing} not found; columns found: "
                        f"{', '.join(map(str, df.columns))}. Fix ingest.labels.columns")
    if not columns:
        raise UserError(f"{path}: no label columns; list them in ingest.labels.columns")
    if not lab.get("columns") and any(not str(c).strip() for c in columns):
        raise UserError(f"{path}: a column has no name in the header (an index written by pandas' "
                        f"to_csv without index=False?), and with ingest.labels.columns empty every "
                        f"column but id and text is a label: list the label columns there, or remove "
                        f"that column")
    values = df[columns].apply(lambda s: s.map(_as_text).str.strip().str.lower())
    for missing_only in (True, False):  # an empty cell is named before any other bad value
        bad = values.isin(list(MISSING)) if missing_only else ~values.isin(list(WIDE_VALUES))
        if bad.any().any():
            row = min(r for c in columns for r in values.index[bad[c]])
            col = next(c for c in columns if bad.at[row, c])
            what = ("is empty (a missing label value)" if missing_only else
                    f"has label value {df.at[row, col]!r}, not 0/1, true/false or yes/no")
            raise UserError(f"{path}: {at(df, row)}, column {col!r} {what}; the wide "
                            f"layout needs one 0/1 column per label (use ingest.labels.layout: long "
                            f"for a column of label names)")
    return columns, values.apply(lambda s: s.map(WIDE_VALUES)).astype("int8").to_numpy()


def label_names(cfg, root):
    """The label-names file of the long layout, or None."""
    names_file = cfg["labels"].get("names_file")
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
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise UserError(f"{path}: the label-names file is empty")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UserError(f"{path}: the label-names file lists {twice} more than once; line n is "
                        f"label id n, so each name must be there once")
    return names


def _written_list(text):
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
        return [str(ast.literal_eval(t.string)) for t in items]
    except (ValueError, SyntaxError):  # an f-string or bytes prefix: not a name
        return None


def label_items(cell, sep, where):
    """One cell of the long layout as a list of label strings: a list-typed cell (Parquet,
    JSONL), a list written as text (see _written_list), or names/ids joined by the separator."""
    if isinstance(cell, (list, tuple, np.ndarray)):
        return [str(x).strip() for x in cell if str(x).strip()]
    text = _as_text(cell).strip()
    if not text:
        return []
    if text.startswith("[") and text.endswith("]"):  # a list written as text by an exporter
        try:
            parsed = json.loads(text)
            items = [str(x) for x in parsed] if all(type(x) in (str, int) for x in parsed) else None
        except ValueError:
            items = _written_list(text)
        if items is None:
            raise UserError(f"{where}: {text!r} looks like a list but is not a list of names or ids "
                            f"(JSON, Python or numpy); write it as [\"a\", \"b\"] or as names "
                            f"joined by ingest.labels.separator")
        return [item.strip() for item in items if item.strip()]
    return [s.strip() for s in text.split(sep) if s.strip()]


def parse_long(df, cfg, path, names):
    """Each row's labels from one column (see label_items): a list of label names per row."""
    lab = cfg["labels"]
    column, sep = lab.get("column", "labels"), lab.get("separator", ",")
    _require(df, column, path, "ingest.labels.column")
    absent = df.attrs.get("absent", {}).get(column)
    if absent:  # null is "no labels", a missing key is a mistake
        raise UserError(f"{path}: {at(df, absent[0])} has no {column!r} key ({len(absent)} such "
                        f"records; a misspelt key?); write \"{column}\": [] for a text without labels")
    rows = []
    for i, cell in df[column].items():
        items = label_items(cell, sep, f"{path}: {at(df, i)}, column {column!r}")
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
    return rows


def check_label_names(labels, where, separator=None, named=False):
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
    for name in labels:
        folded.setdefault(" ".join(name.lower().split()), []).append(name)
    clashes = [group for group in folded.values() if len(group) > 1]
    if clashes:
        raise UserError(f"{where}: label names differ only by case or spaces: "
                        + "; ".join(" / ".join(map(repr, g)) for g in clashes)
                        + "; make them one spelling in the data or the names file")
    if separator is not None and not named:
        known = set(labels)
        for joiner, which in JOINERS.items():
            if joiner == separator:
                continue
            joined = [name for name in labels
                      if len(parts := [p.strip() for p in name.split(joiner) if p.strip()]) >= 2
                      and which(part in known for part in parts)]
            if joined:
                raise UserError(f"{where}: labels like {joined[0]!r} are other labels joined by "
                                f"{joiner!r}, not by ingest.labels.separator {separator!r}: set "
                                f"ingest.labels.separator: {joiner!r}, or, if {joined[0]!r} is one "
                                f"label, list every name in ingest.labels.names_file")


def ids(df, column, path):
    """The id column as text without surrounding spaces (` 1` and `1` are one id, so duplicates
    are caught); a row without an id (an empty cell, a JSON null) is refused, and so is a JSON
    number with a fraction or exponent, whose text Python would rewrite (1.50 -> 1.5)."""
    missing = df[column].isna() | (df[column].astype(str).str.strip() == "")
    if missing.any():
        raise UserError(f"{path}: {at(df, missing.idxmax())} has no id ({int(missing.sum())} such rows) in "
                        f"column {column!r}; give every row one, or set ingest.id_column: null to "
                        f"number the rows instead")
    floats = df[column].map(lambda v: isinstance(v, float))
    if floats.any():  # JSON or Parquet; csv cells are text
        row = floats.idxmax()
        raise UserError(f"{path}: {at(df, row)}: id {df.at[row, column]!r} is a floating-point number, "
                        f"whose text is not the one written (1.50 reads as 1.5, 1e3 as 1000.0); "
                        f"write ids as strings or integers")
    return df[column].astype(str).str.strip()


def _refuse_header_rows(df, columns, path):
    """A row that repeats the header (files joined with `cat`, or `header: false` on a file that
    has one) would become a text `text` with a label `labels`: refused when text, id and label
    column all hold their own names."""
    columns = [c for c in columns if c and c in df.columns]
    same = pd.concat([df[c].map(_as_text).str.strip().str.casefold() == c.casefold() for c in columns],
                     axis=1).all(axis=1)
    if same.any():
        row = df.index[same][0]
        raise UserError(f"{path}: {at(df, row)} repeats the header ({', '.join(columns)}); if files were "
                        f"joined, remove the repeated header lines; if the file has a header row, "
                        f"set ingest.header: true")


class Ingested:
    """The result of reading every file: the table and the counts reported in metrics/ingest.json."""

    def __init__(self, table, labels, report):
        self.table, self.labels, self.report = table, labels, report


def ingest(cfg):
    """Read every file named in `cfg` (the ingest params) into one table."""
    root = Path(cfg["path"])
    files = cfg.get("files") or {}
    unknown = set(files) - set(SPLITS) - {"all"}
    if unknown or not files or ("all" in files and len(files) > 1):
        raise UserError(f"params.yaml: ingest.files must map 'all', or some of {', '.join(SPLITS)}, "
                        f"to file names; got {dict(files)}")
    if "all" not in files and "train" not in files:
        raise UserError(f"params.yaml: ingest.files names no training data ({dict(files)}); add "
                        f"`train: FILE`, or give one `all: FILE` to carve every split from")
    layout = cfg["labels"].get("layout", "wide")
    if layout not in ("wide", "long"):
        raise UserError(f"params.yaml: ingest.labels.layout is {layout!r}; valid values: wide, long")
    names = label_names(cfg, root) if layout == "long" else None
    text_col, id_col = cfg["text_column"], cfg.get("id_column")
    on_bad = cfg.get("on_bad_rows", "drop")
    parts, report, wide_names = [], {"files": {}, "rows_read": 0, "rows_kept": 0, "dropped": {}}, None
    for split, name in files.items():
        path = resolve(root, name)
        df = read_file(path, cfg)
        _require(df, text_col, path, "ingest.text_column")
        if id_col:
            _require(df, id_col, path, "ingest.id_column")
        if layout == "long":  # the wide layout refuses a repeated header as a bad label value
            _refuse_header_rows(df, [text_col, id_col, cfg["labels"].get("column", "labels")], path)
        if layout == "wide":
            cols, y = wide_labels(df, cfg, path)
            if wide_names is not None and cols != wide_names:
                raise UserError(f"{path}: label columns {cols} differ from the first file's {wide_names}"
                                f"{'' if cfg['labels'].get('columns') else '; list them in ingest.labels.columns to read every file by name'}")
            wide_names = cols
            part = pd.DataFrame(y, columns=cols)
        else:
            part = pd.DataFrame({"_labels": parse_long(df, cfg, path, names)})
        # a missing text (JSON null, an empty Parquet cell) is an empty text: dropped and counted
        part.insert(0, "text", df[text_col].where(df[text_col].notna(), "").astype(str).to_numpy())
        part.insert(0, "id", (ids(df, id_col, path) if id_col else
                              pd.Series([f"{split}-{i}" for i in range(len(df))])).to_numpy())
        part.insert(2, "split", None if split == "all" else split)
        part["_line"] = [at(df, row) for row in df.index]
        part["_file"] = str(path)
        report["files"][str(name)] = {"rows": len(df)}
        report["rows_read"] += len(df)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    if layout == "long":
        labels = names or sorted({x for row in table["_labels"] for x in row})
        if not labels:
            raise UserError(f"{root}: no labels found in column {cfg['labels'].get('column')!r}")
        check_label_names(labels, f"{root} (ingest.labels)", cfg["labels"].get("separator", ","),
                          named=names is not None)
        for label in labels:
            table[label] = table["_labels"].map(lambda row, l=label: int(l in row)).astype("int8")
        table = table.drop(columns="_labels")
    else:
        labels = wide_names
        check_label_names(labels, f"{root} (ingest.labels.columns)")
    table = _drop_bad_rows(table, on_bad, report)
    max_chars = cfg.get("max_chars")
    if max_chars:
        long = table["text"].str.len() > max_chars
        report["truncated_texts"] = int(long.sum())
        table.loc[long, "text"] = table.loc[long, "text"].str.slice(0, max_chars)
    dup = table["id"].duplicated(keep=False)
    if dup.any():
        first = table[dup].iloc[:4]
        where = "; ".join(f"{r['_file']} {r['_line']} id {r['id']!r}" for r in first.to_dict("records"))
        raise UserError(f"duplicate ids ({int(dup.sum())} rows): {where}; ids must be unique across "
                        f"all files (or set ingest.id_column: null to number rows instead)")
    table = table.drop(columns=["_line", "_file"]).reset_index(drop=True)
    if table.empty:
        raise UserError(f"{root}: no rows left to use (read {report['rows_read']}, dropped "
                        f"{report['dropped']}); check ingest.files and ingest.text_column")
    max_rows = cfg.get("max_rows")
    if max_rows and len(table) > max_rows:  # a seeded subsample, to try a costly configuration
        report["subsampled"] = {"from_rows": len(table), "seed": cfg.get("max_rows_seed", 0)}
        table = table.sample(n=max_rows, random_state=cfg.get("max_rows_seed", 0)).sort_index()
        table = table.reset_index(drop=True)
    report["rows_kept"] = len(table)
    report["label_frequency"] = {label: int(table[label].sum()) for label in labels}
    report["texts_without_labels"] = int((table[labels].sum(axis=1) == 0).sum())
    return Ingested(table, labels, report)


def _drop_bad_rows(table, on_bad, report):
    """Empty or whitespace-only texts are dropped and counted (or an error, per ingest.on_bad_rows)."""
    empty = table["text"].str.strip() == ""
    if empty.any():
        if on_bad == "error":
            r = table[empty].iloc[0]
            raise UserError(f"{r['_file']}: {r['_line']}: empty text ({int(empty.sum())} such rows); "
                            f"fix them or set ingest.on_bad_rows: drop")
        report["dropped"]["empty_text"] = int(empty.sum())
    return table[~empty]
