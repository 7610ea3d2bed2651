"""What an experiment run saves in run.json: per arm, its stages, dose, fit and results file.

The runner writes this file after every arm; the report reads it and the evaluation results it
points to, and nothing else, so a report can be regenerated anywhere without a model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from teachwhy import __version__
from teachwhy.spec.errors import TeachwhyError

MANIFEST_SCHEMA = "teachwhy-experiment-run/1"
MANIFEST_FILE = "run.json"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageRef(Frozen):
    """One stage an arm used (possibly shared with other arms)."""

    key: str
    kind: str
    label: str
    dir: str
    """Stage folder, relative to the run folder."""
    reused: bool
    """Finished earlier (another arm or an earlier run) and read back, not recomputed."""
    seconds: float


class Dose(Frozen):
    """How much training an arm got."""

    steps: int
    """Optimizer steps over all training stages."""
    tokens_by_kind: dict[str, int]
    """Tokens trained on (counting every epoch) by data kind, e.g. {'advice': 120000}."""
    records_by_kind: dict[str, int]
    """Distinct training records by data kind."""
    records_limit: int | None = None
    """The arm's dose setting (records per dataset) when it was run at several doses."""

    @property
    def tokens(self) -> int:
        return sum(self.tokens_by_kind.values())


class Fit(Frozen):
    """How well a trained arm fits its own training data, before versus after training."""

    dataset: str
    method: Literal["trained_answers", "heldin_loss"]
    """trained_answers: probability on the answers it was trained to give, scored exactly like
    the evaluation; heldin_loss: mean per-token loss on its training records."""
    description: str
    n: int
    start: float
    """Value for the model the arm started from (the untrained student)."""
    trained: float
    better: Literal["higher", "lower"]
    change_ci: tuple[float, float] | None = None
    """95% interval of the paired change (trained minus start, item by item)."""

    @property
    def improved(self) -> float:
        """Improvement in the good direction (positive: the arm learned its data)."""
        return self.trained - self.start if self.better == "higher" else self.start - self.trained

    @property
    def fitted(self) -> bool | None:
        """Whether the interval of the change excludes 0 in the good direction."""
        if self.change_ci is None:
            return None
        low, high = self.change_ci
        return low > 0 if self.better == "higher" else high < 0


class ArmRecord(Frozen):
    """One arm of the experiment as it ran."""

    name: str
    kind: str
    description: str
    group: str
    """Arms run at several doses share a group (the arm's name in the experiment file)."""
    status: Literal["pending", "done", "failed"]
    error: str | None = None
    stages: list[StageRef] = []
    results: str | None = None
    """Evaluation results.json, relative to the run folder."""
    model: str | None = None
    """The arm's trained model folder (a PEFT adapter), relative to the run folder; pass it
    as a model to `teachwhy eval` or `teachwhy monitor`."""
    dose: Dose | None = None
    fits: list[Fit] = []
    seconds: float = 0.0
    """Time spent computing this arm's stages in this run (0 when all were reused)."""


class RunManifest(Frozen):
    """Everything the report needs to know about a run, besides the per-arm results files."""

    schema_id: str = MANIFEST_SCHEMA
    experiment: str
    description: str
    experiment_file: str
    """The resolved experiment, snapshot in the run folder."""
    teachwhy_version: str
    started: str
    updated: str
    student: str
    teacher: str
    judge: str
    scoring: dict[str, Any]
    """Presentation and scoring mode shared by every arm's evaluation."""
    split: dict[str, Any]
    constitution: str
    scenarios: str
    arms: list[ArmRecord]
    complete: bool

    def arm(self, name: str) -> ArmRecord | None:
        return next((a for a in self.arms if a.name == name), None)


def save_manifest(manifest: RunManifest, run_dir: str | Path) -> Path:
    path = Path(run_dir) / MANIFEST_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n")
    os.replace(tmp, path)
    return path


def load_manifest(run_dir: str | Path) -> RunManifest:
    """Read run.json from a run folder (or the file itself)."""
    p = Path(run_dir)
    if p.is_dir():
        p = p / MANIFEST_FILE
    if not p.exists():
        raise TeachwhyError(
            f"{p}: not an experiment run folder (no {MANIFEST_FILE}); "
            "pass the folder `teachwhy run` printed"
        )
    data = json.loads(p.read_text())
    if data.get("schema_id") != MANIFEST_SCHEMA:
        raise TeachwhyError(f"{p}: not a teachwhy experiment run (schema {data.get('schema_id')})")
    try:
        return RunManifest.model_validate(data)
    except ValidationError as e:
        raise TeachwhyError(
            f"{p}: cannot read this run record ({e.error_count()} problems; it may come from "
            f"another teachwhy version than {__version__}); rerun `teachwhy run` on its "
            "experiment to rewrite it: finished stages are reused, nothing is recomputed"
        ) from None
