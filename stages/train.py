"""Stage: train the Kim CNN of the configured experiment (over word vectors, stored BERT
features, or a BERT fine-tuned end to end); early stopping on validation loss; weights to
models/, per-epoch curves via dvclive."""

from dvclive import Live
from transformers import get_linear_schedule_with_warmup

from stages import experiment, fileio, params
from stages.cli import arguments, stage_main
from stages.training import fit, make_reproducible


def training_options(p, kind):
    """The `train` params, or for fine-tuning the `bert` ones: AdamW with a lower learning rate
    for the transformer, linear warm-up and decay, gradient accumulation."""
    if kind != "finetune":
        return p["train"], None
    b = p["bert"]
    cfg = {**p["train"], "optimizer": "adamw", "lr": b["head_lr"], "transformer_lr": b["transformer_lr"],
           "batch_size": b["finetune_batch_size"], "accumulate": b["accumulate"],
           "max_epochs": b["finetune_epochs"]}
    return cfg, lambda optimizer, steps: get_linear_schedule_with_warmup(
        optimizer, int(b["warmup"] * steps), steps)


@stage_main
def main():
    args = arguments(__doc__, "data", "features", "contextual", "out", "live")
    p = params.load()
    make_reproducible(p["seed"])
    dirs = {"features": args.features, "contextual": args.contextual}
    tables, labels = fileio.read_tables(args.data, ["train", "val"])
    model, config = experiment.new_model(p, labels, dirs)
    data = experiment.inputs(config, tables, dirs)
    cfg, schedule = training_options(p, config["kind"])
    with Live(args.live, dvcyaml=False, save_dvc_exp=False) as live:
        def log(epoch, train_loss, val_loss):
            live.log_metric("train/loss", train_loss)
            live.log_metric("val/loss", val_loss)
            live.next_step()

        summary = fit(model, data["train"], data["val"], cfg, p["seed"], log, schedule)
        for key, value in summary.items():
            live.summary[key] = value
    experiment.save(model, args.out, {**config, **summary})
    print(f"train: {config['kind']} {config.get('mode', '')}, best epoch {summary['best_epoch']} "
          f"of {summary['epochs_run']}, val loss {summary['best_val_loss']:.4f}")


if __name__ == "__main__":
    main()
