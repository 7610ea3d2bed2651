"""What a stage leaves in its folder: the resolved inputs (stage.yaml) and the result (result.json).

```
STAGE_DIR/
  stage.yaml        resolved stage config + model, start point, seed (written first)
  data.json         per-source records/rows/tokens/loss tokens of one pass (the dose)
  metrics.jsonl     one line per logging step
  checkpoints/      checkpoint-N/ folders (rerunning resumes from the last)
  base/             merged weights, only when a previous adapter was merged
  model/            the trained model: a PEFT adapter or a full Hugging Face folder
  ranks/rank-K.json each process's hash of the trained weights (data-parallel agreement)
  result.json       written last: the stage is complete
```
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from teachwhy.spec.errors import TeachwhyError

STAGE_FILE = "stage.yaml"
RESULT_FILE = "result.json"


@dataclass(frozen=True)
class StageResult:
    """A finished stage: where its model is and how much training went into it."""

    name: str
    output_dir: Path
    """The stage folder (config, metrics, checkpoints)."""
    model_dir: Path
    """The trained model: a PEFT adapter folder or a full Hugging Face model folder."""
    kind: Literal["adapter", "full"]
    start: str
    """What the stage started from: base, adapter (continued), merged or full."""
    base_model: str
    """The model the run started from, as named in the config (or the embedded default)."""
    steps: int
    epochs: float
    train_tokens: int
    """Input tokens processed (prompts included, padding excluded), over all processes."""
    final_loss: float | None
    """Mean training loss over the last logging interval."""
    resumed: bool
    """True when this call continued from a checkpoint or found the stage already complete."""
    reused: bool = False
    """True when the stage was already complete and nothing was trained."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["output_dir"], data["model_dir"] = str(self.output_dir), str(self.model_dir)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageResult:
        return cls(
            **{**data, "output_dir": Path(data["output_dir"]), "model_dir": Path(data["model_dir"])}
        )


def inputs_fingerprint(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def check_same_inputs(stage_dir: Path, inputs: dict[str, Any]) -> None:
    """Refuse to resume a stage folder that was started with different settings."""
    path = stage_dir / STAGE_FILE
    if not path.is_file():
        return
    before = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if before.get("fingerprint") == inputs_fingerprint(inputs):
        return
    changed = sorted(
        k
        for k in set(before.get("inputs", {})) | set(inputs)
        if before.get("inputs", {}).get(k) != inputs.get(k)
    )
    what = ", ".join(changed) or "unknown"
    raise TeachwhyError(
        f"{stage_dir} holds a run started with different settings ({what}); rerun with the "
        "original settings to resume, or give a new output_dir=... to start afresh"
    )


def write_inputs(stage_dir: Path, inputs: dict[str, Any]) -> None:
    stage_dir.mkdir(parents=True, exist_ok=True)
    doc = {"fingerprint": inputs_fingerprint(inputs), "inputs": inputs}
    tmp = stage_dir / (STAGE_FILE + ".tmp")
    tmp.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    tmp.replace(stage_dir / STAGE_FILE)  # atomic: other processes may be reading it


def read_result(stage_dir: Path) -> StageResult | None:
    path = stage_dir / RESULT_FILE
    if not path.is_file():
        return None
    return StageResult.from_json(json.loads(path.read_text(encoding="utf-8")))


def write_result(result: StageResult) -> None:
    path = result.output_dir / RESULT_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
    tmp.replace(path)
