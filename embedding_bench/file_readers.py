"""Reading one dataset file (CSV, TSV, JSON Lines or a JSON array, Parquet) into a DataFrame of
the values as written, each row keeping where it came from (file line, record or row number) for
messages. Malformed files are refused with the line and the fix, never read half-right.
"""

import csv
import io
import re
from pathlib import Path

import pandas as pd

from embedding_bench.errors import UserError, note
from embedding_bench.json_records import read_json_records
from embedding_bench.param_checks import repeated
from embedding_bench.quotes import (LINE_END, QUOTE_HINT, refuse_bare_quotes_taken_as_quoting,
                                    refuse_quoted_fields_read_unquoted, runaway)
from embedding_bench.sections import Ingest
from embedding_bench.text_files import (codec_of, decoding, first_bad_line, is_gzip, open_data, refuse_broken_gzip,
                                        refuse_c1_controls, refuse_utf8_read_as_other)

# with quoting: none, a delimiter in a text splits it: such texts need the file's quotes
UNQUOTED_HINT = "with ingest.quoting: none a delimiter inside a text splits it: quote such texts, and read with quoting: minimal"
FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".json": "jsonl",
           ".parquet": "parquet"}


def _format(path: Path, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    if is_gzip(path):  # data.csv.gz: the format of what is inside
        path = path.with_name(path.name.removesuffix(".gz").removesuffix(".GZ"))
    if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        raise UserError(f"{path}: spreadsheets are not read; save the sheet as CSV UTF-8 (File > "
                        f"Save As) and name that file in ingest.files")
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UserError(f"{path}: cannot tell the format from the extension; set ingest.format "
                        f"to one of csv, tsv, jsonl, parquet") from None


def read_delimited(path: Path, sep: str, quoting: dict, names: list[str] | None = None
                   ) -> tuple[list[str], list[list[str]], list[int]]:
    """Records of a csv/tsv file with the csv module, so that each keeps the file line it starts
    on (quoted fields may span lines). Returns (columns, records, lines). Blank lines, and header
    columns without a name whose cells are all empty (Excel's trailing commas), are skipped.
    Refused: malformed quoting (text after a closing quote, a quote never closed), a header
    naming a column twice, a row whose number of fields differs from the header's (unless every
    row ends with the same empty fields: a trailing delimiter), and a quote that opens a field
    running over what look like rows of their own."""
    csv.field_size_limit(2**31 - 1)  # texts are cut to ingest.max_chars later, and counted
    records, lines = [], []
    with open_data(path, "r", newline="", encoding=quoting["encoding"]) as f:
        text = f.read()  # read once: the quote check below compares records with their raw lines
    f = io.StringIO(text, newline="")
    for _ in range(quoting.get("skip", 0)):  # a `sep=;` line
        f.readline()
    reader = csv.reader(f, delimiter=sep, quoting=quoting["mode"], strict=True)
    start = 1 + quoting.get("skip", 0)
    try:
        for record in reader:
            if any(field.strip() for field in record):
                records.append(record)
                lines.append(start)
            start = reader.line_num + 1 + quoting.get("skip", 0)
    except csv.Error as e:
        raise UserError(f"{path}: line {start}: malformed quoting ({e}); {QUOTE_HINT}") from None
    if sep == "\t" and quoting["mode"] != csv.QUOTE_NONE:
        refuse_bare_quotes_taken_as_quoting(path, text, sep, records, lines, names)
    header = list(names) if names is not None else (records.pop(0) if records else [])
    if names is None and lines:
        lines.pop(0)
    unused = [i for i, name in enumerate(header)
              if not name.strip() and not any(i < len(r) and r[i].strip() for r in records)]
    if unused:
        header = [name for i, name in enumerate(header) if i not in unused]
        records = [[v for i, v in enumerate(r) if i not in unused] for r in records]
    header = [name.strip() for name in header]  # `text ` is the column text (Excel pads names)
    twice = repeated(header)
    if twice:
        hint = ("" if names is not None else "; if the first line is data, not a header, set "
                "ingest.header: false and name the columns in ingest.column_names")
        raise UserError(f"{path}: the header names the column(s) {twice} more than once; rename them "
                        f"so that each column has one name{hint}")
    width = len(header)
    trailing = {len(r) for r in records} if all(not any(r[width:]) for r in records) else set()
    raw = LINE_END.split(text)
    unquoted = quoting["mode"] == csv.QUOTE_NONE
    if unquoted:
        refuse_quoted_fields_read_unquoted(path, records, lines)
    for record, line in zip(records, lines):
        if not unquoted and runaway(record, raw[line - 1:], sep, width):
            raise UserError(f"{path}: line {line}: a quote (\") starts a field that runs over the next "
                            f"lines, which look like rows of their own; {QUOTE_HINT}")
        if len(record) < width or (len(record) > width and len(trailing) != 1):
            where = "header" if names is None else "ingest.column_names"
            raise UserError(f"{path}: line {line} has {len(record)} fields and the {where} {width} "
                            f"({', '.join(header)}); every row needs one field per column (check "
                            f"ingest.delimiter{'' if names is None else ' and ingest.column_names'}; "
                            f"{UNQUOTED_HINT if unquoted else QUOTE_HINT})")
    return header, [record[:width] for record in records], lines


def _excel_separator(path: Path, encoding: str) -> str | None:
    """The separator a `sep=;` first line declares (Excel writes it), or None."""
    with open_data(path, "r", encoding=encoding, newline="") as f:
        first = f.readline().rstrip("\r\n")
    return first[4:] if first.lower().startswith("sep=") and len(first) == 5 else None


def _read_delimited_file(path: Path, fmt: str, cfg: Ingest) -> pd.DataFrame:
    if not cfg.header and not cfg.column_names:
        raise UserError(f"{path}: ingest.header is false, so name the columns in order in "
                        f"ingest.column_names")
    quoting = {"mode": csv.QUOTE_NONE if cfg.quoting == "none" else csv.QUOTE_MINIMAL,
               "encoding": decoding(cfg.encoding, path)}
    sep = cfg.delimiter or ("," if fmt == "csv" else "\t")
    declared = _excel_separator(path, quoting["encoding"])
    if declared is not None:
        if cfg.delimiter is not None and declared != cfg.delimiter:
            raise UserError(f"{path}: line 1 declares the separator {declared!r} (sep={declared}), "
                            f"ingest.delimiter says {cfg.delimiter!r}; remove ingest.delimiter or the line")
        note(f"{path}: line 1 (sep={declared}, as Excel writes it) names the separator; read with it")
        sep, quoting["skip"] = declared, 1
    columns, records, lines = read_delimited(path, sep, quoting, None if cfg.header else list(cfg.column_names))
    return pd.DataFrame(records, columns=columns, index=lines, dtype=object)


def _read_json_file(path: Path, cfg: Ingest) -> pd.DataFrame:
    records, lines, unit = read_json_records(path, decoding(cfg.encoding, path))
    df = pd.DataFrame(records, index=lines, dtype=object)
    df.attrs["unit"] = unit
    # the records that lack a key: a misspelt key is not a null (see label_parsing.parse_long)
    df.attrs["absent"] = {key: tuple(line for r, line in zip(records, lines) if key not in r)
                          for key in df.columns}
    return df


def _read_parquet_file(path: Path, cfg: Ingest) -> pd.DataFrame:
    df = pd.read_parquet(path)
    # the id saved as the index (set_index("id")): a column again; other index levels (a
    # RangeIndex, `row`) are no data of the user's and are dropped, as before
    wanted = [n for n in df.index.names if n in (cfg.id_column, cfg.text_column)
              and n not in df.columns]
    df = df.reset_index(level=wanted) if wanted else df
    df.index = range(1, len(df) + 1)
    df.attrs["unit"] = "row"
    return df


def read_file(path: Path, cfg: Ingest) -> pd.DataFrame:
    """One file as a DataFrame indexed by each row's file line (1-based; for Parquet and JSON
    arrays the row number, attrs["unit"] says which: see `at`), every value as written: csv/tsv
    cells as text, JSON values as parsed (no column made float because of a null), nothing
    parsed as NaN."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: a folder, not a file; name the file in it (ingest.files)")
    if not path.is_file():
        raise UserError(f"{path}: file not found; check ingest.path and ingest.files in params.yaml")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty")
    refuse_broken_gzip(path)
    fmt = _format(path, cfg.format)
    if fmt != "parquet":
        refuse_utf8_read_as_other(path, cfg.encoding)
        refuse_c1_controls(path, cfg.encoding)
    try:
        if fmt in ("csv", "tsv"):
            df = _read_delimited_file(path, fmt, cfg)
        elif fmt == "jsonl":
            df = _read_json_file(path, cfg)
        else:
            df = _read_parquet_file(path, cfg)
    except UnicodeDecodeError:
        codec = codec_of(cfg.encoding, path)
        line, reason, byte = first_bad_line(path, codec) or ("?", "an undecodable byte", "?")
        counted = "decompressed file" if is_gzip(path) else "file"  # a gzip'd file: in what it holds
        raise UserError(f"{path}: line {line} is not valid {codec.removesuffix('-sig')} ({reason} at byte "
                        f"{byte} of the {counted}); re-save the file as UTF-8 or set ingest.encoding (a Windows export "
                        f"is often cp1252)") from None
    except (ValueError, csv.Error) as e:
        raise UserError(f"{path}: cannot be read as {fmt}: {e}") from None
    if df.empty:
        raise UserError(f"{path}: no data rows (header only?)")
    return df


def at(df: pd.DataFrame, row: object) -> str:
    """Where a row of read_file's DataFrame is, for messages: `line 12` (csv, tsv, JSON Lines),
    `record 3` (a JSON array), `row 7` (Parquet)."""
    return f"{df.attrs.get('unit', 'line')} {row}"


def require_column(df: pd.DataFrame, column: str, path: Path, param: str) -> None:
    """The column `param` names is there, and (JSON) in every record: a record without the key
    is a misspelt key, not a missing value, so it is refused rather than read as empty."""
    absent = df.attrs.get("absent", {}).get(column)
    if absent:
        empty = f' (write "{column}": [] for a text without labels)' if param == "ingest.labels.column" else ""
        raise UserError(f"{path}: {at(df, absent[0])} has no {column!r} key ({len(absent)} such records; "
                        f"a misspelt key?); fix the records, or {param} if it names the wrong key{empty}")
    if column not in df.columns:
        found = list(map(str, df.columns))
        hint = ""
        if len(found) == 1 and (seps := [c for c in ",;\t|" if c in found[0]]):
            hint = f" (the header was read as one column: is the delimiter {seps[0]!r}? set ingest.delimiter)"
        elif column.startswith("Unnamed:") and "" in found:
            hint = (" (pandas calls a column without a name in the header 'Unnamed: 0'; here its name "
                    "is empty: set ingest.id_column: '' to use it)")
        elif param == "ingest.id_column" and (index := next(
                (c for c in found if not c.strip() or re.fullmatch(r"Unnamed: \d+", c)), None)) is not None:
            hint = (f" (the column {index!r} is an index pandas wrote: if it holds the ids, set "
                    f"ingest.id_column: {index!r}; ingest.id_column: null numbers the rows instead)")
        raise UserError(f"{path}: no column {column!r} ({param}); columns found: {', '.join(found)}"
                        f"{hint}. Set {param} in params.yaml")


