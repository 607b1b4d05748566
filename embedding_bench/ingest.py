"""Ingest: every file the `ingest` params name, read into one table `id, text, split, <one 0/1
column per label>` and a label list, with the counts metrics/ingest.json reports (rows read,
kept, dropped and why, texts cut, label frequencies).

The layout of a dataset is described by the params, never hard-coded per dataset: files (one per
given split, or one `all` file), format, text/id columns, and the labels wide or long.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from embedding_bench.errors import UserError, note
from embedding_bench.file_readers import at, read_file, require_column
from embedding_bench.label_cells import as_text
from embedding_bench.label_parsing import check_label_names, label_names, parse_long, wide_labels
from embedding_bench.sections import Ingest
from embedding_bench.sources import resolve
from embedding_bench.text import without_invisible


def ids(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
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


def _refuse_header_rows(df: pd.DataFrame, columns: list, path: Path) -> None:
    """A row that repeats the header (files joined with `cat`, or `header: false` on a file that
    has one) would become a text `text` with a label `labels`: refused when text, id and label
    column all hold their own names."""
    columns = [c for c in columns if c and c in df.columns]
    same = pd.concat([df[c].map(as_text).str.replace("\ufeff", "").str.strip().str.casefold() == c.casefold()
                      for c in columns],  # U+FEFF: the byte-order mark of a file joined after the first
                     axis=1).all(axis=1)
    if same.any():
        row = df.index[same][0]
        raise UserError(f"{path}: {at(df, row)} repeats the header ({', '.join(columns)}); if files were "
                        f"joined, remove the repeated header lines; if the file has a header row, "
                        f"set ingest.header: true")


@dataclass
class Ingested:
    """The result of reading every file: the table and the counts reported in metrics/ingest.json."""
    table: pd.DataFrame
    labels: list[str]
    report: dict


def _refuse_texts_that_are_not_strings(text: pd.Series, df: pd.DataFrame, path: Path, column: str) -> None:
    """A JSON or Parquet value that is a number, a list or true is no text: str() would give the
    model '1.5', "['happy', 'day']" or 'True' to learn from."""
    odd = text.map(lambda v: v is not None and v is not pd.NA and not isinstance(v, str)
                   and not (isinstance(v, float) and np.isnan(v)))
    if odd.any():
        row = odd.idxmax()
        raise UserError(f"{path}: {at(df, row)}: the text in column {column!r} is "
                        f"{type(text[row]).__name__} {text[row]!r}, not a string ({int(odd.sum())} such "
                        f"rows); write texts as strings (check ingest.text_column)")


def _read_part(split: str, name: str, cfg: Ingest, names: list[str] | None
               ) -> tuple[pd.DataFrame, list[str] | None]:
    """One file as rows of the table (labels wide, or `_labels` lists for the long layout), with
    `_line` and `_file` for messages; and, wide, its label columns."""
    path = resolve(cfg.path, name)
    df = read_file(path, cfg)
    require_column(df, cfg.text_column, path, "ingest.text_column")
    if cfg.id_column is not None:  # '' is a column too: a pandas index written without a name
        require_column(df, cfg.id_column, path, "ingest.id_column")
    cols = None
    if cfg.labels.layout == "wide":
        cols, y = wide_labels(df, cfg, path)
        check_label_names(cols, f"{Path(cfg.path)} (ingest.labels.columns)")  # before any column is added
        part = pd.DataFrame(y, columns=cols)
    else:  # the wide layout refuses a repeated header as a bad label value
        _refuse_header_rows(df, [cfg.text_column, cfg.id_column, cfg.labels.column], path)
        rows, declared = parse_long(df, cfg, path, names)
        part = pd.DataFrame({"_labels": rows})
        part.attrs["declared"] = declared
    # a missing text (JSON null, an empty Parquet cell) is an empty text: dropped and counted
    text = df[cfg.text_column]
    _refuse_texts_that_are_not_strings(text, df, path, cfg.text_column)
    part.insert(0, "text", text.where(text.notna(), "").astype(str).to_numpy())
    part.insert(0, "id", (ids(df, cfg.id_column, path) if cfg.id_column is not None else
                          pd.Series([f"{split}-{i}" for i in range(len(df))])).to_numpy())
    part.insert(2, "split", None if split == "all" else split)
    part["_line"] = [at(df, row) for row in df.index]
    part["_file"] = str(path)
    return part, cols


def _long_labels(table: pd.DataFrame, cfg: Ingest, names: list[str] | None, declared: set[str]
                 ) -> tuple[pd.DataFrame, list[str]]:
    """The long layout's `_labels` lists as one 0/1 column per label, and the label names."""
    root = Path(cfg.path)
    labels = names or sorted({x for row in table["_labels"] for x in row} | declared)
    if not labels:
        raise UserError(f"{root}: no labels found in column {cfg.labels.column!r}")
    def locate(name: str) -> str:  # the first row holding the label, for a message about it
        first = table[table["_labels"].map(lambda row: name in row)].head(1).to_dict("records")
        return f"{first[0]['_file']}: {first[0]['_line']}, column {cfg.labels.column!r}" if first else str(root)

    check_label_names(labels, f"{root} (ingest.labels)", cfg.labels.separator, named=names is not None,
                      locate=locate)
    columns = pd.DataFrame({label: table["_labels"].map(lambda row, l=label: int(l in row)).astype("int8")
                            for label in labels})  # at once: one column at a time fragments pandas
    return pd.concat([table.drop(columns="_labels"), columns], axis=1), labels


