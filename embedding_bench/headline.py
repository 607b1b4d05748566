"""What a reviewer reads first, for the CNN and the baseline (metrics/headline.json): a few test
metrics per model, nothing else. Its own module, importing only the error type, so the headline
stage starts in a fraction of a second and the review no longer imports scikit-learn through the
metrics."""

from embedding_bench.errors import UserError

HEADLINE = ("jaccard", "f1_micro", "f1_macro", "hamming_loss", "empty_prediction_rate")


def headline(models: dict[str, dict]) -> dict[str, dict]:
    """{model: its metrics file's contents} -> the headline: a few test metrics per model. A file
    without them (written by an older version of its stage) is one error, not a KeyError."""
    for model, results in models.items():
        missing = [k for k in HEADLINE if k not in (results.get("test") or {})]
        if missing:
            raise UserError(f"the {model} metrics lack test.{', test.'.join(missing)}: they were written by "
                            f"another version of this pipeline; re-run their stage (`dvc repro --force "
                            f"{'baseline' if model == 'baseline' else 'evaluate'}`)")
    return {model: {k: results["test"][k] for k in HEADLINE} for model, results in models.items()}
