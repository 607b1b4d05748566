"""Stage: train the Kim CNN of the configured experiment (over word vectors, stored BERT
features, or a BERT fine-tuned end to end); early stopping on validation loss; weights to
models/, per-epoch curves via dvclive."""

import torch
from dvclive import Live

from embedding_bench import experiment, fileio, params
from embedding_bench.cli import arguments, stage_main
from embedding_bench.training import make_reproducible, model_device


@stage_main
def main():
    args = arguments(__doc__, "data", "features", "contextual", "out", "live")
    p = params.load()
    make_reproducible(p.seed)
    dirs = {"features": args.features, "contextual": args.contextual}
    tables, labels = fileio.read_preprocessed(args.data, ["train", "val"])
    model, config = experiment.new_model(p, labels, dirs)
    data = experiment.inputs(config, tables, dirs)
    with Live(args.live, dvcyaml=False, save_dvc_exp=False) as live:
        def log(epoch, train_loss, val_loss):
            live.log_metric("train/loss", train_loss)
            live.log_metric("val/loss", val_loss)
            live.next_step()

        summary = experiment.kind(config).fit(model, data, p, log)
        # the headline is the model kept (best validation loss), not the last epoch's numbers,
        # which dvclive would otherwise put in the summary; the per-epoch curve stays in plots
        live.summary = {"kept": {"epoch": summary["best_epoch"], "val_loss": summary["best_val_loss"]},
                        "epochs_run": summary["epochs_run"]}
    experiment.save(model, args.out, {**config, **summary})
    print(f"train: {config['kind']} {config.get('mode', '')} on {model_device(model)} "
          f"({getattr(model, 'autocast', None) or torch.float32}), best epoch {summary['best_epoch']} "
          f"of {summary['epochs_run']}, val loss {summary['best_val_loss']:.4f}")


if __name__ == "__main__":
    main()
