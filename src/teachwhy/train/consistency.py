"""Each process's fingerprint of the trained weights: data-parallel ranks must agree."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def trainable_sha256(model: Any) -> str:
    """SHA-256 over the trainable parameters' names and float32 bytes, in name order."""
    digest = hashlib.sha256()
    params = sorted((n, p) for n, p in model.named_parameters() if p.requires_grad)
    for name, param in params:
        digest.update(name.encode())
        digest.update(param.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def write_rank_hash(model: Any, folder: Path, steps: int) -> Path:
    """ranks/rank-K.json for this process. Under DDP every rank holds the same weights, so
    the hashes must be equal; under FSDP and DeepSpeed each holds a shard, so none is written."""
    from teachwhy.train.processes import is_sharded, process_state

    state = process_state()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rank-{state.process_index}.json"
    record = {
        "rank": state.process_index,
        "world_size": state.num_processes,
        "distributed_type": str(state.distributed_type),
        "steps": steps,
        "trainable_sha256": None if is_sharded(state) else trainable_sha256(model),
    }
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return path
