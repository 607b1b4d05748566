"""Stage: data/ingested/ -> data/split/{train,val,test}.parquet, with per-split label counts and
the leakage check (texts in more than one split, repeated texts within train)."""

from embedding_bench import fileio, params
from embedding_bench.cli import arguments, stage_main
from embedding_bench.errors import UserError, warn
from embedding_bench.splits import duplicates, split

FEW_TRAINING_TEXTS = 100


@stage_main
def main():
    args = arguments(__doc__, "ingested", "out", "report")
    p = params.load()
    tables, labels = fileio.read_tables(args.ingested)
    parts = split(tables["data"], labels, p.split)
    # labels nested under their own key: a label named `rows` is data, never one of the report's keys
    report = {name: {"rows": len(df), "labels": {label: int(df[label].sum()) for label in labels}}
              for name, df in parts.items()}
    no_positive = [label for label in labels if report["train"]["labels"][label] == 0]
    if len(no_positive) == len(labels):
        raise UserError(f"no training text has any label ({len(parts['train'])} texts): nothing to "
                        f"learn; check the label columns (ingest.labels) and the files")
    if no_positive:
        warn(f"labels with no positive example in training: {', '.join(no_positive)}")
    report["labels_without_training_examples"] = len(no_positive)
    if len(parts["train"]) < FEW_TRAINING_TEXTS:
        warn(f"{len(parts['train'])} training texts (of {len(tables['data'])}; split.val_size "
             f"{p.split.val_size}, split.test_size {p.split.test_size} where those splits are carved "
             f"out): few to learn from; the comparison will be noisy")
    # a label on every training text teaches nothing and is predicted everywhere: it lifts Jaccard
    # and micro-F1 alike for every embedding, and makes at_least_one: auto decide that every text
    # has a label
    always = [label for label in labels if report["train"]["labels"][label] == len(parts["train"])]
    if always:
        warn(f"labels on every training text ({len(parts['train'])} texts): {', '.join(always)}; "
             f"they carry no information and inflate jaccard and f1_micro for every model alike: "
             f"drop them from ingest.labels to compare embeddings on the others")
    report["labels_on_every_training_text"] = len(always)
    report["duplicates"] = duplicates(parts, labels)
    leaked = {k: v for k, v in report["duplicates"].items() if k.endswith(("_in_train", "_in_val")) and v}
    if leaked:
        warn("texts that occur in more than one split (test results are optimistic): "
             + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in leaked.items()))
    if report["duplicates"]["within_train"]:
        warn(f"{report['duplicates']['within_train']} repeated texts within train")
    if report["duplicates"]["conflicting_labels"]:
        warn(f"{report['duplicates']['conflicting_labels']} texts occur more than once with different "
             f"label sets (metrics/split.json, duplicates.conflicting_labels): no model can get both "
             f"right; settle them in the data")
    fileio.write_tables(args.out, parts, labels)  # after every check: a refusal writes nothing
    fileio.write_json(report, args.report)
    print("split: " + ", ".join(f"{name} {len(df)}" for name, df in parts.items()))


if __name__ == "__main__":
    main()
