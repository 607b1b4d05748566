"""Token-feature extraction throughput, side by side on the same tweets and the same model:

1. this pipeline's features stage (embedding_bench/token_features.extract: length-sorted batches, dynamic
   padding, inference_mode, bfloat16 where the CPU has it), and the same with each batch's
   features written by a second thread while the next computes (what the stage does on a GPU);
2. sentence-transformers `encode(..., output_value="token_embeddings")` (its defaults, float32);
3. transformers `pipeline("feature-extraction")` with batching (float32);
4. a plain matrix multiply of the model's shapes, to give the machine's GEMM FLOP/s per dtype
   (before the rows and after them, the faster kept: interference only slows a measurement).

    .venv/bin/python bench/bert_throughput.py [--texts 2000] [--tsv ../shared/datasets/semeval2018-ec/train.tsv]

Prints texts/s, tokens/s, sustained model FLOP/s and the ratios.
"""

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def arguments() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--tsv", type=Path,
                    default=ROOT.parent / "shared/datasets/semeval2018-ec/train.tsv")
    return ap.parse_args()


if __name__ == "__main__":
    ARGS = arguments()  # before torch's import (seconds): --help and a wrong option answer at once

import torch  # noqa: E402

from embedding_bench import devices, params, sources, token_features, transformer_models  # noqa: E402
# the packaged MiniLM with the repository's bert params, 128 word pieces, 64 texts a batch
CFG = params.load(ROOT / "params.yaml").bert.model_copy(update={"model": "package", "max_length": 128,
                                                                "batch_size": 64, "layer": -1, "last_n": 1})


def tweets(path, n):
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows)
        col = header.index("Tweet") if "Tweet" in header else header.index("text")
        return [row[col] for _, row in zip(range(n), rows)]


def flops_per_token(config, mean_len):
    """Multiply-adds x 2 of one token through the encoder: projections, feed-forward, attention."""
    d, ff, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    return 2 * layers * (4 * d * d + 2 * d * ff + 2 * mean_len * d)


def gemm_flops(dtype, m=4096, k=384, n=1536, repeat=30):
    a, b = torch.randn(m, k, dtype=dtype), torch.randn(k, n, dtype=dtype)
    for _ in range(3):
        a @ b
    start = time.perf_counter()
    for _ in range(repeat):
        a @ b
    return 2 * m * k * n * repeat / (time.perf_counter() - start)


def timed(fn):
    fn()  # warm-up on the same call, so one-off costs do not count
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(args: argparse.Namespace):
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    texts = tweets(args.tsv, args.texts)
    path = sources.bert_model_path(sources.PACKAGED)
    tokenizer = transformer_models.load_tokenizer(CFG)
    n_tokens = sum(len(x) for x in transformer_models.encode_texts(tokenizer, texts, CFG.max_length))
    dtype = devices.pick_dtype("auto", "cpu")
    dtypes = {str(dt).split(".")[1]: dt for dt in (torch.float32, torch.bfloat16)}
    gemm_rates = {name: [gemm_flops(dt)] for name, dt in dtypes.items()}
    results = {}

    # the stage as it runs on a CPU (each batch written, then the next computed), then with each
    # batch written by a second thread while the next computes (as on a GPU)
    auto = str(dtype).split(".")[1]  # bfloat16 where the CPU has it, else float32 (one row, not two)
    stage_rows = [(f"stage ({auto})", dtype, None), ("stage (float32)", torch.float32, None),
                  (f"stage ({auto}), writes overlapped", dtype, True)]
    for name, dt, overlap in dict.fromkeys(stage_rows):
        model = transformer_models.load_model(CFG, dt)
        with tempfile.TemporaryDirectory() as tmp:
            results[name] = timed(lambda: token_features.extract(model, tokenizer, texts, CFG, Path(tmp) / "f",
                                                                 desc=name, overlap=overlap))

    from sentence_transformers import SentenceTransformer
    st = SentenceTransformer(path, device="cpu")
    results["sentence-transformers encode"] = timed(lambda: st.encode(
        texts, output_value="token_embeddings", batch_size=CFG.batch_size))

    from transformers import pipeline
    pipe = pipeline("feature-extraction", model=path, tokenizer=path, device="cpu",
                    batch_size=CFG.batch_size)
    results["transformers pipeline"] = timed(lambda: pipe(texts, truncation=True,
                                                          max_length=CFG.max_length))

    model_cfg = transformer_models.load_model(CFG).config
    per_token = flops_per_token(model_cfg, n_tokens / len(texts))
    gemm = {name: max(gemm_rates[name] + [gemm_flops(dt)]) for name, dt in dtypes.items()}
    print(f"\n{len(texts)} tweets, {n_tokens} word pieces, {per_token / 1e6:.1f} MFLOP per token, "
          f"{os.cpu_count()} cores, {devices.cpu_name()}")
    print(f"{'method':36s} {'texts/s':>9s} {'tokens/s':>10s} {'GFLOP/s':>9s}")
    reference = results["sentence-transformers encode"]
    for name, seconds in results.items():
        print(f"{name:36s} {len(texts) / seconds:9.0f} {n_tokens / seconds:10.0f} "
              f"{n_tokens * per_token / seconds / 1e9:9.1f}   x{reference / seconds:.2f} vs sentence-transformers")
    for dt, rate in gemm.items():
        print(f"GEMM {dt:31s} {rate / 1e9:31.1f}")
    for name, dt in ((n, n.split("(")[1].split(")")[0]) for n in results if n.startswith("stage")):
        sustained = n_tokens * per_token / results[name]
        print(f"{name}: sustained model FLOP/s = {sustained / gemm[dt]:.0%} of the {dt} GEMM rate")


if __name__ == "__main__":
    main(ARGS)
