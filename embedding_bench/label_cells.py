"""One cell of labels as label strings: names as the pipeline keeps them (NFC, no invisible
characters), lists as exporters write them (JSON, Python and numpy reprs, list-typed columns),
and what is refused because it would read as labels it is not: a value per label (a 0/1 or
probability vector) and missing-value markers.
"""

import ast
import io
import json
import re
import tokenize
import unicodedata

import numpy as np
import pandas as pd

from embedding_bench.errors import UserError

# Wide label values as exporters write them (pandas writes 0.0/1.0 after a missing cell).
WIDE_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1, "no": 0, "yes": 1}
MISSING = {"", "nan", "none", "null", "<na>"}
# Long-layout items that stand for no value: R's NA, pandas' NaN and None, Hugging Face's -1 for
# a text nobody labelled. No label's name, unless the names file lists it.
MISSING_ITEMS = (MISSING - {""}) | {"na", "n/a", "-1"}

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
        if isinstance(x, (bool, np.bool_)) or 0 <= x <= 1:
            raise UserError(f"{where}: {plain(x)!r} in the labels {shown!r} is a value per label (a 0/1 or "
                            f"probability vector?), not a label name or a whole-number id; write the "
                            f"names or ids of the labels each text has (e.g. [1, 3]), or one 0/1 column "
                            f"per label with ingest.labels.layout: wide")
        raise UserError(f"{where}: {plain(x)!r} in the labels {shown!r} is a number with a decimal point, "
                        f"no label id, and as a name its digits would depend on how it is printed "
                        f"(250.00 reads as 250.0); write such codes as strings (\"401.9\")")
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


def refuse_odd_items(items: list[str], where: str, names: list[str] | None) -> None:
    """0s and 1s with one listed twice in a cell are a 0/1 value per label read as ids or names
    ([0, 1, 0, 0] would be labels 0 and 1; a name or id listed twice, `joy,joy`, is one label);
    without a names file, a missing-value item (NA, None, NaN, -1) is no label's name (with one,
    an item it does not list is an unknown label)."""
    repeated = next((x for x in items if items.count(x) > 1), None)
    if repeated is not None and set(items) <= {"0", "1"}:
        raise UserError(f"{where}: the labels {items} name {repeated!r} more than once: a 0/1 value "
                        f"per label (a multi-hot vector)? The long layout reads the names or ids of "
                        f"the labels each text has, each once: write those (e.g. [1, 3]), or one 0/1 "
                        f"column per label with ingest.labels.layout: wide")
    share = next((x for x in items if re.fullmatch(r"\d*\.\d+|\d+\.", x) and float(x) <= 1), None)
    if share is not None:  # `0.0,1.0,0.0`: what a list cell of floats is refused for (see _item)
        raise UserError(f"{where}: {share!r} in the labels {items} is a value per label (a 0/1 or probability "
                        f"vector?), not a label name or a whole-number id; write the names or ids of the "
                        f"labels each text has, or one 0/1 column per label with ingest.labels.layout: wide")
    marker = next((x for x in items if x.casefold() in MISSING_ITEMS), None) if names is None else None
    if marker is not None:
        raise UserError(f"{where}: {marker!r} reads as a missing value, not a label: leave the cell "
                        f"empty for a text without labels, and remove texts nobody labelled; if "
                        f"{marker!r} is a label's name, list every name in ingest.labels.names_file")
