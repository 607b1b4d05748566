"""Stage (one per variant): data/split/ -> data/preprocessed/<variant>/ with a `tokens` list
column, the variant's text form (`text`), an `empty` flag, and diagnostics in metrics/."""

import numpy as np

from stages import fileio, params
from stages.cli import arguments, stage_main
from stages.text import Preprocessor


def diagnostics(tables, baseline):
    """Tokens per text, texts left empty, share of the as-given tokens lost, vocabulary size."""
    report = {}
    for name, df in tables.items():
        lengths = df["tokens"].map(len).to_numpy()
        given = sum(len(baseline.tokens(t)) for t in df["original_text"])
        report[name] = {
            "texts": len(df),
            "tokens_per_text_mean": round(float(lengths.mean()), 3),
            "tokens_per_text_p95": float(np.percentile(lengths, 95)),
            "empty_texts": int(df["empty"].sum()),
            "tokens_lost_share": round(1 - float(lengths.sum()) / max(given, 1), 4),
        }
    report["vocabulary_size"] = len({t for toks in tables["train"]["tokens"] for t in toks})
    return report


@stage_main
def main():
    args = arguments(__doc__, "variant", "split", "out", "report")
    p = params.load()
    prep = Preprocessor(p["preprocess"]["variants"][args.variant], args.variant)
    tables, labels = fileio.read_tables(args.split)
    for df in tables.values():
        df.insert(2, "original_text", df["text"])
        df["tokens"] = df["original_text"].map(prep.tokens)
        df["text"] = df["tokens"].map(" ".join)
        df["empty"] = df["tokens"].map(len) == 0
    report = diagnostics(tables, Preprocessor({}))
    fileio.write_tables(args.out, tables, labels)
    fileio.write_json({args.variant: report}, args.report)
    empty = sum(report[s]["empty_texts"] for s in tables)
    print(f"preprocess@{args.variant}: vocabulary {report['vocabulary_size']}, "
          f"{empty} texts left empty (kept, flagged `empty`)")


if __name__ == "__main__":
    main()
