"""Stage: contextual token features of the configured variant from the BERT-family model, for
each split, into data/contextual/ (float16, memory-mapped by training). Runs only for
`embedding: bert` without fine-tuning (the CNN or the linear probe reads them); otherwise it records that nothing was needed. It reads no
seed, so DVC's run cache keeps one copy per (model, variant, layer settings) across seeds."""

import os

from embedding_bench import fileio, params
from embedding_bench.cli import arguments, stage_main


@stage_main
def main():
    args = arguments(__doc__, "data", "out", "report")
    p = params.load()
    cfg = p.bert
    needed = p.kind in ("features", "pooled")  # the CNN over them, or the linear probe
    report = {"computed": int(needed)}
    with fileio.atomic_path(args.out) as tmp:
        tmp.mkdir()
        if needed:  # torch and transformers load only then: seconds on every other run
            import torch

            from embedding_bench import devices, token_features, transformer_models

            torch.set_num_threads(len(os.sched_getaffinity(0)))
            device = devices.pick_device(p.device)
            dtype = devices.pick_dtype(cfg.dtype, device)
            model = transformer_models.load_model(cfg, dtype, device)
            tokenizer = transformer_models.load_tokenizer(cfg)
            tables, _ = fileio.read_preprocessed(args.data)
            for name, df in tables.items():
                stats = token_features.extract(model, tokenizer, df["text"].tolist(), cfg, tmp / name,
                                               device, desc=f"features {name}")
                report[name] = {"texts": stats["texts"], "tokens": stats["tokens"]}  # no timings:
                print(f"features {name}: {stats['texts_per_s']:.0f} texts/s, "  # metrics stay
                      f"{stats['tokens_per_s']:.0f} tokens/s")                   # reproducible
            report["width"] = model.config.hidden_size
        else:  # a file, not an empty folder, which DVC would warn about on every stage that reads it
            (tmp / "not_needed.txt").write_text("no contextual features: embedding is not bert, or "
                                                "bert.finetune is true\n")
    fileio.write_json(report, args.report)
    print("features: " + (f"{cfg.model}, {report['width']} wide, on {device} ({dtype})" if needed
                          else "not needed for this configuration"))


if __name__ == "__main__":
    main()
