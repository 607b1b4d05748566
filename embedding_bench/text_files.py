"""Opening a dataset's text files as their exporters wrote them: gzip'd or not (told by content),
with a byte-order mark or not, and refusing an encoding that would misread them silently."""

import codecs
import gzip
import re
import zlib
from pathlib import Path
from typing import IO

from embedding_bench.errors import UserError, note

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


def refuse_broken_gzip(path: Path) -> None:
    """A gzip'd file cut short (an interrupted download) or damaged: refused before any reader
    meets it half-way, by decompressing it once to its end."""
    if not is_gzip(path):
        return
    try:
        with gzip.open(path, "rb") as f:
            while f.read(1 << 24):
                pass
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise UserError(f"{path}: the gzip'd file is truncated or damaged ({e}); download or copy it "
                        f"again (`gzip -t` checks it)") from None


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


UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def refuse_c1_controls(path: Path, encoding: str) -> None:
    """An ISO-8859 encoding (latin-1 ...) reads bytes 0x80-0x9F as invisible control characters;
    in real text they are Windows cp1252's dashes, quotes and euro sign (`\x96` is `–`): refused
    with the encoding to set, rather than texts that lose those characters without a word."""
    if not codecs.lookup(encoding).name.startswith("iso8859"):
        return
    with open_data(path) as f:
        data = f.read()
    found = re.search(rb"[\x80-\x9f]", data)
    if found:
        byte, line = found.group(), data.count(b"\n", 0, found.start()) + 1
        where = (f"{path}: line {line} holds the byte 0x{byte.hex()}, which ingest.encoding {encoding!r} "
                 f"reads as an invisible control character")
        utf8 = next((m for start in range(max(0, found.start() - 3), found.start())
                     if (m := UTF8_CHARACTER.match(data, start)) and m.end() > found.start()), None)
        if utf8:  # the byte is part of a UTF-8 character: cp1252 would misread the file too
            raise UserError(f"{where}; the file also holds UTF-8 characters (e.g. "
                            f"{utf8.group().decode('utf-8', 'replace')!r}): it mixes encodings; re-save it as UTF-8")
        if byte in b"\x81\x8d\x8f\x90\x9d":  # bytes cp1252 leaves undefined too
            raise UserError(f"{where}, and no Windows encoding reads it either; re-save the file as UTF-8")
        raise UserError(f"{where} and Windows' cp1252 as {byte.decode('cp1252')!r}: set ingest.encoding: cp1252 "
                        f"(a Windows export), or re-save the file as UTF-8")


def first_bad_line(path: Path, encoding: str) -> tuple[int, str, int] | None:
    """Where `encoding` first fails on a file: (line, 1-based; the reason; the byte, counted from
    the file's start), or None. Decoded whole, as a line-by-line split on b"\n" would cut
    UTF-16's two-byte newlines."""
    with open_data(path) as f:
        data = f.read()
    # utf-8-sig counts its errors' bytes after the mark it drops: counted from the file's start here
    skip = len(codecs.BOM_UTF8) if (codecs.lookup(encoding).name == "utf-8-sig"
                                    and data.startswith(codecs.BOM_UTF8)) else 0
    encoding = "utf-8" if skip else encoding  # a second mark is then a character, as it was read
    try:
        data[skip:].decode(encoding)
    except UnicodeDecodeError as e:
        line = data[skip:skip + e.start].decode(encoding, errors="replace").count("\n") + 1
        return line, e.reason, skip + e.start
    return None


# a byte-order mark names its encoding unambiguously (UTF-32's LE mark begins like UTF-16's)
UNICODE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def codec_of(encoding: str, path: Path) -> str:
    """The codec `path` is read with (see decoding), without the note."""
    if codecs.lookup(encoding).name != "utf-8":
        return encoding
    with open_data(path) as f:
        start = f.read(4096)
    for bom, codec in UNICODE_BOMS:
        if start.startswith(bom):
            return codec
    guess = _unmarked_wide_codec(start)
    if guess:
        raise UserError(f"{path}: the file holds NUL bytes, as {guess[:6].upper()} without a byte-order mark does "
                        f"(its first bytes: {start[:12]!r}); re-save it as UTF-8, or set ingest.encoding: "
                        f"{guess} if it is {guess[:6].upper()}")
    return "utf-8-sig"


def _unmarked_wide_codec(start: bytes) -> str | None:
    """UTF-16 or UTF-32 told by where its NULs sit (no byte-order mark): the zero bytes of its
    ASCII (delimiters, digits, newlines, even in Cyrillic or Chinese text) all at one position of
    each 2- or 4-byte unit, and many (5% of the bytes or more). A NUL or two in UTF-8 is a character (ingest counts it), not this."""
    zeros = [i for i, b in enumerate(start) if b == 0]
    if len(zeros) < max(4, 0.05 * len(start)):
        return None
    if len(zeros) >= 0.6 * len(start):
        return "utf-32-le" if start[:1] != b"\x00" else "utf-32-be"
    odd = sum(i % 2 for i in zeros)
    if max(odd, len(zeros) - odd) >= 0.75 * len(zeros):  # a character's own 0x00 byte (U+5F00) sits in the other
        return "utf-16-le" if odd > len(zeros) - odd else "utf-16-be"
    return None


def decoding(encoding: str, path: Path) -> str:
    """The codec to read `path` with, where ingest.encoding is UTF-8: a byte-order mark of UTF-8
    (Notepad, Excel) is dropped; one of UTF-16 or UTF-32 (Excel's "Unicode Text" export is UTF-16)
    says what the file is, and is read so, with a note; NUL bytes without a mark (UTF-16 as some
    tools write it) are refused, as UTF-8 would read them as text."""
    codec = codec_of(encoding, path)
    if codec in ("utf-16", "utf-32"):
        note(f"{path}: its byte-order mark says {codec.upper()}; read as {codec} (ingest.encoding is {encoding})")
    return codec
