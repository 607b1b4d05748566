"""The README's headline chart: SemEval-2018 E-c, each embedding family's default configuration,
test Jaccard and macro-F1 with their 95% intervals over seeds, from docs/data/semeval_families.csv
(the table of docs/results.md), drawn offline as SVG.

    .venv/bin/python bench/headline_chart.py [--out docs/img/semeval_families.svg]
"""

import argparse
import csv
from pathlib import Path

from embedding_bench import charts

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "docs/data/semeval_families.csv")
    ap.add_argument("--out", type=Path, default=ROOT / "docs/img/semeval_families.svg")
    args = ap.parse_args()
    with open(args.data, newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    panels = []
    for metric in ("jaccard", "f1_macro"):
        rows = [{"label": r["family"], "model": r["model"], "metric": metric, "seeds": int(r["seeds"]),
                 "mean": float(r[metric]), "low": float(r[metric]) - float(r[f"{metric}_ci"]),
                 "high": float(r[metric]) + float(r[f"{metric}_ci"])} for r in table]
        spec = charts.intervals(rows, metric)
        panels.append({k: v for k, v in spec.items() if k != "$schema"})
    spec = {"$schema": charts.SCHEMA, "title": "SemEval-2018 E-c (dev as test, 886 tweets), seeds 1-3",
            "vconcat": panels}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(charts.svg(spec), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
