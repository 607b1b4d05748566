"""What the configured experiment trains, one object per kind of embedding (schema.kind_of):

- `word`: static word vectors (random, word2vec, glove) -> WordCNN over token ids;
- `features`: frozen contextual features (bert) -> the same Kim head over stored token vectors;
- `finetune`: bert with `bert.finetune: true` -> transformer + Kim head trained end to end, or
  with `bert.head: label_tokens` SpanEmo's label-aware input and per-label head.

Each kind builds its model, rebuilds it from the saved config, gives it its inputs (for stored
splits, or for new texts such as a probe's perturbed ones), says which tokens it knows, and how it
is trained. Trained models are saved as safetensors weights plus a JSON config (never pickle).

The BERT-family kinds import transformers where they use it, not at the top: a word-vector run's
train, evaluate and probe stages never load it (about two seconds each).
"""

import functools
import json
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from embedding_bench import devices, fileio
from embedding_bench.cnn import FeatureCNN, KimHead, WordCNN, head_options
from embedding_bench.schema import Params
from embedding_bench.sections import Bert
from embedding_bench.training import FitOptions
from embedding_bench.vocab import SPECIALS, TokenIds

WEIGHTS, CONFIG = "model.safetensors", "model.json"
Dirs = dict  # {"features": data/features, "contextual": data/contextual}, as dvc.yaml passes them


def _min_len(config: dict) -> int:
    return max(config["head"]["widths"])


class WordVectors:
    """A Kim CNN over the experiment's static word vectors (data/features/)."""
    name = "word"

    def new_model(self, p: Params, config: dict, dirs: Dirs, device: str) -> nn.Module:
        vectors = np.load(Path(dirs["features"], "vectors.npy"))
        config.update(mode=p.mode, n_words=len(vectors), dim=int(vectors.shape[1]))
        return WordCNN(vectors, len(config["labels"]), config["mode"], **config["head"]).to(device)

    def rebuild(self, config: dict) -> nn.Module:
        return WordCNN(torch.zeros(config["n_words"], config["dim"]), len(config["labels"]),
                       config["mode"], **config["head"])

    def inputs(self, config: dict, df: pd.DataFrame, split: str, dirs: Dirs) -> Any:
        return TokenIds(df["tokens"], self._vocab(dirs), config["max_len"], _min_len(config))

    def inputs_for_texts(self, config: dict, df: pd.DataFrame, dirs: Dirs, device: str) -> Any:
        return self.inputs(config, df, "new", dirs)

    def known(self, config: dict, dirs: Dirs) -> tuple[Callable[[str], bool], str]:
        vocab = set(self._vocab(dirs)[len(SPECIALS):])
        return (lambda token: token in vocab,
                "a token outside the training vocabulary (the model sees <unk>)")

    def fit_options(self, p: Params) -> FitOptions:
        return FitOptions.of(p.train)

    @staticmethod
    def _vocab(dirs: Dirs) -> list[str]:
        return Path(dirs["features"], "vocab.txt").read_text(encoding="utf-8").splitlines()


class FrozenFeatures(WordVectors):
    """The Kim head over a BERT-family model's stored token features (data/contextual/)."""
    name = "features"

    def new_model(self, p: Params, config: dict, dirs: Dirs, device: str) -> nn.Module:
        from embedding_bench.token_features import TokenFeatures

        config["width"] = TokenFeatures(Path(dirs["contextual"], "train"), 1).width
        return FeatureCNN(config["width"], len(config["labels"]), **config["head"]).to(device)

    def rebuild(self, config: dict) -> nn.Module:
        return FeatureCNN(config["width"], len(config["labels"]), **config["head"])

    def inputs(self, config: dict, df: pd.DataFrame, split: str, dirs: Dirs) -> Any:
        from embedding_bench.token_features import TokenFeatures

        return TokenFeatures(Path(dirs["contextual"], split), _min_len(config))

    @staticmethod
    @functools.lru_cache(maxsize=1)  # a probe extracts for several perturbations in a row
    def _encoder(bert_json: str, device: str) -> tuple:
        from embedding_bench import transformer_models

        bert = Bert.model_validate_json(bert_json)
        return (transformer_models.load_model(bert, devices.pick_dtype(bert.dtype, device), device),
                transformer_models.load_tokenizer(bert))

    def inputs_for_texts(self, config: dict, df: pd.DataFrame, dirs: Dirs, device: str) -> Any:
        """Features of new texts, extracted as the stage extracts them, read back into memory."""
        from embedding_bench import token_features

        bert = Bert.model_validate(config["bert"])
        model, tokenizer = self._encoder(bert.model_dump_json(), device)
        with tempfile.TemporaryDirectory() as tmp:
            token_features.extract(model, tokenizer, df["text"].tolist(), bert, Path(tmp, "new"),
                                   device, desc="features of new texts")
            stored = token_features.TokenFeatures(Path(tmp, "new"), _min_len(config))
            stored.flat = np.array(stored.flat)  # off the file, which goes with the folder
        return stored

    def known(self, config: dict, dirs: Dirs) -> tuple[Callable[[str], bool], str]:
        from embedding_bench import transformer_models

        tokenizer = transformer_models.load_tokenizer(Bert.model_validate(config["bert"]))
        unk = tokenizer.unk_token

        def known(token: str) -> bool:
            pieces = tokenizer.tokenize(token)
            return len(pieces) < 3 and unk not in pieces
        return known, "a token the tokenizer maps to [UNK] or splits into 3 or more word pieces"


