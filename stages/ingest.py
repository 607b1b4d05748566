"""Stage: read the configured dataset's files into data/ingested/ (one table + label list)."""

import argparse

from stages import fileio, params
from stages.datasets import ingest
from stages.errors import stage_main


@stage_main
def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    p = params.load()
    result = ingest(p["ingest"])
    result.report["dataset"] = p["dataset"]
    fileio.write_tables(args.out, {"data": result.table}, result.labels)
    fileio.write_json(result.report, args.report)
    print(f"ingest: {result.report['rows_kept']} of {result.report['rows_read']} rows kept, "
          f"{len(result.labels)} labels")


if __name__ == "__main__":
    main()
