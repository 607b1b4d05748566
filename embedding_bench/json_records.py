"""JSON Lines and JSON arrays of records as exporters write them, read strictly: a key given
twice in one object, or half of a UTF-16 surrogate pair, is refused where it is, not read as
whatever json.loads makes of it (the last value; a string no UTF-8 file can hold)."""

import json
import re
from pathlib import Path

from embedding_bench.errors import UserError, note
from embedding_bench.param_checks import repeated
from embedding_bench.text_files import open_data

# Half of a UTF-16 pair, as `\ud83d` in JSON: left where a text was cut inside an emoji.
SURROGATE = re.compile("[\ud800-\udfff]")


class _RepeatedKey(ValueError):
    pass


def _object(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are each given once ({"joy": 1, "joy": 0} would keep the last)."""
    twice = repeated([key for key, _ in pairs])
    if twice:
        raise _RepeatedKey(twice)
    return dict(pairs)


def _loads(text: str, where: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_object)
    except _RepeatedKey as e:
        raise UserError(f"{where}: a JSON object gives the key(s) {e.args[0]} more than once, so which "
                        f"value counts is ambiguous; give each key once") from None


def _refuse_lone_surrogates(records: list[dict], lines: list[int], where: str) -> None:
    for record, line in zip(records, lines):
        for key, value in record.items():
            found = next((SURROGATE.search(v) for v in (value if isinstance(value, list) else [value])
                          if isinstance(v, str) and SURROGATE.search(v)), None)
            if found:
                raise UserError(f"{where} {line}, key {key!r}: {ascii(found.group())} is half of a UTF-16 "
                                f"surrogate pair (a text cut inside an emoji?), which no UTF-8 text can hold; "
                                f"remove it from the file")


def _wrapped_records(path: Path, text: str) -> tuple[str, list] | None:
    """(key, records) where the whole file is one JSON object whose only value is a list of
    objects; None otherwise (JSON Lines of one record is an object with several keys). The
    layouts of pandas' to_json other than records (its default among them) are refused."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        whole = _loads(text, str(path))
    except json.JSONDecodeError:
        return None
    values = list(whole.values()) if isinstance(whole, dict) else []
    # orient columns/index: objects of objects (a text's record holds its text); split, table
    if values and all(isinstance(v, dict) for v in values) or {"columns", "data"} <= set(whole) or \
            {"schema", "data"} <= set(whole):
        keys = ", ".join(map(repr, list(whole)[:3]))
        raise UserError(f"{path}: one JSON object of objects or tables ({keys} ...), as pandas' to_json "
                        f"writes them (by default, and with orient 'index', 'split' or 'table'), not one "
                        f"object per text; write it with df.to_json(path, orient='records', lines=True)")
    if isinstance(whole, dict) and len(whole) == 1:
        (key, value), = whole.items()
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return key, value
    return None


def read_json_records(path: Path, encoding: str) -> tuple[list[dict], list[int], str]:
    """JSON Lines (one object a line), or a JSON array of objects (a .json export): (records,
    the line, or for an array the element number, of each, and which of the two: line, record)."""
    with open_data(path, "r", encoding=encoding) as f:
        text = f.read()
    wrapped = _wrapped_records(path, text)
    if wrapped is not None:  # {"data": [...]}: one key holding the records, as some APIs export
        key, records = wrapped
        note(f"{path}: the records are the list under {key!r}; read {len(records)} of them")
        return records, list(range(1, len(records) + 1)), "record"
    if text.lstrip().startswith("["):
        try:
            records = _loads(text, str(path))
        except json.JSONDecodeError as e:
            raise UserError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
        lines = list(range(1, len(records) + 1))
        unit = "record"
    else:
        records, lines, unit = [], [], "line"
        for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 is text
            if line.strip():
                try:
                    records.append(_loads(line, f"{path}: line {number}"))
                except json.JSONDecodeError as e:
                    raise UserError(f"{path}: line {number} is not valid JSON ({e.msg}); ingest.format "
                                    f"jsonl reads one JSON object a line, or one JSON array of objects")
                lines.append(number)
    bad = next((line for record, line in zip(records, lines) if not isinstance(record, dict)), None)
    if bad is not None:
        raise UserError(f"{path}: {unit} {bad} is not a JSON object; each row must be an object "
                        f"with the text, id and label fields")
    _refuse_lone_surrogates(records, lines, f"{path}: {unit}")
    return records, lines, unit
