"""Files that params point to by URL or inside an archive: a download verified by its sha256,
and one member of a zip or tar archive, each written atomically and never outside its folder."""

import shutil
import tarfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Optional, Union
from urllib.parse import urlparse

from embedding_bench import fileio
from embedding_bench.errors import UserError
from embedding_bench.sources import sha256_of


def download(url: str, sha256: Optional[str], folder: Union[str, Path]) -> Path:
    """Fetch `url` into `folder` once, verify its sha256, and return the file's path.
    The file appears under its final name only after it has been verified."""
    if not sha256:
        raise UserError(f"glove.source is a URL ({url}); set glove.sha256 to the file's sha256 "
                        f"so that the download can be verified")
    name = Path(urlparse(url).path).name or "vectors"
    path = Path(folder) / name
    if path.is_file() and sha256_of(path) == sha256.lower():
        return path
    try:
        with fileio.atomic_path(path) as tmp:  # the final name only once verified
            with open(tmp, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
                shutil.copyfileobj(response, out)
            actual = sha256_of(tmp)
            if actual != sha256.lower():
                raise UserError(f"{url}: sha256 mismatch: expected {sha256}, got {actual}; the file "
                                f"changed or the checksum in glove.sha256 is wrong. Nothing was kept")
    except OSError as e:
        raise UserError(f"{url}: download failed ({e}); check the URL and your connection") from None
    return path


def is_archive(path: Union[str, Path]) -> bool:
    return str(path).lower().endswith((".zip", ".tar", ".tar.gz", ".tgz"))


def extract_member(archive: Path, member: Optional[str], folder: Union[str, Path]) -> Path:
    """One file out of a zip/tar archive (e.g. glove.twitter.27B.zip), refusing any name that
    would land outside `folder` (absolute paths, `..`)."""
    if not member:
        raise UserError(f"{archive}: an archive; set glove.member to the file inside it to use")
    folder = Path(folder).resolve()
    target = (folder / member).resolve()
    if not target.is_relative_to(folder) or target == folder:
        raise UserError(f"{archive}: member {member!r} would be written outside {folder}; refused")
    if target.is_file():
        return target
    try:
        with fileio.atomic_path(target) as tmp, open(tmp, "wb") as out:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as z, z.open(member) as src:
                    shutil.copyfileobj(src, out)
            else:
                with tarfile.open(archive) as t:
                    info = t.getmember(member)
                    if not info.isfile():
                        raise UserError(f"{archive}: {member!r} is not a regular file; refused")
                    shutil.copyfileobj(t.extractfile(info), out)
    except KeyError:
        raise UserError(f"{archive}: no member {member!r}; check glove.member") from None
    return target