def _refuse_unlabelled_files(table: pd.DataFrame, labels: list[str], cfg: Ingest) -> None:
    """A file of 10 texts or more in which none has a label, where the other files' texts have
    labels often enough that this is no chance (p < 0.001): a test set exported without its
    answers, which would be scored as if no text had any; refused. One file alone is the split
    stage's to judge."""
    labelled = table[labels].to_numpy().any(axis=1)
    files = table.groupby("_file", sort=False).indices
    for file, rows in files.items() if len(files) > 1 else ():
        rate = np.delete(labelled, rows).mean()  # the other files' share of labelled texts
        if len(rows) >= 10 and not labelled[rows].any() and (1 - rate) ** len(rows) < 1e-3:
            where = (f"the column {cfg.labels.column!r} is empty in every row" if cfg.labels.layout == "long"
                     else "every label column is 0")
            raise UserError(f"{file}: none of its {len(rows)} texts has a label ({where}), while {rate:.0%} "
                            f"of the other files' texts have one: exported without its labels? It would be "
                            f"scored as if no text had any: label it, or leave it out of ingest.files")


def _refuse_duplicate_ids(table: pd.DataFrame) -> None:
    dup = table["id"].duplicated(keep=False)
    if dup.any():
        first = table[dup].iloc[:4]
        where = "; ".join(f"{r['_file']} {r['_line']} id {r['id']!r}" for r in first.to_dict("records"))
        if table[dup].groupby("id")["text"].nunique().eq(1).all():
            # numbering the rows (id_column: null) would make each (text, label) row a text of its own
            raise UserError(f"duplicate ids ({int(dup.sum())} rows): {where}; every repeated id holds the "
                            f"same text: one row per (text, label)? Give each text one row with all its "
                            f"labels (pandas: df.groupby(['id', 'text'])['label'].agg(','.join)), read with "
                            f"ingest.labels.layout: long")
        raise UserError(f"duplicate ids ({int(dup.sum())} rows): {where}; ids must be unique across "
                        f"all files (or set ingest.id_column: null to number rows instead)")


