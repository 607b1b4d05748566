"""Stage: read the configured dataset's files into data/ingested/ (one table + label list)."""

from embedding_bench import fileio, params
from embedding_bench.ingest import ingest
from embedding_bench.cli import arguments, stage_main


@stage_main
def main():
    args = arguments(__doc__, "out", "report")
    p = params.load()
    result = ingest(p.ingest)
    result.report["dataset"] = p.dataset
    fileio.write_tables(args.out, {"data": result.table}, result.labels)
    fileio.write_json(result.report, args.report)
    print(f"ingest: {result.report['rows_kept']} of {result.report['rows_read']} rows kept, "
          f"{len(result.labels)} labels")


if __name__ == "__main__":
    main()
