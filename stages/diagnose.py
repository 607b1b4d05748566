"""Stage (one per variant): how well each embedding's vocabulary covers a preprocessing variant.
Out-of-vocabulary rates per split for the training-split vocabulary (the trainable and word2vec
embeddings) and for the pretrained GloVe vectors; word pieces per word and [UNK] share for the
BERT tokenizer. Written to metrics/diagnostics/<variant>.json, so `dvc metrics diff` shows them."""

from embedding_bench import fileio, params, static_embeddings, transformer_models, vector_files
from embedding_bench.cli import arguments, stage_main
from embedding_bench.vocab import build_vocab, oov_rates


@stage_main
def main():
    args = arguments(__doc__, "variant", "data", "downloads", "report")
    p = params.load()
    tables, _ = fileio.read_tables(args.data)
    vocab = set(build_vocab(tables["train"]["tokens"], p.vocab.min_count)[2:])
    glove = vector_files.load(p.glove, args.downloads)
    types = {t for df in tables.values() for tokens in df["tokens"] for t in tokens}
    in_glove = {t for t in types if static_embeddings.lookup(glove, t) is not None}
    tokenizer = transformer_models.load_tokenizer(p.bert)
    report = {}
    for name, df in tables.items():
        report[name] = {
            "train_vocabulary": oov_rates(df["tokens"], vocab),
            "glove": oov_rates(df["tokens"], in_glove),
            "bert": transformer_models.fragmentation(tokenizer, df["tokens"].tolist()),
        }
    fileio.write_json({args.variant: report}, args.report)
    t = report["test"]
    print(f"diagnose@{args.variant}: test OOV {t['train_vocabulary']['oov_token_rate']:.1%} "
          f"(training vocabulary), {t['glove']['oov_token_rate']:.1%} (GloVe); BERT "
          f"{t['bert']['pieces_per_word']} pieces/word, {t['bert']['unk_share']:.2%} [UNK]")


if __name__ == "__main__":
    main()
