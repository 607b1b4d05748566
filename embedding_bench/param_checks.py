"""The checks and types params' values share: ranges, paths (no `~`, no scheme DVC cannot
read, no repository root as a dataset), names that become folders, encodings, delimiters. Each
raises a ValueError saying what is accepted; schema validation turns it into the message that
names the param."""

import codecs
import os
import re
from pathlib import Path
from typing import Annotated, Optional, Union

from pydantic import AfterValidator, Field

Positive = Annotated[int, Field(ge=1)]
PositiveReal = Annotated[float, Field(gt=0, allow_inf_nan=False)]  # .inf passes gt=0
Share = Annotated[float, Field(gt=0, lt=1)]
Fraction = Annotated[float, Field(ge=0, lt=1)]  # may be 0, as dropout and warm-up may
Seed = Annotated[int, Field(ge=0, lt=2**32)]  # what numpy, torch and gensim all accept


def delimiter(value: Optional[str]) -> Optional[str]:
    if value is None or len(value) == 1:
        return value
    # '\t' in single quotes is a backslash and a t to YAML: the likeliest way to get here
    tab = " (in single quotes YAML reads '\\t' as two characters)" if value == "\\t" else ""
    raise ValueError(f"use one character, e.g. ';' or \"\\t\" in double quotes{tab}")


def local_path(value: Optional[str]) -> Optional[str]:
    """A path params name: `~` is a shell's, not a file name (and a clone elsewhere would look
    for another home folder)."""
    if value is not None and value.startswith("~"):
        raise ValueError("~ is not expanded; write the full path (or one relative to the repository)")
    return value


LocalPath = Annotated[str, AfterValidator(local_path)]
OptionalLocalPath = Annotated[Optional[str], AfterValidator(local_path)]
URL_SCHEMES = ("http", "https", "ftp", "file")


def dataset_folder(value: str) -> str:
    local_path(value)
    if Path(value).as_posix().strip("/") in ("", "."):
        raise ValueError("the repository itself is no dataset folder; put the files in a folder of "
                         "their own (e.g. data/raw/mine) and name it")
    return value


def variant_name(name: str) -> str:
    # a variant's name becomes a stage name and folder names (data/preprocessed/<name>)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise ValueError(f"variant name {name!r}: use letters, digits, _ and - (it names folders)")
    return name


def refuse_file_url(value: str) -> None:
    """file://... names a local file: said so, not treated as a download."""
    if value.lower().startswith("file://"):
        raise ValueError(f"give the file's path, not a file:// URL (here {value[len('file://'):] or '/'!r})")


def vectors_source(value: str) -> str:
    refuse_file_url(value)
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme and scheme not in URL_SCHEMES:
        raise ValueError(f"{scheme}:// is not read; download the file and name it, or give an "
                         f"http(s) URL with glove.sha256")
    return local_path(value)


def fasttext_source(value: str) -> str:
    """fasttext.source: `train` or a local file; a URL is not fetched (a cc.*.300.bin is 7 GB
    unpacked, and no checksum param covers it): said here, not as a missing file later."""
    refuse_file_url(value)
    if "://" in value:
        raise ValueError("a URL is not downloaded for fastText (a cc.*.300.bin.gz is about 4.5 GB); "
                         "download and unpack the file yourself and give its path")
    return local_path(value)


def encoding(name: str) -> str:
    try:
        text = codecs.lookup(name)._is_text_encoding  # hex, rot13 ... are codecs, not encodings
    except LookupError:
        text = False
    if not text:
        raise ValueError("not an encoding Python knows; e.g. utf-8, utf-16, latin-1, cp1252")
    return name


def auto_or_bool(value: object) -> Union[bool, str]:
    if value == "auto" or isinstance(value, bool):
        return value
    raise ValueError("use true, false or auto")


def auto_or_count(value: object) -> Union[int, str]:
    if value == "auto" or (type(value) is int and value >= 0):  # not a bool, not "2048"
        return value
    raise ValueError("use auto, 0 or a whole number of word pieces")


def repeated(names: list) -> list:
    """The names a list holds more than once, sorted."""
    return sorted({name for name in names if names.count(name) > 1})


def distinct(names: list[str]) -> list[str]:
    """A list of columns: one listed twice would be read twice, as two labels of one name."""
    twice = repeated(names)
    if twice:
        raise ValueError(f"lists {', '.join(map(repr, twice))} more than once; name each column once")
    return names


DistinctNames = Annotated[list[str], AfterValidator(distinct)]


def distinct_files(files: dict[str, str]) -> dict[str, str]:
    """Split files: one file named for two splits would score the model on its own training texts."""
    by_path = [os.path.normpath(name) for name in files.values()]
    twice = repeated(by_path)
    if twice:
        splits = [split for split, path in zip(files, by_path) if path == twice[0]]
        raise ValueError(f"names {twice[0]!r} for {' and '.join(splits)}: each split needs a file of its "
                         f"own (to carve val and test out of one file, give it alone as `all: FILE`)")
    return files
