"""Each embedding family's best configuration in an answer, as a Markdown table: the configuration
validation ranks first within the family on Jaccard, and its test Jaccard, macro-F1 and micro-F1
(each under the rule validation chose for that metric) with 95% intervals over seeds and texts.

    .venv/bin/python bench/answer_table.py /tmp/semeval-answer/results/answer/answer.json
"""

import argparse
import json
from pathlib import Path

from embedding_bench.answer.report import seeds

METRICS = ("jaccard", "f1_macro", "f1_micro")


def table(summary: dict) -> list[str]:
    by_key = {m: {r["key"]: r for r in summary["rows"][m]} for m in METRICS}
    best_of_family = {}
    for row in summary["rows"]["jaccard"]:  # ranked on validation
        best_of_family.setdefault(row["family"], row["key"])
    lines = ["| family | best configuration (on validation) | seeds | jaccard | f1_macro | f1_micro |",
             "|---|---|---|---|---|---|"]
    for family, key in best_of_family.items():
        cells = [f"{r['mean']:.3f} [{r['low']:.3f}, {r['high']:.3f}]" for r in (by_key[m][key] for m in METRICS)]
        lines.append(f"| {family} | `{key}` | {seeds(by_key['jaccard'][key])} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("answer_json", type=Path, help="an answer.json that `embedding-bench answer` wrote")
    print("\n".join(table(json.loads(ap.parse_args().answer_json.read_text(encoding="utf-8")))))


if __name__ == "__main__":
    main()
