"""The pooled sentence-embedding reference (`bert.head: logreg`): each text's stored token
features, mean-pooled over its tokens ([CLS] and [SEP] included, padding never: a text's
features are exactly its tokens), into one-vs-rest logistic regression (scikit-learn). This is
the MTEB classification protocol; for a sentence-transformers model (the packaged MiniLM is
one) it is how its published scores were made, and where the model ends in a Normalize module
the pooled vector is L2-normalized as its `encode()` does.

The fitted coefficients become a float64 linear layer, so the row is saved, evaluated and
probed like every CNN (the same decision rules, files and reports); its probabilities are
scikit-learn's `predict_proba`. A label constant in training is predicted constant (p = 0 or 1),
as scikit-learn's one-vs-rest does. The solver (lbfgs) is deterministic: the seed changes nothing.
"""

import json
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from torch import nn

# MTEB's classifier is LogisticRegression(max_iter=100); more iterations let lbfgs converge on
# data where 100 do not, which the published settings would otherwise leave to chance
MAX_ITER = 1000
NORMALIZE = "sentence_transformers.models.Normalize"


def normalizes(model_dir: str | Path) -> bool:
    """Whether a sentence-transformers model folder ends in a Normalize module (modules.json);
    False for a plain transformers model or a hub id."""
    modules = Path(model_dir, "modules.json")
    if not modules.is_file():
        return False
    return any(m.get("type") == NORMALIZE for m in json.loads(modules.read_text()))


def is_sentence_transformer(model_dir: str | Path) -> bool:
    return Path(model_dir, "modules.json").is_file()


class Pooled:
    """One split's texts as mean-pooled float64 vectors, from token features (TokenFeatures:
    `flat` rows and `offsets`)."""

    def __init__(self, features, normalize: bool):
        self.features, self.normalize = features, normalize

    def __len__(self):
        return len(self.features)

    def batch(self, idx: Sequence[int]) -> torch.Tensor:
        f = self.features
        out = np.stack([np.asarray(f.flat[f.offsets[i]:f.offsets[i + 1]], np.float64).mean(axis=0)
                        for i in idx])
        if self.normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return torch.from_numpy(out)

    def matrix(self) -> np.ndarray:
        return self.batch(range(len(self))).numpy()


class LinearProbe(nn.Module):
    """Logistic regression's decision function: one float64 linear layer, a logit per label."""

    def __init__(self, width: int, n_labels: int):
        super().__init__()
        self.linear = nn.Linear(width, n_labels, dtype=torch.float64)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.linear(pooled.double())


def fit(model: LinearProbe, x: np.ndarray, y: np.ndarray, seed: int) -> int:
    """One logistic regression per label on (x, y) into `model`'s layer; returns how many labels
    did not converge in MAX_ITER iterations."""
    weight = np.zeros((y.shape[1], x.shape[1]))
    bias = np.zeros(y.shape[1])
    unconverged = 0
    for j in range(y.shape[1]):
        if y[:, j].min() == y[:, j].max():  # one class: a constant, as OneVsRestClassifier has it
            bias[j] = np.inf if y[0, j] else -np.inf
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            clf = LogisticRegression(max_iter=MAX_ITER, random_state=seed).fit(x, y[:, j])
        unconverged += any(issubclass(w.category, ConvergenceWarning) for w in caught)
        weight[j], bias[j] = clf.coef_[0], clf.intercept_[0]
    with torch.no_grad():
        model.linear.weight.copy_(torch.from_numpy(weight))
        model.linear.bias.copy_(torch.from_numpy(bias))
    return unconverged


def mean_bce(model: LinearProbe, x: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy over the labels fitted (a constant label's is 0 or infinite)."""
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
    fitted = torch.isfinite(logits).all(dim=0)
    loss = nn.functional.binary_cross_entropy_with_logits(
        logits[:, fitted], torch.from_numpy(y[:, fitted.numpy()]).double())
    return float(loss) if fitted.any() else 0.0
