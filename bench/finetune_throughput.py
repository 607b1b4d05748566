"""Fine-tuning throughput against this machine's roofline and a peer, in one run on the same
tweets, the same model (the packaged MiniLM) and the same number format:

1. the GEMM rate at the model's shapes (one batch of word pieces times each weight matrix of a
   layer, forward) in float32 and bfloat16: the roofline, measured at the start of every round,
   after the rounds and at the end of the run, the fastest kept;
2. this pipeline's fine-tuning (embedding_bench.training, the Kim CNN head, AdamW, bert.dtype
   auto) for one epoch, with each batching: `random` (every 32 texts in a random order, padded
   to the longest), `by_length` (batching.py) of 32 texts and with a token budget (the default),
   that also with torch's own dropout masks (bert.finetune_dropout: torch, as before);
   with --compile also the budget's with the transformer under torch.compile (not a param);
3. a peer: the plain loop of the Hugging Face course (AutoModelForSequenceClassification with
   problem_type multi_label_classification, DataCollatorWithPadding, a shuffled DataLoader of 32,
   AdamW, a linear schedule), under the same torch.autocast dtype (what Trainer's bf16=True does on
   a CPU; Trainer itself needs accelerate, which this project does not install);
4. the frozen extraction (token_features.extract) and one epoch of the Kim CNN over the stored
   features (the `train` params), as ratios to the fine-tuning epoch; with --compile also the
   extraction with the model under torch.compile, and what compiling it cost;
5. prediction by a fine-tuned model as the evaluate stage runs it, against the whole model on
   in-order batches (before);
6. with --profile, where the time goes (torch.profiler, one more run of the default epoch and of
   the extraction): the matrix products' share of it and their own rate, and the share of the
   roofline each would reach if every other operation took no time: a ceiling for this torch's
   kernels, since everything else (attention's softmax, GELU, layer norms, casts, dropout, the
   optimizer) only adds time; and the largest of those other operations by their own time.

    .venv/bin/python bench/finetune_throughput.py [--texts 1024] [--device cpu|cuda] [--compile] [--profile] [--tsv ../shared/datasets/semeval2018-ec/train.tsv]

With --device cuda on a machine without CUDA it says so and exits 0.

Model FLOP/s count real word pieces only (not padding): 3x the forward pass (forward, then the
backward's two products), as bert_throughput.flops_per_token counts the forward.
"""

import argparse
import contextlib
import csv
import dataclasses
import os
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from embedding_bench.sections import AUTO_BATCH_TOKENS  # no torch: --help still answers at once

ROOT = Path(__file__).resolve().parents[1]


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (0 texts or rounds measure nothing)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def arguments() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--texts", type=positive, default=1024)
    ap.add_argument("--tsv", type=Path, default=ROOT.parent / "shared/datasets/semeval2018-ec/train.tsv")
    ap.add_argument("--rounds", type=positive, default=2, help="measurements of each configuration")
    ap.add_argument("--max-tokens", type=positive, default=AUTO_BATCH_TOKENS,
                    help="the token budget of the fourth batching (default: bert.finetune_batch_tokens: auto's)")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--compile", action="store_true",
                    help="add the token-budget batching and the extraction with the transformer under torch.compile")
    ap.add_argument("--profile", action="store_true",
                    help="where the default epoch's and the extraction's time goes, and their ceilings")
    return ap.parse_args()


if __name__ == "__main__":
    ARGS = arguments()  # before torch's import (seconds): --help and a wrong option answer at once

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bert_throughput import flops_per_token  # noqa: E402
from embedding_bench import devices, params, sources, token_features, training, transformer_models  # noqa: E402
from embedding_bench.cnn import FeatureCNN, KimHead, head_options  # noqa: E402
from embedding_bench.finetuning import BertFineTuned, Tokenized  # noqa: E402
from embedding_bench.kinds import KINDS  # noqa: E402

