"""Stage: the "why" of the trained CNN. On perturbed copies of the test texts (negation, emoji,
hashtags, mentions/URLs, typos, lower case, the `full` pipeline's losses) -> metrics/probes.json;
test metrics on slices of the test texts (negation, emoji, hashtag, unknown words, long/short)
-> metrics/slices.json. Same decision rule as evaluate (metrics/thresholds.json)."""

from embedding_bench import devices, experiment, fileio, metrics, params, probes
from embedding_bench.cli import arguments, stage_main
from embedding_bench.training import make_reproducible


@stage_main
def main():
    args = arguments(__doc__, "data", "features", "contextual", "model", "thresholds",
                     "probes", "slices")
    p = params.load()
    make_reproducible(p.seed)
    device = devices.pick_device(p.device)
    model, config = experiment.load(args.model, device)
    test = fileio.read_tables(args.data, ["test"])[0]["test"]
    report, sliced = probes.run(p, model, config, test, {"features": args.features,
                                                         "contextual": args.contextual},
                                fileio.read_json(args.thresholds), device)
    fileio.write_json(metrics.rounded(report), args.probes)
    fileio.write_json(metrics.rounded(sliced), args.slices)
    flips = ", ".join(f"{name} {r['flip_rate']:.1%}" for name, r in report["perturbations"].items())
    print(f"probe: label sets flipped by {flips}")


if __name__ == "__main__":
    main()
