"""What a reviewer reads first, for the CNN and the baseline (metrics/headline.json): a few test
metrics per model, nothing else. Its own module, importing nothing, so the headline stage starts
in a fraction of a second and the review no longer imports scikit-learn through the metrics."""

HEADLINE = ("jaccard", "f1_micro", "f1_macro", "hamming_loss", "empty_prediction_rate")


def headline(models: dict[str, dict]) -> dict[str, dict]:
    """{model: test metrics} -> the headline: a few test metrics per model, nothing else."""
    return {model: {k: results["test"][k] for k in HEADLINE} for model, results in models.items()}
