"""Opening a dataset's text files as their exporters wrote them: gzip'd or not (told by content),
with a byte-order mark or not, and refusing an encoding that would misread them silently."""

import codecs
import gzip
from pathlib import Path
from typing import IO

from embedding_bench.errors import UserError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def open_data(path: Path, mode: str = "rb", **text_options) -> IO:
    """A data file for reading, decompressed on the fly where it is gzip'd (told by content, as
    exporters name such files .csv.gz, .gz or even .csv)."""
    if is_gzip(path):
        return gzip.open(path, mode if "b" in mode else "rt", **text_options)
    return open(path, mode, **text_options)


def refuse_utf8_read_as_other(path: Path, encoding: str) -> None:
    """A file that is valid UTF-8 with non-ASCII characters, read with another encoding, would
    turn `café` into `cafÃ©` without an error: refused (a legacy-encoded file is almost never
    valid UTF-8 by chance)."""
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return
    with open_data(path) as f:
        data = f.read()
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


def first_bad_line(path: Path, encoding: str) -> tuple:
    with open_data(path) as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as e:
                return number, e
    return None, None


def decoding(encoding: str) -> str:
    """The codec to read with: UTF-8 files saved with a byte-order mark (Notepad, Excel) lose it."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
