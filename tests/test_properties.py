"""Property-based tests: any text preprocesses under every variant; metrics match definitions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from ruamel.yaml import YAML

from conftest import ROOT
from embedding_bench.metrics import summary
from embedding_bench.sections import Variant
from embedding_bench.text import Preprocessor

VARIANTS = YAML(typ="safe").load(ROOT / "params.yaml")["preprocess"]["variants"]
PREPROCESSORS = {name: Preprocessor(Variant(**options)) for name, options in VARIANTS.items()}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_unicode_text_preprocesses_under_every_variant(text):
    for name, prep in PREPROCESSORS.items():
        tokens = prep.tokens(text)
        assert isinstance(tokens, list) and all(isinstance(t, str) and t for t in tokens), name
        assert all(not any(c.isspace() for c in t) for t in tokens), name
        assert prep.tokens(text) == tokens  # deterministic


label_matrices = st.integers(1, 6).flatmap(lambda k: st.integers(1, 30).flatmap(
    lambda n: st.tuples(arrays(np.int8, (n, k), elements=st.integers(0, 1)),
                        arrays(np.int8, (n, k), elements=st.integers(0, 1)))))


@settings(max_examples=200, deadline=None)
@given(label_matrices)
def test_metrics_in_range_and_match_their_definitions(pair):
    y, p = pair
    m = summary(y, p)
    assert all(0.0 <= v <= 1.0 for v in m.values())
    inter, union = (y & p).sum(1), (y | p).sum(1)
    jaccard = np.where(union == 0, 1.0, inter / np.maximum(union, 1)).mean()
    assert np.isclose(m["jaccard"], jaccard)
    assert np.isclose(m["hamming_loss"], (y != p).mean())
    assert np.isclose(m["subset_accuracy"], (y == p).all(1).mean())
    tp, fp, fn = (y & p).sum(), ((1 - y) & p).sum(), (y & (1 - p)).sum()
    assert np.isclose(m["f1_micro"], 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
