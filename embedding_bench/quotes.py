"""A delimited file's quotes, told apart from the quotes its texts hold: tweets often start
with `"` or are wrapped in quotes, which a csv reader with quoting would take as its own and
drop, or read as a field running over the rows that follow."""

import re
from pathlib import Path

from embedding_bench.errors import UserError

QUOTE_HINT = "for texts with bare quotes (tweets), set ingest.quoting: none"


LINE_END = re.compile(r"\r\n|\r|\n")  # the line ends the csv module counts


def runaway(record: list[str], raw: list[str], sep: str, width: int) -> bool:
    """Whether a quoted field that spans lines swallowed rows of their own: in a TSV, a field
    holding both a tab and a line break (tweets hold neither); elsewhere, a record over several
    lines of the file (`raw`, from its first) each of which splits into exactly one field per
    column, as rows do (a text over lines, `Dear diary` / `pizza, pasta, wine, beer` / `the
    end`, has lines that do not)."""
    spanned = len(LINE_END.split(sep.join(record)))
    if spanned < 2:
        return False
    if sep == "\t" and any("\t" in field and LINE_END.search(field) for field in record):
        return True
    return all(len(line.split(sep)) == width for line in raw[:spanned])


def refuse_quoted_fields_read_unquoted(path: Path, records: list[list[str]], lines: list[int]) -> None:
    """With quoting: none, a field wrapped in quotes that holds doubled (`""`) or backslash-escaped
    (`\\"`) quotes is a csv writer's quoting (pandas, Excel, Spark), whose escapes would stay in the
    text: refused. A tweet in quotes holds neither."""
    for record, line in zip(records, lines):
        field = next((f for f in record if len(f) > 2 and f[0] == f[-1] == '"' and ('""' in f[1:-1]
                                                                                  or '\\"' in f)), None)
        if field is not None:
            escape = "backslash-escaped" if '\\"' in field else "doubled"
            fix = ("set ingest.quoting: minimal" if escape == "doubled" else "re-export it with standard "
                   "csv quoting (quotes doubled: pandas' to_csv, Excel), then read with ingest.quoting: minimal")
            raise UserError(f"{path}: line {line}: the field {field[:60]!r} is quoted by a csv writer ({escape} "
                            f"quotes inside), which ingest.quoting: none would keep in the text; {fix}")


# Characters some writer quotes a field for (a comma or semicolon: the delimiter it may have
# been exported for), unless the column's unquoted texts hold them too: then its writer does not.
MAYBE_REASONS = frozenset(",;")


def _quoted_for_no_reason(value: str, reasons: frozenset) -> bool:
    """A text of several words that writers quote for nothing but its spaces (Perl's Text::CSV
    does): no tab, quote, newline or other of `reasons` in it, no white space at an end (Go
    quotes a leading space), no first character up to `#` (Apache Commons CSV quotes a `#`)."""
    return (" " in value and value == value.strip() and value[0] > "#"
            and not set(value) & ({'"', "\t", "\n", "\r"} | reasons))


def refuse_bare_quotes_taken_as_quoting(path: Path, text: str, sep: str, records: list[list[str]],
                                        lines: list[int], names: list[str] | None) -> None:
    """A TSV text wrapped in quotes for no reason a writer has, in a column where texts of
    several words go unquoted: no writer quotes like that, so the quotes are the text's own (a
    tweet in quotes), which quoting: minimal would drop. Writers that quote by content (R's
    write.table quotes every string but NA, Perl's every field with a space, LibreOffice every
    text but numbers, Go a leading space, Apache Commons CSV a leading `#`, others a comma or
    semicolon unless the column's unquoted texts hold one) read as before. Each record is
    compared with its raw line of `text` (the file), where that line holds it whole."""
    raw = LINE_END.split(text)
    header = names if names is not None else [name.strip() for name in records[0]] if records else []
    wrapped, plain = {}, {}  # column -> its quoted fields; column -> {MAYBE_REASONS char: a line it is unquoted}
    for record, line in zip(records[names is None:], lines[names is None:]):
        fields = raw[line - 1].split(sep) if line <= len(raw) else []
        if len(fields) != len(record):
            continue
        for column, (field, value) in enumerate(zip(fields, record)):
            if field == f'"{value}"':
                wrapped.setdefault(column, []).append((field, value, line))
            elif field == value and " " in value.strip():  # words unquoted (Perl quotes these; R, not NA)
                seen = plain.setdefault(column, {})
                for char in MAYBE_REASONS & set(value):
                    seen.setdefault(char, line)
    for column in sorted(set(wrapped) & set(plain)):
        reasons = MAYBE_REASONS - set(plain[column])
        found = [(field, line) for field, value, line in wrapped[column] if _quoted_for_no_reason(value, reasons)]
        if not found:
            continue
        field, line = found[0]
        name = header[column] if column < len(header) else str(column + 1)
        held = sorted(c for c in plain[column] if c in field)
        why = "".join(f" (a {'comma' if c == ',' else 'semicolon'} is no reason: line {plain[column][c]} holds "
                      f"one unquoted)" for c in held)
        raise UserError(f"{path}: line {line}: the field {field!r} in column {name!r} is wrapped in quotes "
                        f"no writer would add{why}, while other texts there go unquoted ({len(found)} "
                        f"such fields): quotes that are part of the text? Read as quoting they would be "
                        f"dropped; set ingest.quoting: none to keep them, or remove them from the file")
