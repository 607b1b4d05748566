"""Stage: the configured embedding on the configured preprocessing variant -> data/features/
(vocab.txt and vectors.npy: only the experiment's vocabulary, a small matrix; for word2vec also
the trained vectors in word2vec text format; for fastText each row's origin and the n-gram
table), plus out-of-vocabulary rates in metrics/embed.json (for fastText also the shares of
tokens with an exact vector and with one built from n-grams)."""

from pathlib import Path

from embedding_bench import fasttext_vectors, fileio, params, static_embeddings
from embedding_bench.cli import arguments, stage_main
from embedding_bench.errors import UserError, warn
from embedding_bench.vocab import SPECIALS, build_vocab, oov_rates


@stage_main
def main():
    args = arguments(__doc__, "data", "downloads", "out", "report")
    p = params.load()
    if p.embedding == "bert":  # contextual: the features stage does the work
        fileio.write_folder(args.out, {"not_needed.txt": lambda path: path.write_text(
            "no static vectors: embedding is bert\n")})  # a file: DVC warns about an empty folder
        fileio.write_json({"computed": 0}, args.report)
        print("embed: no static vectors needed for embedding: bert")
        return
    tables, _ = fileio.read_preprocessed(args.data)
    train_tokens = tables["train"]["tokens"].tolist()
    vocab = build_vocab(train_tokens, p.vocab.min_count)
    if len(vocab) == len(SPECIALS):  # every token would be <unk>: the CNN would learn from nothing
        raise UserError(f"params.yaml: vocab.min_count is {p.vocab.min_count}: no word occurs "
                        f"that often in the training texts, so every token would be unknown; lower it")
    trained_here = p.embedding == "word2vec" or (p.embedding == "fasttext" and
                                                 p.fasttext.source == fasttext_vectors.TRAIN)
    extra = static_embeddings.extra_sentences(p) if trained_here else []
    more, origin = {}, None
    if p.embedding == "fasttext":
        vocab, matrix, origin, more = fasttext_vectors.features(p, tables, vocab, extra)
        known, trained = {w for w, o in zip(vocab, origin) if o}, None
    else:
        matrix, known, trained = static_embeddings.word_vectors(p, train_tokens, vocab,
                                                                Path(args.downloads), extra)
    if not isinstance(known, set):  # pretrained vectors: the words they have, exact or lowercase
        types = {t for df in tables.values() for toks in df["tokens"] for t in toks}
        known = {t for t in types if static_embeddings.lookup(known, t) is not None}
    # a token gets its vector only through the vocabulary (vocab.min_count): the rest are <unk>
    known &= set(vocab[len(SPECIALS):])
    report = {"computed": 1, "vocabulary_size": len(vocab),
              "vocabulary_with_vectors": len(known)}
    for name, df in tables.items():
        report[name] = oov_rates(df["tokens"], known)
        if origin is not None:
            report[name].update(fasttext_vectors.token_origins(df["tokens"], vocab, origin))
    if extra:
        report["extra_texts_in"] = static_embeddings.extra_in_splits(extra, tables)
        if any(report["extra_texts_in"].values()):
            warn("word2vec.extra_files hold texts of the evaluation splits (the vectors learn from "
                 "the test texts; results are optimistic): " + ", ".join(
                     f"{n} {name} texts" for name, n in report["extra_texts_in"].items()))
    static_embeddings.write_features(args.out, vocab, matrix, trained, more)
    fileio.write_json(report, args.report)
    print(f"embed: {p.embedding}, {len(vocab)} words x {matrix.shape[1]} dims; test OOV "
          f"{report['test']['oov_token_rate']:.1%} of tokens" + (
              f", {report['test']['ngram_vector_token_rate']:.1%} with vectors from n-grams" if origin else ""))


if __name__ == "__main__":
    main()