SEED = 1
DEVICE = "cpu"  # --device


def synchronized():
    """A timestamp after every queued kernel has run (a GPU computes asynchronously)."""
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter()


def tweets(path, n):
    """Texts and their 0/1 label matrix from a SemEval E-c style TSV."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows)
        taken = [row for _, row in zip(range(n), rows)]
    text = header.index("Tweet")
    labels = [i for i, name in enumerate(header) if name not in ("ID", "Tweet")]
    return [row[text] for row in taken], np.array([[float(row[i]) for i in labels] for row in taken],
                                                  dtype=np.float32)


def gemm_rate(dtype, tokens, config, repeat=20):
    """FLOP/s of one batch of `tokens` word pieces through a layer's weight matrices, forward:
    Q, K, V and the output projection (d x d), the feed-forward's d x ff and ff x d."""
    d, ff = config.hidden_size, config.intermediate_size
    shapes = [(d, d)] * 4 + [(d, ff), (ff, d)]
    mats = [(torch.randn(tokens, k, dtype=dtype, device=DEVICE), torch.randn(k, n, dtype=dtype, device=DEVICE))
            for k, n in shapes]
    for a, b in mats * 3:
        a @ b
    start = synchronized()
    for _ in range(repeat):
        for a, b in mats:
            a @ b
    seconds = synchronized() - start
    return sum(2 * tokens * k * n for k, n in shapes) * repeat / seconds


DTYPES = (("float32", torch.float32), ("bfloat16", torch.bfloat16))


def measure_roofline(rates, config, sizes):
    """Append to rates[dtype name] the faster of the GEMM rates at `sizes` word pieces a batch.
    main() measures it at the start of every round, after the rounds and at the end of the run,
    and keeps the fastest: like every other figure here, interference only slows it, and a
    roofline measured slow once would inflate every share of it (one measured at a busy moment
    once put the extraction at 104%)."""
    for name, dtype in DTYPES:
        rates.setdefault(name, []).append(max(gemm_rate(dtype, n, config) for n in sizes))


# seconds of a configuration's first warm-up (with torch.compile: the compilation), by
# (budget, compiled, torch's dropout) for fine-tuning and ("extraction", compiled) for the extraction
WARM_UP = {}


def pipeline_epoch(p, texts, y, dtype, by_length, max_tokens=None, attention="eager", fused=True,
                   compiled=False, torch_dropout=False, around=contextlib.nullcontext()):
    """Seconds for one fine-tuning epoch as the train stage runs it, and its padded word pieces.
    attention="sdpa", fused=False: the kernels the pipeline used before they were params;
    compiled: the transformer through torch.compile(dynamic=True), which the pipeline does not do;
    torch_dropout: torch's own dropout masks (bert.finetune_dropout: torch); around: a context
    (a profiler) around the timed epoch."""
    b = p.bert
    torch.manual_seed(SEED)
    transformer = transformer_models.load_model(b, torch.float32, attention=attention if DEVICE == "cpu" else "sdpa")
    model = BertFineTuned(transformer, KimHead(transformer.config.hidden_size, y.shape[1], **head_options(p.cnn)),
                          dtype if dtype != torch.float32 else None, cheap_dropout=not torch_dropout).to(DEVICE)
    tokenizer = transformer_models.load_tokenizer(b)
    inputs = Tokenized(tokenizer, texts, b.max_length, model.head.min_len)
    cfg = KINDS["finetune"].fit_options(p)
    cfg = dataclasses.replace(cfg, max_epochs=1, by_length=by_length, max_tokens=max_tokens)
    optimizer = training.make_optimizer(model, cfg)
    if not fused:
        optimizer = torch.optim.AdamW(model.param_groups(cfg.lr, cfg.transformer_lr, cfg.layer_decay))
    scheduler = cfg.schedule(optimizer, 10 ** 6)
    plan = training.epoch_plans(inputs, cfg, SEED)[0]
    padded = sum(len(idx) * int(inputs.lengths[idx].max()) for idx in plan)
    if compiled:
        model.transformer = torch.compile(model.transformer, dynamic=True)
    start = synchronized()
    training._train_epoch(model, (inputs, y), cfg, optimizer, scheduler, plan[:3], "warm-up")
    WARM_UP.setdefault((max_tokens, compiled, torch_dropout), synchronized() - start)
    start = synchronized()
    with around:
        training._train_epoch(model, (inputs, y), cfg, optimizer, scheduler, plan, "pipeline")
    return synchronized() - start, padded


