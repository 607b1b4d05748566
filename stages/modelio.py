"""Saving and loading a trained WordCNN: safetensors weights plus a JSON config, never pickle."""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from stages import fileio
from stages.model import WordCNN

WEIGHTS, CONFIG = "model.safetensors", "model.json"


def save(model, folder, config):
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    fileio.write_folder(folder, {
        WEIGHTS: lambda path: save_file(state, str(path)),
        CONFIG: lambda path: path.write_text(json.dumps(config, indent=2) + "\n"),
    })


def load(folder):
    """(model in eval mode, config) from a folder written by save()."""
    folder = Path(folder)
    config = json.loads((folder / CONFIG).read_text())
    shape = (config["n_words"], config["dim"])
    model = WordCNN(torch.zeros(shape), len(config["labels"]), config["mode"], **config["head"])
    model.load_state_dict(load_file(str(folder / WEIGHTS)))
    return model.eval(), config
