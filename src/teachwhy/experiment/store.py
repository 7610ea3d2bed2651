"""Content-addressed stage folders: a stage runs once, its completion marker is written last.

`stages/<kind>-<key>/stage.json` exists only when the executor returned: a run interrupted
mid-stage leaves a folder without it, and the next run executes that stage again in the same
folder (where the executor may find checkpoints to resume from) while every finished stage is
read back instead of recomputed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from teachwhy.experiment.stage import Executor, StageContext, StageOutput, StageSpec
from teachwhy.spec.errors import TeachwhyError

MARKER = "stage.json"
STAGES_DIR = "stages"


class StageStore:
    """Runs stages into `root/stages/`, reusing every stage whose marker is already there."""

    def __init__(self, root: str | Path, executors: Mapping[str, Executor]):
        self.root = Path(root)
        self.executors = dict(executors)
        self.finished: dict[str, StageOutput] = {}

    def stage_dir(self, stage: StageSpec) -> Path:
        return self.root / STAGES_DIR / stage.dir_name

    def is_done(self, stage: StageSpec) -> bool:
        return (self.stage_dir(stage) / MARKER).exists()

    def ensure(
        self,
        stage: StageSpec,
        progress: Callable[[str], None] = lambda message: None,
        on_start: Callable[[StageSpec], None] = lambda stage: None,
    ) -> StageOutput:
        """The stage's output, running it (and whatever it needs first) only if not done."""
        if stage.key in self.finished:
            return self.finished[stage.key]
        inputs = {role: self.ensure(up, progress, on_start) for role, up in stage.inputs.items()}
        out_dir = self.stage_dir(stage)
        marker = out_dir / MARKER
        if marker.exists():
            saved = json.loads(marker.read_text())
            result = StageOutput(stage.key, stage.kind, out_dir, saved["output"], 0.0, True)
            self.finished[stage.key] = result
            return result
        executor = self.executors.get(stage.kind)
        if executor is None:
            raise TeachwhyError(f"no executor for stage kind '{stage.kind}'")
        on_start(stage)
        out_dir.mkdir(parents=True, exist_ok=True)
        write_json(out_dir / "config.json", stage_description(stage))
        started = time.monotonic()
        output = executor(StageContext(stage, inputs, out_dir, progress))
        seconds = time.monotonic() - started
        # The marker goes last, atomically: its presence is the only sign a stage finished.
        write_json(marker, {**stage_description(stage), "output": output, "seconds": seconds,
                            "finished": now_iso()})
        result = StageOutput(stage.key, stage.kind, out_dir, output, seconds, False)
        self.finished[stage.key] = result
        return result


def stage_description(stage: StageSpec) -> dict[str, Any]:
    return {
        "key": stage.key,
        "kind": stage.kind,
        "label": stage.label,
        "config": dict(stage.config),
        "inputs": {role: up.key for role, up in stage.inputs.items()},
    }


def write_json(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and a rename, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    os.replace(tmp, path)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
