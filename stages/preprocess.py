"""Stage (one per variant): data/split/ -> data/preprocessed/<variant>/ with a `tokens` list
column, the variant's text form (`text`), an `empty` flag, and diagnostics in metrics/."""

from embedding_bench import fileio, params
from embedding_bench.cli import arguments, stage_main
from embedding_bench.sections import Variant
from embedding_bench.text import Preprocessor, diagnostics


@stage_main
def main():
    args = arguments(__doc__, "variant", "split", "out", "report")
    p = params.load()
    prep = Preprocessor(p.preprocess.variants[args.variant])
    tables, labels = fileio.read_tables(args.split)
    for df in tables.values():
        df.insert(2, "original_text", df["text"])
        df["tokens"] = df["original_text"].map(prep.tokens)
        df["text"] = df["tokens"].map(" ".join)
        df["empty"] = df["tokens"].map(len) == 0
    report = diagnostics(tables, Preprocessor(Variant()))
    fileio.write_tables(args.out, tables, labels)
    fileio.write_json({args.variant: report}, args.report)
    empty = sum(report[s]["empty_texts"] for s in tables)
    print(f"preprocess@{args.variant}: vocabulary {report['vocabulary_size']}, "
          f"{empty} texts left empty (kept, flagged `empty`)")


if __name__ == "__main__":
    main()