def ingest(cfg: Ingest) -> Ingested:
    """Read every file named in `cfg` (the ingest params) into one table."""
    root = Path(cfg.path)
    names = label_names(cfg, root) if cfg.labels.layout == "long" else None
    report = {"files": {}, "rows_read": 0, "rows_kept": 0, "dropped": {}}
    parts, labels = [], None
    for split, name in cfg.files.items():
        part, cols = _read_part(split, name, cfg, names)
        if labels is not None and cols != labels:
            raise UserError(f"{part['_file'].iloc[0]}: label columns {cols} differ from the first "
                            f"file's {labels}" + ("" if cfg.labels.columns else
                                                  "; list them in ingest.labels.columns to read every file by name"))
        labels = cols
        report["files"][str(name)] = {"rows": len(part)}
        report["rows_read"] += len(part)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    if cfg.labels.layout == "long":
        declared = set().union(*(part.attrs.get("declared", set()) for part in parts))
        table, labels = _long_labels(table, cfg, names, declared)
    _refuse_unlabelled_files(table, labels, cfg)
    table = _drop_bad_rows(table, cfg.on_bad_rows, report)
    if cfg.max_chars:
        long = table["text"].str.len() > cfg.max_chars
        report["truncated_texts"] = int(long.sum())
        if long.any():
            note(f"{int(long.sum())} of {len(table)} texts are longer than ingest.max_chars "
                 f"{cfg.max_chars} and were cut to it (counted in metrics/ingest.json: truncated_texts)")
        table.loc[long, "text"] = table.loc[long, "text"].str.slice(0, cfg.max_chars)
    _refuse_duplicate_ids(table)
    table = table.drop(columns=["_line", "_file"]).reset_index(drop=True)
    if table.empty:
        raise UserError(f"{root}: no rows left to use (read {report['rows_read']}, dropped "
                        f"{report['dropped']}); check ingest.files and ingest.text_column")
    _refuse_emptied_files(table, cfg, report)
    if cfg.max_rows and len(table) > cfg.max_rows:  # a seeded subsample, to try a costly configuration
        report["subsampled"] = {"from_rows": len(table), "seed": cfg.max_rows_seed}
        table = _subsample(table, cfg.max_rows, cfg.max_rows_seed)
    report["rows_kept"] = len(table)
    report["label_frequency"] = {label: int(table[label].sum()) for label in labels}
    report["texts_without_labels"] = int((table[labels].sum(axis=1) == 0).sum())
    return Ingested(table, labels, report)


# A missing text as exporters write it: R's write.csv (NA), pandas' astype(str) (nan, None, <NA>),
# MySQL (\\N), SQL dumps (NULL). No tweet to learn from.
MISSING_TEXTS = {"na", "nan", "none", "<na>", "null", "\\n", "n/a"}


def _drop_bad_rows(table: pd.DataFrame, on_bad: str, report: dict) -> pd.DataFrame:
    """Texts with nothing visible (empty, white space, zero-width or control characters only),
    or nothing but a missing-value marker (`NA`, `nan`), are dropped and counted (or an error,
    per ingest.on_bad_rows)."""
    empty = table["text"].map(lambda t: not without_invisible(t)[0].strip())
    marker = table["text"].str.strip().str.casefold().isin(MISSING_TEXTS)
    for reason, bad in (("empty_text", empty), ("missing_value_text", marker)):
        if not bad.any():
            continue
        r = table[bad].iloc[0]
        what = "empty text" if reason == "empty_text" else f"the text {r['text']!r} marks a missing value"
        if on_bad == "error":
            raise UserError(f"{r['_file']}: {r['_line']}: {what} ({int(bad.sum())} such rows); "
                            f"fix them or set ingest.on_bad_rows: drop")
        report["dropped"][reason] = int(bad.sum())
        if reason != "empty_text":
            note(f"{r['_file']}: {r['_line']}: {what}; {int(bad.sum())} such rows dropped (counted in "
                 f"metrics/ingest.json: dropped)")
    return table[~(empty | marker)]


def _refuse_emptied_files(table: pd.DataFrame, cfg: Ingest, report: dict) -> None:
    """A train, val or test file whose every row was dropped: the split stage would otherwise
    carve that split out of training, and the user's own test set would be gone without a word."""
    emptied = [split for split in cfg.files if split != "all" and not (table["split"] == split).any()]
    if emptied:
        raise UserError(f"{resolve(cfg.path, cfg.files[emptied[0]])}: no row of this {emptied[0]} file is "
                        f"left (dropped: {report['dropped']}); check its texts and ingest.text_column, "
                        f"or remove it from ingest.files to have that split carved out of training")


def _subsample(table: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """`n` rows, seeded, in file order. Each split given by its own file in ingest.files keeps its
    share of the rows (and at least one), so a small test file is not sampled away."""
    split = table["split"].fillna("")
    sizes = split.value_counts().sort_index()
    if len(sizes) > n:
        raise UserError(f"ingest.max_rows {n} is fewer than the {len(sizes)} splits given in ingest.files "
                        f"need (one row each); raise it")
    share = sizes * n / len(table)
    quota = np.maximum(1, np.floor(share)).astype(int)
    while quota.sum() > n:  # the one-row minimums took rows from the biggest split
        quota[quota.idxmax()] -= 1
    left = (share - np.floor(share)).sort_values(ascending=False, kind="stable")
    quota[left.index[:n - quota.sum()]] += 1  # what floor() left over, largest remainders first
    parts = [table[split == name].sample(n=int(k), random_state=seed) for name, k in quota.items()]
    return pd.concat(parts).sort_index().reset_index(drop=True)
