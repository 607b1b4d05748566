"""What the configured experiment trains, one object per kind of embedding (schema.kind_of):

- `word`: static word vectors (random, word2vec, glove) -> WordCNN over token ids;
- `ngrams`: fastText's vectors -> the same WordCNN; a word it has not seen gets its vector from
  the stored n-gram table when a probe's text holds one;
- `features`: frozen contextual features (bert) -> the same Kim head over stored token vectors;
- `pooled`: the same features mean-pooled into logistic regression (bert.head: logreg);
- `finetune`: bert with `bert.finetune: true` -> transformer + Kim head trained end to end, or
  with `bert.head: label_tokens` SpanEmo's label-aware input and per-label head.

Each kind builds its model, rebuilds it from the saved config, gives it its inputs (for stored
splits), predicts new texts (a probe's perturbed ones), says which tokens it knows, and trains
it; experiment.py makes, saves and loads the configured experiment's model with them.

The BERT-family kinds import transformers where they use it, not at the top: a word-vector run's
train, predict and probe stages never load it (about two seconds each); so do fastText's kind
(gensim) and the linear probe (scikit-learn), for the other kinds' runs.
"""

import copy
import functools
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from embedding_bench import devices, sources
from embedding_bench.cnn import FeatureCNN, KimHead, WordCNN
from embedding_bench.errors import note
from embedding_bench.schema import Params
from embedding_bench.sections import Bert
from embedding_bench.training import FitOptions, fit, predict
from embedding_bench.vocab import SPECIALS, TokenIds

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

    def predict_texts(self, model: nn.Module, config: dict, df: pd.DataFrame, dirs: Dirs,
                      device: str) -> np.ndarray:
        """Label probabilities of new texts (a preprocessed table: `tokens`, `text`)."""
        return predict(model, self.inputs_for_texts(config, df, dirs, device))

    def known(self, config: dict, dirs: Dirs) -> tuple[Callable[[str], bool], str]:
        vocab = set(self._vocab(dirs)[len(SPECIALS):])
        return (lambda token: token in vocab,
                "a token outside the training vocabulary (the model sees <unk>)")

    def fit_options(self, p: Params) -> FitOptions:
        return FitOptions.of(p.train)

    def fit(self, model: nn.Module, data: dict, p: Params, log: Callable[[int, float, float], None]) -> dict:
        """Train `model` on data["train"], early-stopped on data["val"]; the summary to save."""
        return fit(model, data["train"], data["val"], self.fit_options(p), p.seed, log)

    @staticmethod
    def _vocab(dirs: Dirs) -> list[str]:
        return Path(dirs["features"], "vocab.txt").read_text(encoding="utf-8").splitlines()


