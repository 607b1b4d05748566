"""Stage: the "why" of the trained CNN, from its stored probabilities (data/probabilities/, the
predict stage's). On perturbed copies of the test texts (negation, emoji, hashtags, mentions/URLs,
typos, lower case, the `full` pipeline's losses) -> metrics/probes.json; test metrics on slices
of the test texts (negation, emoji, hashtag, unknown words, long/short) -> metrics/slices.json.
Same decision rule as evaluate (metrics/thresholds.json)."""

from embedding_bench import experiment, fileio, metrics, probabilities, probes
from embedding_bench.cli import arguments, stage_main


@stage_main
def main():
    args = arguments(__doc__, "data", "features", "contextual", "model", "probabilities",
                     "thresholds", "probes", "slices")
    config = experiment.saved_config(args.model)
    test = fileio.read_tables(args.data, ["test"])[0]["test"]
    stored = probabilities.read(args.probabilities, {"test": test, "perturbed": test}, config["labels"])
    report, sliced = probes.run(config, test, probabilities.matrix(stored["test"], config["labels"]),
                                stored["perturbed"], {"features": args.features, "contextual": args.contextual},
                                fileio.read_json(args.thresholds))
    fileio.write_json(metrics.rounded(report), args.probes)
    fileio.write_json(metrics.rounded(sliced), args.slices)
    flips = ", ".join(f"{name} {r['flip_rate']:.1%}" for name, r in report["perturbations"].items())
    print(f"probe: label sets flipped by {flips}")


if __name__ == "__main__":
    main()