def peer_epoch(p, texts, y, dtype):
    """Seconds for one epoch of the plain transformers loop, and its padded word pieces."""
    from torch.utils.data import DataLoader
    from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, get_linear_schedule_with_warmup

    b = p.bert
    torch.manual_seed(SEED)
    path = sources.bert_model_path(b.model)
    model = AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=y.shape[1], problem_type="multi_label_classification", use_safetensors=True).to(DEVICE)
    tokenizer = transformer_models.load_tokenizer(b)
    encoded = tokenizer(texts, truncation=True, max_length=b.max_length)
    rows = [{"input_ids": ids, "attention_mask": mask, "labels": labels.tolist()}
            for ids, mask, labels in zip(encoded["input_ids"], encoded["attention_mask"], y)]
    loader = DataLoader(rows, batch_size=b.finetune_batch_size, shuffle=True,
                        collate_fn=DataCollatorWithPadding(tokenizer),
                        generator=torch.Generator().manual_seed(SEED))
    optimizer = torch.optim.AdamW(model.parameters(), lr=b.transformer_lr)
    scheduler = get_linear_schedule_with_warmup(optimizer, 0, 10 ** 6)
    padded = 0

    def epoch(limit=None):
        nonlocal padded
        model.train()
        for step, batch in enumerate(loader):
            if limit is not None and step == limit:
                break
            batch["labels"] = batch["labels"].float()
            padded += batch["input_ids"].numel()
            batch = {k: v.to(DEVICE) for k, v in batch.items()}
            with torch.autocast(DEVICE, dtype=dtype, enabled=dtype != torch.float32):
                loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()

    epoch(limit=3)
    padded = 0
    start = synchronized()
    epoch()
    return synchronized() - start, padded


def frozen(p, texts, y, dtype, around=contextlib.nullcontext(), compiled=False):
    """Seconds for the frozen extraction of `texts` (`around` it: a context, a profiler) and for
    one epoch of the Kim CNN over them. compiled: the model through torch.compile(dynamic=True),
    which the pipeline does not do; the seconds of its first warm-up (the compilation) go into
    WARM_UP[("extraction", compiled)]."""
    b = p.bert
    model = transformer_models.load_model(b, dtype, DEVICE)
    if compiled:
        model = torch.compile(model, dynamic=True)
    tokenizer = transformer_models.load_tokenizer(b)
    with tempfile.TemporaryDirectory() as tmp:
        start = synchronized()
        token_features.extract(model, tokenizer, texts[:64], b, Path(tmp) / "warm", DEVICE, desc="warm-up")
        WARM_UP.setdefault(("extraction", compiled), synchronized() - start)
        start = synchronized()
        with around:
            token_features.extract(model, tokenizer, texts, b, Path(tmp) / "f", DEVICE, desc="extraction")
        extraction = synchronized() - start
        torch.manual_seed(SEED)
        cnn = FeatureCNN(model.config.hidden_size, y.shape[1], **head_options(p.cnn)).to(DEVICE)
        inputs = token_features.TokenFeatures(Path(tmp) / "f", cnn.head.min_len)
        cfg = training.FitOptions.of(p.train)
        plan = training.epoch_plans(inputs, cfg, SEED)[0]
        optimizer = training.make_optimizer(cnn, cfg)
        start = synchronized()
        training._train_epoch(cnn, (inputs, y), cfg, optimizer, None, plan, "cnn over features")
        return extraction, synchronized() - start


