"""Stage: train the Kim CNN on the preprocessed training split over data/features/; early
stopping on validation loss; weights to models/, per-epoch curves via dvclive."""

import argparse
from pathlib import Path

import numpy as np
from dvclive import Live

from stages import fileio, modelio, params
from stages.errors import UserError, stage_main
from stages.model import WordCNN, head_options, resolve_mode
from stages.training import encode, fit, make_reproducible


def load_inputs(data, features, names, max_len):
    """Token ids and label matrices of the named splits, and the vocabulary/labels."""
    tables, labels = fileio.read_tables(data, names)
    vocab = Path(features, "vocab.txt").read_text(encoding="utf-8").splitlines()
    return {n: (encode(df["tokens"], vocab, max_len), df[labels].to_numpy(np.float32))
            for n, df in tables.items()}, labels, vocab, tables


@stage_main
def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True)
    ap.add_argument("--features", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--live", required=True)
    args = ap.parse_args()
    p = params.load()
    make_reproducible(p["seed"])
    try:
        mode = resolve_mode(p["cnn"]["mode"], p["embedding"])
    except ValueError as e:
        raise UserError(f"params.yaml: {e}") from None
    max_len = p["cnn"]["max_len"]
    splits, labels, vocab, _ = load_inputs(args.data, args.features, ["train", "val"], max_len)
    vectors = np.load(Path(args.features, "vectors.npy"))
    model = WordCNN(vectors, len(labels), mode, **head_options(p["cnn"]))
    with Live(args.live, dvcyaml=False, save_dvc_exp=False) as live:
        def log(epoch, train_loss, val_loss):
            live.log_metric("train/loss", train_loss)
            live.log_metric("val/loss", val_loss)
            live.next_step()

        summary = fit(model, splits["train"], splits["val"], p["train"], p["seed"], log)
        for key, value in summary.items():
            live.summary[key] = value
    config = {"labels": labels, "mode": mode, "n_words": len(vocab), "dim": int(vectors.shape[1]),
              "head": head_options(p["cnn"]), "max_len": max_len, **summary}
    modelio.save(model, args.out, config)
    print(f"train: mode {mode}, best epoch {summary['best_epoch']} of {summary['epochs_run']}, "
          f"val loss {summary['best_val_loss']:.4f}")


if __name__ == "__main__":
    main()
