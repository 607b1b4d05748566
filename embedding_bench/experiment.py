"""What the configured experiment trains: the model and its inputs, for each kind of embedding.

- `word`: static word vectors (random, word2vec, glove) -> WordCNN over token ids;
- `features`: frozen contextual features (bert) -> the same Kim head over stored token vectors;
- `finetune`: bert with `bert.finetune: true` -> transformer + Kim head trained end to end, or
  with `bert.head: label_tokens` SpanEmo's label-aware input and per-label head.

Trained models are saved as safetensors weights plus a JSON config (never pickle), and rebuilt
from that config by evaluate.
"""

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import get_linear_schedule_with_warmup

from embedding_bench import contextual, fileio
from embedding_bench.cnn import KimHead, WordCNN, head_options, resolve_mode
from embedding_bench.contextual import (BertFineTuned, FeatureCNN, LabelTokenHead, TokenFeatures,
                                         Tokenized)
from embedding_bench.errors import UserError
from embedding_bench.vocab import TokenIds

WEIGHTS, CONFIG = "model.safetensors", "model.json"


def kind_of(p):
    if p["embedding"] != "bert":
        return "word"
    return "finetune" if p["bert"]["finetune"] else "features"


def new_model(p, labels, dirs):
    """A fresh model for the configured experiment, on the configured device (params `device`),
    and the config that rebuilds it."""
    kind, cnn, device = kind_of(p), p["cnn"], contextual.pick_device(p["device"])
    config = {"kind": kind, "labels": labels, "head": head_options(cnn), "max_len": cnn["max_len"]}
    if kind == "word":
        try:
            config["mode"] = resolve_mode(cnn["mode"], p["embedding"])
        except ValueError as e:
            raise UserError(f"params.yaml: {e}") from None
        vectors = np.load(Path(dirs["features"], "vectors.npy"))
        config.update(n_words=len(vectors), dim=int(vectors.shape[1]))
        return WordCNN(vectors, len(labels), config["mode"], **config["head"]).to(device), config
    config["bert"] = {k: p["bert"][k] for k in ("model", "revision", "trust_remote_code",
                                                "max_length", "dtype")}
    if kind == "features":
        width = TokenFeatures(Path(dirs["contextual"], "train"), 1).width
        config["width"] = width
        return FeatureCNN(width, len(labels), **config["head"]).to(device), config
    b = p["bert"]
    config.update(finetune_head=b["head"], pooling={k: b[k] for k in ("layer", "last_n", "combine")})
    if b["head"] == "label_tokens":
        prompt, positions = contextual.label_prompt(contextual.load_tokenizer(config["bert"]), labels,
                                                    b["max_length"])
        config.update(prompt=prompt, label_positions=positions)
    transformer = contextual.load_model(config["bert"], torch.float32, device)
    autocast = contextual.pick_dtype(b["dtype"], device)
    model = fine_tuned(transformer, config, autocast if autocast != torch.float32 else None)
    return model.to(device), config


def fine_tuned(transformer, config, autocast=None):
    """The end-to-end model a `finetune` config describes: the transformer and its head."""
    width, n_labels = transformer.config.hidden_size, len(config["labels"])
    head = (LabelTokenHead(width, config["label_positions"])
            if config.get("finetune_head") == "label_tokens"
            else KimHead(width, n_labels, **config["head"]))
    return BertFineTuned(transformer, head, autocast, **config.get("pooling", {}))


def inputs(config, tables, dirs):
    """{split: (model inputs, label matrix)} for the named tables, as the model's kind needs."""
    labels, min_len = config["labels"], max(config["head"]["widths"])
    out = {}
    for name, df in tables.items():
        y = df[labels].to_numpy(np.float32)
        if config["kind"] == "word":
            vocab = Path(dirs["features"], "vocab.txt").read_text(encoding="utf-8").splitlines()
            x = TokenIds(df["tokens"], vocab, config["max_len"], min_len)
        elif config["kind"] == "features":
            x = TokenFeatures(Path(dirs["contextual"], name), min_len)
        else:
            tokenizer = contextual.load_tokenizer(config["bert"])
            x = Tokenized(tokenizer, df["text"].tolist(), config["bert"]["max_length"], min_len,
                          config.get("prompt"))
        out[name] = (x, y)
    return out


def save(model, folder, config):
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    fileio.write_folder(folder, {
        WEIGHTS: lambda path: save_file(state, str(path)),
        CONFIG: lambda path: path.write_text(json.dumps(config, indent=2) + "\n"),
    })


def load(folder, device="cpu"):
    """(model in eval mode on `device`, config) from a folder written by save()."""
    folder = Path(folder)
    config = json.loads((folder / CONFIG).read_text())
    n_labels, head = len(config["labels"]), config["head"]
    if config["kind"] == "word":
        model = WordCNN(torch.zeros(config["n_words"], config["dim"]), n_labels, config["mode"], **head)
    elif config["kind"] == "features":
        model = FeatureCNN(config["width"], n_labels, **head)
    else:
        model = fine_tuned(contextual.load_model(config["bert"], pretrained=False), config)
    model.load_state_dict(load_file(str(folder / WEIGHTS)))
    return model.to(device).eval(), config


def training_options(p, kind):
    """The `train` params, or for fine-tuning the `bert` ones: AdamW with a lower learning rate
    for the transformer, linear warm-up and decay, gradient accumulation."""
    if kind != "finetune":
        return p["train"], None
    b = p["bert"]
    cfg = {**p["train"], "optimizer": "adamw", "lr": b["head_lr"], "transformer_lr": b["transformer_lr"],
           "batch_size": b["finetune_batch_size"], "accumulate": b["accumulate"],
           "max_epochs": b["finetune_epochs"], "layer_decay": b["layer_decay"]}
    return cfg, lambda optimizer, steps: get_linear_schedule_with_warmup(
        optimizer, int(b["warmup"] * steps), steps)