def prediction(p, texts, y):
    """Seconds for predict() of a fine-tuned model over `texts` as the evaluate stage runs it
    (float32, in-order batches of 256, transformers' default attention), against the pipeline
    before (the whole model, with the training's eager attention, on every in-order batch), and
    the largest difference in a probability. One head, the same weights."""
    b = p.bert
    torch.manual_seed(SEED)
    head = KimHead(transformer_models.load_model(b).config.hidden_size, y.shape[1], **head_options(p.cnn))
    now = BertFineTuned(transformer_models.load_model(b, device=DEVICE), head).to(DEVICE).eval()
    before = BertFineTuned(transformer_models.load_model(b, device=DEVICE, attention=devices.pick_attention(
        b.finetune_attention, DEVICE)), head).to(DEVICE).eval()
    tokenizer = transformer_models.load_tokenizer(b)
    inputs = Tokenized(tokenizer, texts, b.max_length, head.min_len)
    zeros = np.zeros((len(texts), 1), dtype=np.float32)

    def in_order():
        with torch.inference_mode():
            return np.concatenate([torch.sigmoid(before(x)).cpu().numpy()
                                   for x, _ in training.batches(inputs, zeros, 256, DEVICE)])

    training.predict(now, Tokenized(tokenizer, texts[:64], b.max_length, head.min_len))  # warm-up
    start = synchronized()
    old = in_order()
    middle = synchronized()
    new = training.predict(now, inputs)
    kernels = (now.transformer.config._attn_implementation, before.transformer.config._attn_implementation)
    return middle - start, synchronized() - middle, float(np.abs(old - new).max()), kernels


MATRIX_PRODUCTS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm")


class Profile(NamedTuple):
    seconds: float  # what the measure returned: the profiled region's
    product_seconds: float  # the matrix products' own time in it
    product_flops: float  # as the profiler counts them from the shapes
    others: list  # the largest other operations by their own time: [(name, seconds, main shapes)]


def profiled(measure, largest=6) -> Profile:
    """measure(around=a torch.profiler) -> seconds, profiled."""
    activities = [torch.profiler.ProfilerActivity.CPU] + (
        [torch.profiler.ProfilerActivity.CUDA] if DEVICE == "cuda" else [])
    profiler = torch.profiler.profile(activities=activities, with_flops=True, record_shapes=True)
    result = measure(profiler)

    def own(event):
        return getattr(event, "self_device_time_total" if DEVICE == "cuda" else "self_cpu_time_total")

    events, by_shape = profiler.key_averages(), profiler.key_averages(group_by_input_shape=True)
    products = [e for e in events if e.key in MATRIX_PRODUCTS]
    largest_others = sorted((e for e in events if e.key not in MATRIX_PRODUCTS), key=own)[::-1][:largest]
    # per operation, the input shapes that took most of its time: what it worked on
    others = [(e.key, own(e) / 1e6, max((g for g in by_shape if g.key == e.key), key=own).input_shapes)
              for e in largest_others]
    return Profile(result, sum(map(own, products)) / 1e6,
                   sum(e.flops for e in products), others)


def print_ceiling(what, profile: Profile, model_flops, roofline, dt):
    """--profile's lines: the products' share of the time, their rate, the ceilings, the rest."""
    seconds, product_seconds, product_flops, others = profile
    print(f"{what}: {seconds:.1f} s profiled, matrix products ({', '.join(MATRIX_PRODUCTS)}) "
          f"{product_seconds / seconds:.0%} of it at {product_flops / product_seconds / 1e9:.1f} GFLOP/s "
          f"({product_flops / product_seconds / roofline:.0%} of the {dt} roofline); the whole "
          f"{model_flops / seconds / roofline:.0%} of the roofline, {model_flops / product_seconds / roofline:.0%} "
          f"if every other operation took no time")

    def tensors(shapes):  # [[30522, 384], []] -> "30522x384" (an empty shape: a scalar or no tensor)
        return ", ".join("x".join(map(str, shape)) for shape in shapes if shape)

    print("  the largest other operations (own time; the inputs that took most of it): "
          + ", ".join(f"{name} {own / seconds:.0%} ({tensors(shapes)})" for name, own, shapes in others))


