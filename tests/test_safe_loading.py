"""No code path unpickles a file a user supplied or downloaded, and remote code stays off."""

import re

from ruamel.yaml import YAML

from conftest import ROOT

SOURCES = [p for folder in ("embedding_bench", "stages", "bench") for p in sorted((ROOT / folder).glob("*.py"))]
FORBIDDEN = [
    (r"\bpickle\.loads?\(|\bimport pickle|\bcPickle|\bjoblib\.load\(|\bdill\.", "pickle"),
    (r"\btorch\.load\((?![^)]*weights_only\s*=\s*True)", "torch.load without weights_only=True"),
    (r"\b(KeyedVectors|Word2Vec|FastText|Doc2Vec)\.load\(", "gensim's pickle-based load"),
    (r"allow_pickle\s*=\s*True", "numpy allow_pickle=True"),
    (r"trust_remote_code\s*=\s*True", "trust_remote_code hard-wired on"),
    (r"\.extractall\(", "whole-archive extraction"),
]


def test_no_unsafe_loader_in_the_code():
    found = []
    for path in SOURCES:
        text = path.read_text()
        for pattern, what in FORBIDDEN:
            for m in re.finditer(pattern, text):
                line = text[:m.start()].count("\n") + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_the_scan_catches_what_it_looks_for():
    bad = "import pickle\nx = torch.load(f)\nKeyedVectors.load(p)\nnp.load(p, allow_pickle=True)\n"
    hits = [what for pattern, what in FORBIDDEN if re.search(pattern, bad)]
    assert len(hits) == 4
    assert not re.search(FORBIDDEN[1][0], "torch.load(f, weights_only=True)")


def test_remote_code_is_off_by_default():
    params = YAML(typ="safe").load(ROOT / "params.yaml")
    assert params["bert"]["trust_remote_code"] is False
