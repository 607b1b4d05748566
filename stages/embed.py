"""Stage: the configured embedding on the configured preprocessing variant -> data/features/
(vocab.txt, vectors.npy, and for word2vec its vectors in word2vec text format), plus
out-of-vocabulary rates per split in metrics/embed.json."""

import argparse

import numpy as np

from stages import embeddings, fileio, params
from stages.errors import stage_main


def write_features(out, vocab, matrix, keyed_vectors=None):
    files = {"vocab.txt": lambda path: path.write_text("\n".join(vocab) + "\n", encoding="utf-8"),
             "vectors.npy": lambda path: np.save(path, matrix)}
    if keyed_vectors is not None:  # the trained vectors themselves, in a portable non-pickle format
        files["word2vec.txt"] = lambda path: keyed_vectors.save_word2vec_format(str(path))
    fileio.write_folder(out, files)


@stage_main
def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    p = params.load()
    tables, _ = fileio.read_tables(args.data)
    train_tokens = tables["train"]["tokens"].tolist()
    vocab = embeddings.build_vocab(train_tokens, p["vocab"]["min_count"])
    report = {"vocabulary_size": len(vocab)}
    keyed_vectors = None
    if p["embedding"] == "random":
        matrix = embeddings.random_matrix(len(vocab), p["random"]["dim"], p["seed"])
    else:
        keyed_vectors = embeddings.train_word2vec(train_tokens, p["word2vec"], p["seed"])
        matrix, found = embeddings.matrix_from(keyed_vectors, vocab, p["seed"])
        report["vocabulary_with_vectors"] = found
    known = set(vocab[2:]) if keyed_vectors is None else set(keyed_vectors.key_to_index)
    for name, df in tables.items():
        report[name] = embeddings.oov_rates(df["tokens"], known)
    write_features(args.out, vocab, matrix, keyed_vectors)
    fileio.write_json(report, args.report)
    print(f"embed: {p['embedding']}, {len(vocab)} words x {matrix.shape[1]} dims; test OOV "
          f"{report['test']['oov_token_rate']:.1%} of tokens")


if __name__ == "__main__":
    main()
