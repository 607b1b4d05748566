"""Stage: the configured embedding on the configured preprocessing variant -> data/features/
(vocab.txt and vectors.npy: only the experiment's vocabulary, a small matrix; for word2vec also
the trained vectors in word2vec text format), plus out-of-vocabulary rates in metrics/embed.json."""

from pathlib import Path

import numpy as np

from stages import datasets, embeddings, fileio, params, pretrained
from stages.cli import arguments, stage_main
from stages.errors import UserError
from stages.text import Preprocessor


def write_features(out, vocab, matrix, keyed_vectors=None):
    files = {"vocab.txt": lambda path: path.write_text("\n".join(vocab) + "\n", encoding="utf-8"),
             "vectors.npy": lambda path: np.save(path, matrix)}
    if keyed_vectors is not None:  # the trained vectors themselves, in a portable non-pickle format
        files["word2vec.txt"] = lambda path: keyed_vectors.save_word2vec_format(str(path))
    fileio.write_folder(out, files)


def extra_sentences(p):
    """word2vec.extra_files (unlabeled text, read like the dataset), preprocessed like it."""
    prep = Preprocessor(p["preprocess"]["variants"][p["preprocessing"]], p["preprocessing"])
    sentences = []
    for name in p["word2vec"].get("extra_files") or []:
        df = datasets.read_file(datasets.resolve(p["ingest"]["path"], name), p["ingest"])
        if p["ingest"]["text_column"] not in df:
            raise UserError(f"{name}: no text column {p['ingest']['text_column']!r} "
                            f"(word2vec.extra_files are read with the ingest settings)")
        sentences += [prep.tokens(t) for t in df[p["ingest"]["text_column"]].astype(str)]
    return sentences


def word_vectors(p, train_tokens, vocab, downloads):
    """(matrix for vocab, the vectors' own vocabulary as a set, trained KeyedVectors or None)."""
    embedding, seed = p["embedding"], p["seed"]
    if embedding == "random":
        return embeddings.random_matrix(len(vocab), p["random"]["dim"], seed), set(vocab[2:]), None
    if embedding == "glove":
        vectors = pretrained.load(p["glove"], downloads)
        matrix, _ = embeddings.matrix_from(vectors, vocab, seed)
        return matrix, vectors, None
    cfg = p["word2vec"]
    init = pretrained.load(p["glove"], downloads) if cfg.get("init") == "glove" else None
    if init is not None and init.vector_size != cfg["vector_size"]:
        raise UserError(f"params.yaml: word2vec.init: glove needs word2vec.vector_size "
                        f"{init.vector_size} (the pretrained vectors' size), not {cfg['vector_size']}")
    wv = embeddings.train_word2vec(train_tokens + extra_sentences(p), cfg, seed, init)
    return embeddings.matrix_from(wv, vocab, seed)[0], set(wv.key_to_index), wv


@stage_main
def main():
    args = arguments(__doc__, "data", "downloads", "out", "report")
    p = params.load()
    if p["embedding"] == "bert":  # contextual: the features stage does the work
        fileio.write_folder(args.out, {})
        fileio.write_json({"computed": 0}, args.report)
        print("embed: no static vectors needed for embedding: bert")
        return
    tables, _ = fileio.read_tables(args.data)
    train_tokens = tables["train"]["tokens"].tolist()
    vocab = embeddings.build_vocab(train_tokens, p["vocab"]["min_count"])
    matrix, known, trained = word_vectors(p, train_tokens, vocab, Path(args.downloads))
    if not isinstance(known, set):  # pretrained vectors: the words they have, exact or lowercase
        types = {t for df in tables.values() for toks in df["tokens"] for t in toks}
        known = {t for t in types if embeddings.lookup(known, t) is not None}
    report = {"computed": 1, "vocabulary_size": len(vocab),
              "vocabulary_with_vectors": sum(w in known for w in vocab[2:])}
    for name, df in tables.items():
        report[name] = embeddings.oov_rates(df["tokens"], known)
    write_features(args.out, vocab, matrix, trained)
    fileio.write_json(report, args.report)
    print(f"embed: {p['embedding']}, {len(vocab)} words x {matrix.shape[1]} dims; test OOV "
          f"{report['test']['oov_token_rate']:.1%} of tokens")


if __name__ == "__main__":
    main()
