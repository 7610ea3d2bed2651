"""Finding the checkpoint to resume from, and rewinding the metrics log to it."""

from __future__ import annotations

import json
from pathlib import Path


def last_checkpoint(checkpoints: Path) -> Path | None:
    """The newest complete `checkpoint-N` folder (one with its trainer state written)."""
    if not checkpoints.is_dir():
        return None
    found = [
        (int(p.name.rpartition("-")[2]), p)
        for p in checkpoints.glob("checkpoint-*")
        if p.name.rpartition("-")[2].isdigit() and (p / "trainer_state.json").is_file()
    ]
    return max(found)[1] if found else None


def prepare_resume(
    checkpoints: Path, metrics_path: Path, is_main_process: bool
) -> tuple[Path | None, int]:
    """The checkpoint to resume from (None: start afresh) and the tokens processed before it.

    Lines that the interrupted run logged after that checkpoint are dropped from the metrics
    log, since those steps are trained again.
    """
    checkpoint = last_checkpoint(checkpoints)
    step, tokens = 0, 0
    if checkpoint is not None:
        state = json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
        step = int(state.get("global_step", 0))
        logged = [e["num_tokens"] for e in state.get("log_history", []) if "num_tokens" in e]
        tokens = int(logged[-1]) if logged else 0
    if is_main_process and metrics_path.is_file():
        kept = [
            line
            for line in metrics_path.read_text(encoding="utf-8").splitlines()
            if line.strip() and json.loads(line).get("step", 0) <= step and checkpoint is not None
        ]
        metrics_path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    return checkpoint, tokens
