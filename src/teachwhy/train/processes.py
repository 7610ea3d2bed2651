"""Which process this is: the same answer for teachwhy and for the Trainer, on CPU or GPU."""

from __future__ import annotations

import os
from typing import Any


def cpu_only() -> bool:
    """Train on CPU: asked for (`accelerate launch --cpu` sets ACCELERATE_USE_CPU), or no GPU."""
    import torch

    if os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes"):
        return True
    xpu = getattr(torch, "xpu", None)
    return not (
        torch.cuda.is_available()
        or torch.backends.mps.is_available()
        or (xpu is not None and xpu.is_available())
    )


def is_sharded(state: Any) -> bool:
    """FSDP and DeepSpeed hold a shard of the weights per process, not the whole model."""
    return str(state.distributed_type).rsplit(".", 1)[-1] in ("FSDP", "DEEPSPEED")


def process_state() -> Any:
    """accelerate's PartialState, created the way TrainingArguments(use_cpu=cpu_only()) would.

    PartialState is a process-wide singleton: whoever creates it first decides whether a
    multi-process CPU launch is data-parallel (gloo), so it must not be created without `cpu`.
    """
    from accelerate import PartialState

    return PartialState(cpu=cpu_only())
