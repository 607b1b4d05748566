"""Reading a user's labelled text files into one table: id, text, split, one 0/1 column per label.

The layout of a dataset is described by the `ingest` params, never hard-coded per dataset:
files (one per given split, or one `all` file), format, text/id columns, and the labels either
*wide* (one 0/1 column per label) or *long* (one column of label names or ids joined by a
separator, with an optional label-names file).
"""

import ast
import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd

from embedding_bench.errors import UserError
from embedding_bench.sources import resolve

SPLITS = ("train", "val", "test")
# Wide label values as exporters write them (pandas writes 0.0/1.0 after a missing cell).
WIDE_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1, "no": 0, "yes": 1}
MISSING = {"", "nan", "none", "null"}
# Characters no real label name holds: a label like `["joy"` is a list read as delimited text.
MISPARSE = set("[]\"'")
FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".json": "jsonl",
           ".parquet": "parquet"}


def _format(path, fmt):
    if fmt != "auto":
        return fmt
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UserError(f"{path}: cannot tell the format from the extension; set ingest.format "
                        f"to one of csv, tsv, jsonl, parquet") from None


def _first_bad_line(path, encoding):
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as e:
                return number, e
    return None, None


def read_file(path, cfg):
    """One file as a DataFrame of strings (every cell kept as text, nothing parsed as NaN)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found; check ingest.path and ingest.files in params.yaml")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty")
    fmt, encoding = _format(path, cfg.get("format", "auto")), cfg.get("encoding", "utf-8")
    try:
        if fmt in ("csv", "tsv"):
            quoting = csv.QUOTE_NONE if cfg.get("quoting", "minimal") == "none" else csv.QUOTE_MINIMAL
            header = cfg.get("header", True)
            if not header and not cfg.get("column_names"):
                raise UserError(f"{path}: ingest.header is false, so name the columns in order in "
                                f"ingest.column_names")
            df = pd.read_csv(path, sep=cfg.get("delimiter") or ("," if fmt == "csv" else "\t"),
                             quoting=quoting, dtype=str, keep_default_na=False, encoding=encoding,
                             on_bad_lines="error", header=0 if header else None,
                             names=None if header else cfg["column_names"])
        elif fmt == "jsonl":
            df = pd.read_json(path, lines=True, dtype=False, encoding=encoding)
        elif fmt == "parquet":
            df = pd.read_parquet(path)
        else:
            raise UserError(f"{path}: unknown ingest.format {fmt!r}; use csv, tsv, jsonl or parquet")
    except UnicodeDecodeError:
        line, err = _first_bad_line(path, encoding)
        raise UserError(f"{path}: line {line} is not valid {encoding} ({err.reason} at byte "
                        f"{err.start}); re-save the file as UTF-8 or set ingest.encoding") from None
    except pd.errors.ParserError as e:
        raise UserError(f"{path}: malformed {fmt}: {e}; every row needs the same number of "
                        f"fields as the header (for tweets with quotes, try ingest.quoting: none)") from None
    except ValueError as e:
        raise UserError(f"{path}: cannot be read as {fmt}: {e}") from None
    if df.empty:
        raise UserError(f"{path}: no data rows (header only?)")
    return df


def _require(df, column, path, what):
    if column not in df.columns:
        raise UserError(f"{path}: no {what} column {column!r}; columns found: "
                        f"{', '.join(map(str, df.columns))}. Set ingest.{what}_column in params.yaml")


def first_line(df, cfg, path):
    """The file line of the DataFrame's row 0 (1-based): after the header, if there is one."""
    return 1 if _format(path, cfg.get("format", "auto")) == "jsonl" or not cfg.get("header", True) else 2


