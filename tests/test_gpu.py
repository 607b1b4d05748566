"""On a CUDA GPU: every embedding path for one epoch on the reduced sample, on the GPU, and run
twice with identical metrics. Skipped, with the reason, where torch sees no CUDA device (CI and
the development machines have none: these run where a GPU is lent)."""

import json

import pytest
import torch

from conftest import BIN, run

# slow (end to end) only where they run: conftest shares the slow tests' time between workers
pytestmark = ([pytest.mark.slow] if torch.cuda.is_available() else
              [pytest.mark.skip(reason=f"no CUDA GPU: torch {torch.__version__} sees none here")])
DVC = str(BIN / "dvc")
PATHS = {"random": {}, "word2vec": {}, "glove": {}, "fasttext": {},
         "bert": {}, "bert-logreg": {"bert.head": "logreg"},
         "bert-finetune": {"bert.finetune": "true", "bert.finetune_epochs": "1"},
         "bert-label-tokens": {"bert.finetune": "true", "bert.finetune_epochs": "1", "bert.head": "label_tokens"}}


@pytest.mark.parametrize("path", PATHS, ids=list(PATHS))
def test_every_embedding_path_runs_on_the_gpu_and_twice_gives_the_same_metrics(pipeline_repo, path):
    repo = pipeline_repo
    settings = {"embedding": path.split("-")[0], "device": "cuda", "train.max_epochs": "1", **PATHS[path]}
    out = run([DVC, "exp", "run", *[a for k, v in settings.items() for a in ("-S", f"{k}={v}")]], repo).stdout
    if path != "bert-logreg":  # the linear probe fits with scikit-learn, on the CPU by design
        assert "on cuda" in out, out  # the train stage names the device its model ran on
    first = (repo / "metrics" / "metrics.json").read_text()
    again = "".join(run([DVC, "repro", "--force", "--single-item", stage], repo).stdout
                    for stage in ("train", "predict", "evaluate"))
    assert all(f"Running stage '{stage}'" in again for stage in ("train", "predict", "evaluate"))
    assert json.loads((repo / "metrics" / "metrics.json").read_text()) == json.loads(first)
