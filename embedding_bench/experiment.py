"""The configured experiment's model: a fresh one (of the kind its params make: kinds.py), its
inputs for the stored splits, and saving and loading it as safetensors weights plus a JSON
config (never pickle)."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from safetensors.torch import load_file, save_file
from torch import nn

from embedding_bench import devices, fileio
from embedding_bench.cnn import head_options
from embedding_bench.kinds import KINDS, Dirs, WordVectors
from embedding_bench.schema import Params

WEIGHTS, CONFIG = "model.safetensors", "model.json"


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


def saved_config(folder: Path) -> dict:
    """The config of a model saved by save(), without its weights."""
    return json.loads(Path(folder, CONFIG).read_text())


def load(folder: Path, device: str = "cpu") -> tuple[nn.Module, dict]:
    """(model in eval mode on `device`, config) from a folder written by save()."""
    config = saved_config(folder)
    model = kind(config).rebuild(config)
    model.load_state_dict(load_file(str(Path(folder, WEIGHTS))))
    return model.to(device).eval(), config