def wide_labels(df, cfg, path, offset):
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
    values = df[columns].astype(str).apply(lambda s: s.str.strip().str.lower())
    for missing_only in (True, False):  # an empty cell is named before any other bad value
        bad = values.isin(list(MISSING)) if missing_only else ~values.isin(list(WIDE_VALUES))
        if bad.any().any():
            row = min(r for c in columns for r in values.index[bad[c]])
            col = next(c for c in columns if bad.at[row, c])
            what = ("is empty (a missing label value)" if missing_only else
                    f"has label value {df.at[row, col]!r}, not 0/1, true/false or yes/no")
            raise UserError(f"{path}: line {int(row) + offset}, column {col!r} {what}; the wide "
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
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not names:
        raise UserError(f"{path}: the label-names file is empty")
    return names


def label_items(cell, sep, where):
    """One cell of the long layout as a list of label strings: a list-typed cell (Parquet,
    JSONL), a JSON list string (`["joy", "love"]`) or Python list repr (`['joy' 'love']` is not
    one: refused), or names/ids joined by the separator."""
    if isinstance(cell, (list, tuple, np.ndarray)):
        return [str(x).strip() for x in cell if str(x).strip()]
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    text = str(cell).strip()
    if text.startswith("[") and text.endswith("]"):  # a list written as text by an exporter
        for parse in (json.loads, ast.literal_eval):  # literal_eval evaluates literals only
            try:
                parsed = parse(text)
            except (ValueError, SyntaxError):
                continue
            if isinstance(parsed, list):
                return [str(x).strip() for x in parsed if str(x).strip()]
        raise UserError(f"{where}: {text!r} looks like a list but is neither JSON nor a Python list; "
                        f"write it as [\"a\", \"b\"] or as names joined by ingest.labels.separator")
    return [s.strip() for s in text.split(sep) if s.strip()]


def parse_long(df, cfg, path, offset, names):
    """Each row's labels from one column (see label_items): a list of label names per row."""
    lab = cfg["labels"]
    column, sep = lab.get("column", "labels"), lab.get("separator", ",")
    _require(df, column, path, "label")
    rows = []
    for i, cell in df[column].items():
        items = label_items(cell, sep, f"{path}: line {int(i) + offset}, column {column!r}")
        if names is not None:
            resolved = []
            for item in items:
                if item in names:
                    resolved.append(item)
                elif item.isdigit() and int(item) < len(names):
                    resolved.append(names[int(item)])
                else:
                    raise UserError(f"{path}: line {int(i) + offset}, column {column!r}: unknown "
                                    f"label {item!r}; known labels are the {len(names)} names (or "
                                    f"ids 0..{len(names) - 1}) of ingest.labels.names_file")
            items = resolved
        rows.append(items)
    return rows


def check_label_names(labels, where):
    """Refuse label names that look like a mis-parse (brackets, quotes) or that differ only by
    case or spaces (`Joy` and `joy` would silently become two labels)."""
    odd = [name for name in labels if MISPARSE & set(name)]
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
        offset = first_line(df, cfg, path)
        _require(df, text_col, path, "text")
        if id_col:
            _require(df, id_col, path, "id")
        if layout == "wide":
            cols, y = wide_labels(df, cfg, path, offset)
            if wide_names is not None and cols != wide_names:
                raise UserError(f"{path}: label columns {cols} differ from the first file's {wide_names}")
            wide_names = cols
            part = pd.DataFrame(y, columns=cols)
        else:
            part = pd.DataFrame({"_labels": parse_long(df, cfg, path, offset, names)})
        # a missing text (JSON null, an empty Parquet cell) is an empty text: dropped and counted
        part.insert(0, "text", df[text_col].where(df[text_col].notna(), "").astype(str).to_numpy())
        part.insert(0, "id", (df[id_col].astype(str) if id_col else
                              pd.Series([f"{split}-{i}" for i in range(len(df))])).to_numpy())
        part.insert(2, "split", None if split == "all" else split)
        part["_line"] = df.index.to_numpy() + offset
        part["_file"] = str(path)
        report["files"][str(name)] = {"rows": len(df)}
        report["rows_read"] += len(df)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    if layout == "long":
        labels = names or sorted({x for row in table["_labels"] for x in row})
        if not labels:
            raise UserError(f"{root}: no labels found in column {cfg['labels'].get('column')!r}")
        check_label_names(labels, root)
        for label in labels:
            table[label] = table["_labels"].map(lambda row, l=label: int(l in row)).astype("int8")
        table = table.drop(columns="_labels")
    else:
        labels = wide_names
    table = _drop_bad_rows(table, on_bad, report)
    max_chars = cfg.get("max_chars")
    if max_chars:
        long = table["text"].str.len() > max_chars
        report["truncated_texts"] = int(long.sum())
        table.loc[long, "text"] = table.loc[long, "text"].str.slice(0, max_chars)
    dup = table["id"].duplicated(keep=False)
    if dup.any():
        first = table[dup].iloc[:4]
        where = "; ".join(f"{r['_file']} line {r['_line']} id {r['id']!r}" for r in first.to_dict("records"))
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
            raise UserError(f"{r['_file']}: line {r['_line']}: empty text ({int(empty.sum())} such rows); "
                            f"fix them or set ingest.on_bad_rows: drop")
        report["dropped"]["empty_text"] = int(empty.sum())
    return table[~empty]