class NgramVectors(WordVectors):
    """The Kim CNN over fastText vectors. The embed stage gave every word of the splits a row;
    a word a probe creates (a typo) gets its vector from the stored n-gram table, added to a copy
    of the model's rows for that prediction, as fastText builds a vector at inference."""
    name = "ngrams"

    @staticmethod
    @functools.lru_cache(maxsize=1)  # a probe predicts texts for every perturbation in a row, and
    def _table(folder: str) -> Any:  # rebuilding a trained table's 2,000,000 rows takes seconds
        from embedding_bench import ngram_table

        return ngram_table.stored(Path(folder))

    def predict_texts(self, model: nn.Module, config: dict, df: pd.DataFrame, dirs: Dirs,
                      device: str) -> np.ndarray:
        from embedding_bench import ngram_table

        vocab, table = self._vocab(dirs), self._table(str(dirs["features"]))
        known, new, rows = set(vocab), [], []
        for token in (t for tokens in df["tokens"] for t in tokens[:config["max_len"]]):
            row = None if token in known or table is None else ngram_table.vector(table, token)[0]
            if row is not None:
                known.add(token)
                new.append(token)
                rows.append(row)
        if new:
            model = copy.deepcopy(model)
            model.add_rows(np.stack(rows))
        return predict(model, TokenIds(df["tokens"], vocab + new, config["max_len"], _min_len(config)))

    def known(self, config: dict, dirs: Dirs) -> tuple[Callable[[str], bool], str]:
        from embedding_bench import ngram_table

        exact = {w for w, o in zip(self._vocab(dirs), ngram_table.origins(Path(dirs["features"])))
                 if o == ngram_table.EXACT}
        return (lambda token: token in exact,
                "a token without an exact fastText vector (built from its character n-grams, or none)")


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
        config["attention"] = devices.pick_attention(b.finetune_attention, device)
        transformer = transformer_models.load_model(b, torch.float32, device, attention=config["attention"])
        autocast = devices.pick_dtype(b.dtype, device)
        model = self._assemble(transformer, config, autocast if autocast != torch.float32 else None,
                               cheap_dropout=b.finetune_dropout == "auto")
        return model.to(device)

    def rebuild(self, config: dict) -> nn.Module:
        from embedding_bench import transformer_models

        bert = Bert.model_validate(config["bert"])
        trained = config.get("attention", "sdpa")  # a model saved before it was a choice: sdpa
        # `auto` trains with eager attention on a CPU (its backward pass is the faster there) and
        # predicts with sdpa: the same sums to rounding, and in float32 faster for prediction
        # (bench/finetune_throughput.py). A model without an sdpa kernel, or an attention the
        # params name, predicts with the kernels it trained with.
        if bert.finetune_attention == "auto" and trained != "sdpa":
            try:
                return self._assemble(transformer_models.load_model(bert, pretrained=False, attention="sdpa"), config)
            except ValueError:  # transformers: this architecture has no sdpa attention
                pass
        return self._assemble(transformer_models.load_model(bert, pretrained=False, attention=trained), config)

    @staticmethod
    def _assemble(transformer: nn.Module, config: dict, autocast: torch.dtype | None = None,
                  cheap_dropout: bool = False) -> nn.Module:  # a rebuilt model predicts: no dropout
        from embedding_bench.finetuning import BertFineTuned, LabelTokenHead

        width, n_labels = transformer.config.hidden_size, len(config["labels"])
        head = (LabelTokenHead(width, config["label_positions"])
                if config["finetune_head"] == "label_tokens"
                else KimHead(width, n_labels, **config["head"]))
        return BertFineTuned(transformer, head, autocast, cheap_dropout=cheap_dropout, **config["pooling"])

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
                          layer_decay=b.layer_decay, by_length=b.finetune_batching == "by_length",
                          max_tokens=b.batch_tokens, fused=True,
                          schedule=lambda optimizer, steps: get_linear_schedule_with_warmup(
                              optimizer, int(b.warmup * steps), steps),
                          rate_params="bert.head_lr and bert.transformer_lr")


class PooledFeatures(FrozenFeatures):
    """Logistic regression over the mean-pooled stored features (linear_probe.py)."""
    name = "pooled"

    def new_model(self, p: Params, config: dict, dirs: Dirs, device: str) -> nn.Module:
        from embedding_bench import linear_probe
        from embedding_bench.token_features import TokenFeatures

        config["width"] = TokenFeatures(Path(dirs["contextual"], "train"), 1).width
        folder = sources.bert_model_path(p.bert.model)
        config.update(normalize=linear_probe.normalizes(folder),
                      sentence_transformer=linear_probe.is_sentence_transformer(folder))
        if config["sentence_transformer"]:
            note(f"{p.bert.model} is a sentence-transformers model: mean-pooled features into "
                 f"logistic regression is the protocol of its published MTEB classification scores"
                 + (" (L2-normalized, as its encode() does)" if config["normalize"] else ""))
        return linear_probe.LinearProbe(config["width"], len(config["labels"]))

    def rebuild(self, config: dict) -> nn.Module:
        from embedding_bench import linear_probe

        return linear_probe.LinearProbe(config["width"], len(config["labels"]))

    def inputs(self, config: dict, df: pd.DataFrame, split: str, dirs: Dirs) -> Any:
        from embedding_bench.linear_probe import Pooled

        return Pooled(super().inputs(config, df, split, dirs), config["normalize"])

    def inputs_for_texts(self, config: dict, df: pd.DataFrame, dirs: Dirs, device: str) -> Any:
        from embedding_bench.linear_probe import Pooled

        return Pooled(super().inputs_for_texts(config, df, dirs, device), config["normalize"])

    def fit(self, model: nn.Module, data: dict, p: Params, log: Callable[[int, float, float], None]) -> dict:
        from embedding_bench import linear_probe

        (train_x, train_y), (val_x, val_y) = data["train"], data["val"]
        train_x, val_x = train_x.matrix(), val_x.matrix()
        unconverged = linear_probe.fit(model, train_x, train_y, p.seed)
        losses = linear_probe.mean_bce(model, train_x, train_y), linear_probe.mean_bce(model, val_x, val_y)
        log(1, *losses)
        return {"best_epoch": 1, "best_val_loss": losses[1], "epochs_run": 1,
                "unconverged_labels": unconverged}


KINDS = {kind.name: kind for kind in (WordVectors(), NgramVectors(), FrozenFeatures(), PooledFeatures(),
                                      FineTuned())}
