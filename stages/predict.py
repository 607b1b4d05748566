"""Stage: the trained model on val, test and the probes' perturbed test texts -> data/probabilities/
(val.parquet, test.parquet: id and prob.<label> per text; perturbed.parquet: per perturbation of
the test texts, id, whether the raw text and the model input changed, prob.<label>). The one
stage after train that runs the model: evaluate and probe score what it stored, so a new decision
rule (evaluate.threshold, evaluate.at_least_one) is scored in seconds, with no model run."""

from embedding_bench import devices, experiment, fileio, params, probabilities, probes
from embedding_bench.cli import arguments, stage_main
from embedding_bench.training import make_reproducible, predict


@stage_main
def main():
    args = arguments(__doc__, "data", "features", "contextual", "model", "probabilities")
    p = params.load()
    make_reproducible(p.seed)
    device = devices.pick_device(p.device)
    model, config = experiment.load(args.model, device)
    dirs = {"features": args.features, "contextual": args.contextual}
    tables, labels = fileio.read_tables(args.data, ["val", "test"])
    probs = {name: predict(model, x) for name, (x, _) in experiment.inputs(config, tables, dirs).items()}
    perturbed = probes.perturbed(p, model, config, tables["test"], probs["test"], dirs, device)
    fileio.write_tables(args.probabilities, {
        **{name: probabilities.table(tables[name]["id"], probs[name], labels) for name in probs},
        "perturbed": perturbed}, labels)
    print(f"predict: {', '.join(f'{len(t)} {name}' for name, t in tables.items())} texts and "
          f"{perturbed['perturbation'].nunique()} perturbations of the test texts")


if __name__ == "__main__":
    main()
