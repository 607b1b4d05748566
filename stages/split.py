"""Stage: data/ingested/ -> data/split/{train,val,test}.parquet, with per-split label counts and
the leakage check (texts in more than one split, repeated texts within train)."""

import sys

from embedding_bench import fileio, params
from embedding_bench.cli import arguments, stage_main
from embedding_bench.errors import UserError
from embedding_bench.splits import duplicates, split


@stage_main
def main():
    args = arguments(__doc__, "ingested", "out", "report")
    p = params.load()
    tables, labels = fileio.read_tables(args.ingested)
    parts = split(tables["data"], labels, p["split"]["test_size"], p["split"]["val_size"],
                  p["split"]["seed"])
    report = {name: {"rows": len(df), **{label: int(df[label].sum()) for label in labels}}
              for name, df in parts.items()}
    no_positive = [label for label in labels if report["train"][label] == 0]
    if len(no_positive) == len(labels):
        raise UserError(f"no training text has any label ({len(parts['train'])} texts): nothing to "
                        f"learn; check the label columns (ingest.labels) and the files")
    if no_positive:
        print(f"warning: labels with no positive example in training: {', '.join(no_positive)}")
    report["labels_without_training_examples"] = len(no_positive)
    report["duplicates"] = duplicates(parts)
    leaked = {k: v for k, v in report["duplicates"].items() if k != "within_train" and v}
    if leaked:
        print("warning: texts that occur in more than one split (test results are optimistic): "
              + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in leaked.items()), file=sys.stderr)
    if report["duplicates"]["within_train"]:
        print(f"warning: {report['duplicates']['within_train']} repeated texts within train",
              file=sys.stderr)
    fileio.write_tables(args.out, parts, labels)  # after every check: a refusal writes nothing
    fileio.write_json(report, args.report)
    print("split: " + ", ".join(f"{name} {len(df)}" for name, df in parts.items()))


if __name__ == "__main__":
    main()
