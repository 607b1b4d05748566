"""Where models run and in which number format: the device params ask for, checked against what
torch sees, and bfloat16 where the hardware computes it natively."""

from pathlib import Path
from typing import Any

import torch

from embedding_bench.errors import UserError


def cpu_name() -> str:
    """The CPU's model name (/proc/cpuinfo), for the record of where a figure was measured."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown CPU"
    return next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
                "unknown CPU")


def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_device(name: str = "auto") -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"params.yaml: device: {name}, but torch {torch.__version__} sees no CUDA GPU "
                        f"here; use device: auto (a GPU where there is one) or cpu")
    return name


def pick_dtype(name: str, device: str) -> torch.dtype:
    """auto: bfloat16 where the hardware computes it natively (about 2x faster here), else float32."""
    if name == "auto":
        native = torch.cuda.is_bf16_supported() if device.startswith("cuda") else cpu_has_bf16()
        return torch.bfloat16 if native else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16}[name]


def pick_attention(name: str, device: str) -> str:
    """auto: eager attention on a CPU (for tweets' short inputs its backward pass measured about
    1.4x faster than the sdpa kernel's: bench/finetune_throughput.py), sdpa on a GPU."""
    if name == "auto":
        return "sdpa" if device.startswith("cuda") else "eager"
    return name


def to_device(x: Any, device: Any) -> Any:
    """A batch (a tensor, or a dict of them) on `device`. For a GPU it is pinned first, so the
    copy is asynchronous and overlaps the compute already queued; on a CPU nothing is copied."""
    if isinstance(x, dict):
        return {k: to_device(v, device) for k, v in x.items()}
    if torch.device(device).type == "cuda":
        x = x.pin_memory()
    return x.to(device, non_blocking=True)