def main(args: argparse.Namespace):
    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"no CUDA: torch {torch.__version__} sees no GPU here; nothing to measure with --device cuda")
        return
    global DEVICE
    DEVICE = args.device
    training.make_reproducible(SEED)
    torch.use_deterministic_algorithms(False)  # as fast as each side can go: this is a benchmark
    p = params.load(ROOT / "params.yaml")
    p = p.model_copy(update={"bert": p.bert.model_copy(update={"model": "package", "max_length": 128})})
    texts, y = tweets(args.tsv, args.texts)
    dtype = devices.pick_dtype("auto", DEVICE)
    dt = str(dtype).split(".")[1]
    config = transformer_models.load_model(p.bert).config
    ids = transformer_models.encode_texts(transformer_models.load_tokenizer(p.bert), texts, p.bert.max_length)
    real = sum(map(len, ids))
    per_token = 3 * flops_per_token(config, real / len(texts))  # forward and backward
    # the roofline: the faster of the GEMM rates at a batch of the mean size and at the budget
    batch_tokens = p.bert.finetune_batch_size * real // len(texts)
    rooflines, sizes = {}, (batch_tokens, args.max_tokens)
    configurations = {
        "random, sdpa, AdamW loop (before)": lambda: pipeline_epoch(p, texts, y, dtype, False, attention="sdpa",
                                                                    fused=False, torch_dropout=True),
        "random, eager, fused AdamW": lambda: pipeline_epoch(p, texts, y, dtype, False),
        f"by_length, {p.bert.finetune_batch_size} texts a batch": lambda: pipeline_epoch(p, texts, y, dtype, True),
        f"by_length, {args.max_tokens} tokens, torch's dropout": lambda: pipeline_epoch(
            p, texts, y, dtype, True, args.max_tokens, torch_dropout=True),
        f"by_length, {args.max_tokens} tokens a batch{' (default)' * (args.max_tokens == AUTO_BATCH_TOKENS)}":
            lambda: pipeline_epoch(p, texts, y, dtype, True, args.max_tokens),
        "peer: transformers loop": lambda: peer_epoch(p, texts, y, dtype)}
    if args.compile:
        configurations[f"by_length, {args.max_tokens} tokens, torch.compile"] = lambda: pipeline_epoch(
            p, texts, y, dtype, True, args.max_tokens, compiled=True)
    # each measured `--rounds` times, round-robin, and the fastest kept: a shared machine's
    # interference slows a run, it never speeds one up
    runs = {}
    for _ in range(args.rounds):
        measure_roofline(rooflines, config, sizes)
        for name, measure in configurations.items():
            seconds, padded = measure()
            runs[name] = min(runs.get(name, (seconds, padded)), (seconds, padded))
    measure_roofline(rooflines, config, sizes)
    extractions = [frozen(p, texts, y, dtype) for _ in range(args.rounds)]
    extraction, cnn_epoch = (min(column) for column in zip(*extractions))
    if args.compile:
        compiled_extraction = min(frozen(p, texts, y, dtype, compiled=True)[0] for _ in range(args.rounds))
    predicted = min((prediction(p, texts, y) for _ in range(args.rounds)), key=lambda r: r[1])
    if args.profile:
        profiles = {"epoch": profiled(lambda around: pipeline_epoch(p, texts, y, dtype, True, args.max_tokens,
                                                                     around=around)[0]),
                    "extraction": profiled(lambda around: frozen(p, texts, y, dtype, around)[0])}
    measure_roofline(rooflines, config, sizes)
    gemm = {name: max(rates) for name, rates in rooflines.items()}

    print(f"\n{len(texts)} tweets, {real} word pieces ({real / len(texts):.1f} a text), "
          f"{per_token / 1e6:.1f} MFLOP per word piece forward+backward; {devices.cpu_name()}, "
          f"{len(os.sched_getaffinity(0))} cores, torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name, rates in rooflines.items():
        print(f"GEMM at the model's shapes ({batch_tokens} and {args.max_tokens} word pieces a batch, "
              f"the faster), {name}: {max(rates) / 1e9:.1f} GFLOP/s, the fastest of {len(rates)} "
              f"measurements over the run (the slowest {min(rates) / 1e9:.1f})")
    peer = runs["peer: transformers loop"][0]
    print(f"\nfine-tuning, one epoch, {dt}, the fastest of {args.rounds} rounds")
    print(f"{'batching, kernels':44s} {'s':>7s} {'texts/s':>8s} {'tokens/s':>9s} {'padding':>8s} "
          f"{'GFLOP/s':>8s} {'roofline':>9s} {'vs peer':>8s}")
    for name, (seconds, padded) in runs.items():
        rate = real * per_token / seconds
        print(f"{name:44s} {seconds:7.1f} {len(texts) / seconds:8.1f} {real / seconds:9.0f} "
              f"{1 - real / padded:8.0%} {rate / 1e9:8.1f} {rate / gemm[dt]:9.0%} {peer / seconds:7.2f}x")
    if args.compile:
        print(f"torch.compile: its first 3 batches took {WARM_UP[(args.max_tokens, True, False)]:.1f} s, "
              f"the compilation included (with this machine's inductor cache as it was), "
              f"eager {WARM_UP[(args.max_tokens, False, False)]:.1f} s")
    forward = flops_per_token(config, real / len(texts))
    best = min(s for s, _ in runs.values())
    print(f"\nfrozen extraction ({dt}): {extraction:.1f} s, {real / extraction:.0f} tokens/s, "
          f"{real * forward / extraction / 1e9:.1f} GFLOP/s = {real * forward / extraction / gemm[dt]:.0%} "
          f"of the {dt} GEMM rate; {best / extraction:.1f}x faster than the fastest fine-tuning epoch")
    if args.compile:
        print(f"frozen extraction under torch.compile: {compiled_extraction:.1f} s, "
              f"{real * forward / compiled_extraction / 1e9:.1f} GFLOP/s = "
              f"{real * forward / compiled_extraction / gemm[dt]:.0%} of the {dt} GEMM rate, "
              f"{extraction / compiled_extraction:.2f}x eager; its first 64 texts took "
              f"{WARM_UP[('extraction', True)]:.1f} s, the compilation included, "
              f"eager {WARM_UP[('extraction', False)]:.1f} s")
    print(f"Kim CNN over the stored features, one epoch (train params): {cnn_epoch:.1f} s, "
          f"{best / cnn_epoch:.1f}x faster than the fastest fine-tuning epoch")
    before, now, gap, (attention, before_attention) = predicted
    print(f"prediction by a fine-tuned model (evaluate's float32, in-order batches of 256): {now:.1f} s "
          f"with the transformer on length-sorted batches ({attention} attention), {before:.1f} s on the "
          f"in-order ones ({before_attention}, before): "
          f"{before / now:.2f}x; probabilities differ by at most {gap:.1e}")
    if args.profile:
        print(f"\nprofiled (torch.profiler, one more run of each; {dt})")
        print_ceiling(f"fine-tuning epoch, by_length, {args.max_tokens} tokens", profiles["epoch"],
                      real * per_token, gemm[dt], dt)
        print_ceiling("frozen extraction", profiles["extraction"], real * forward, gemm[dt], dt)


if __name__ == "__main__":
    main(ARGS)
