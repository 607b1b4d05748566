"""What a reviewer reads first, for the CNN and the baseline (metrics/headline.json): a few test
metrics per model, nothing else. Its own module, importing nothing, so the headline stage and
the review start in a fraction of a second."""

HEADLINE = ("jaccard", "f1_micro", "f1_macro", "hamming_loss", "empty_prediction_rate")


def headline(models: dict[str, dict]) -> dict[str, dict]:
    """{model: test metrics} -> the headline: a few test metrics per model, nothing else."""
    return {model: {k: results["test"][k] for k in HEADLINE} for model, results in models.items()}