class FineTuned(FrozenFeatures):
    """A BERT-family model and its head (the Kim CNN, or SpanEmo's label tokens), end to end."""
    name = "finetune"

    def new_model(self, p: Params, config: dict, dirs: Dirs, device: str) -> nn.Module:
        from embedding_bench import transformer_models
        from embedding_bench.finetuning import label_prompt

        b = p.bert
        config.update(finetune_head=b.head, pooling={"layer": b.layer, "last_n": b.last_n,
                                                     "combine": b.combine})
        if b.head == "label_tokens":
            prompt, positions = label_prompt(transformer_models.load_tokenizer(b), config["labels"],
                                             b.max_length)
            config.update(prompt=prompt, label_positions=positions)
        transformer = transformer_models.load_model(b, torch.float32, device)
        autocast = devices.pick_dtype(b.dtype, device)
        model = self._assemble(transformer, config, autocast if autocast != torch.float32 else None)
        return model.to(device)

    def rebuild(self, config: dict) -> nn.Module:
        from embedding_bench import transformer_models

        bert = Bert.model_validate(config["bert"])
        return self._assemble(transformer_models.load_model(bert, pretrained=False), config)

    @staticmethod
    def _assemble(transformer: nn.Module, config: dict, autocast: torch.dtype | None = None) -> nn.Module:
        from embedding_bench.finetuning import BertFineTuned, LabelTokenHead

        width, n_labels = transformer.config.hidden_size, len(config["labels"])
        head = (LabelTokenHead(width, config["label_positions"])
                if config["finetune_head"] == "label_tokens"
                else KimHead(width, n_labels, **config["head"]))
        return BertFineTuned(transformer, head, autocast, **config["pooling"])

    def inputs(self, config: dict, df: pd.DataFrame, split: str, dirs: Dirs) -> Any:
        from embedding_bench import transformer_models
        from embedding_bench.finetuning import Tokenized

        bert = Bert.model_validate(config["bert"])
        return Tokenized(transformer_models.load_tokenizer(bert), df["text"].tolist(), bert.max_length,
                         _min_len(config), config.get("prompt"))

    def inputs_for_texts(self, config: dict, df: pd.DataFrame, dirs: Dirs, device: str) -> Any:
        return self.inputs(config, df, "new", dirs)

    def fit_options(self, p: Params) -> FitOptions:
        """AdamW with a lower learning rate for the transformer, linear warm-up and decay,
        gradient accumulation; early stopping as `train` says."""
        from transformers import get_linear_schedule_with_warmup

        b, t = p.bert, p.train
        return FitOptions(optimizer="adamw", lr=b.head_lr, rho=t.rho, batch_size=b.finetune_batch_size,
                          max_epochs=b.finetune_epochs, patience=t.patience, lca_weight=t.lca_weight,
                          accumulate=b.accumulate, transformer_lr=b.transformer_lr,
                          layer_decay=b.layer_decay,
                          schedule=lambda optimizer, steps: get_linear_schedule_with_warmup(
                              optimizer, int(b.warmup * steps), steps),
                          rate_params="bert.head_lr and bert.transformer_lr")


KINDS = {kind.name: kind for kind in (WordVectors(), FrozenFeatures(), FineTuned())}


def kind(config: dict) -> WordVectors:
    """The kind object of a model's config (or of the configured experiment: KINDS[p.kind])."""
    return KINDS[config["kind"]]


def new_model(p: Params, labels: list[str], dirs: Dirs) -> tuple[nn.Module, dict]:
    """A fresh model for the configured experiment, on the configured device (params `device`),
    and the config that rebuilds it."""
    config = {"kind": p.kind, "labels": labels, "head": head_options(p.cnn), "max_len": p.cnn.max_len}
    if p.kind != "word":
        config["bert"] = p.bert.model_dump()
    model = KINDS[p.kind].new_model(p, config, dirs, devices.pick_device(p.device))
    return model, config


def inputs(config: dict, tables: dict[str, pd.DataFrame], dirs: Dirs) -> dict[str, tuple[Any, np.ndarray]]:
    """{split: (model inputs, label matrix)} for the named tables, as the model's kind needs."""
    return {name: (kind(config).inputs(config, df, name, dirs), df[config["labels"]].to_numpy(np.float32))
            for name, df in tables.items()}


def save(model: nn.Module, folder: Path, config: dict) -> None:
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    fileio.write_folder(folder, {
        WEIGHTS: lambda path: save_file(state, str(path)),
        CONFIG: lambda path: path.write_text(json.dumps(config, indent=2) + "\n"),
    })


def load(folder: Path, device: str = "cpu") -> tuple[nn.Module, dict]:
    """(model in eval mode on `device`, config) from a folder written by save()."""
    folder = Path(folder)
    config = json.loads((folder / CONFIG).read_text())
    model = kind(config).rebuild(config)
    model.load_state_dict(load_file(str(folder / WEIGHTS)))
    return model.to(device).eval(), config
