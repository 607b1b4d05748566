"""Stage: data/ingested/ -> data/split/{train,val,test}.parquet, with per-split label counts."""

from embedding_bench import fileio, params
from embedding_bench.cli import arguments, stage_main
from embedding_bench.splits import split


@stage_main
def main():
    args = arguments(__doc__, "ingested", "out", "report")
    p = params.load()
    tables, labels = fileio.read_tables(args.ingested)
    parts = split(tables["data"], labels, p["split"]["test_size"], p["split"]["val_size"],
                  p["split"]["seed"])
    fileio.write_tables(args.out, parts, labels)
    report = {name: {"rows": len(df), **{label: int(df[label].sum()) for label in labels}}
              for name, df in parts.items()}
    no_positive = [label for label in labels if report["train"][label] == 0]
    if no_positive:
        print(f"warning: labels with no positive example in training: {', '.join(no_positive)}")
    report["labels_without_training_examples"] = len(no_positive)
    fileio.write_json(report, args.report)
    print("split: " + ", ".join(f"{k} {v['rows']}" for k, v in report.items() if isinstance(v, dict)))


if __name__ == "__main__":
    main()
