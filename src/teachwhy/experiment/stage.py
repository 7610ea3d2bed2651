"""A stage of an experiment: a kind, its fully resolved config, and the stages it reads from.

A stage's key is a hash of exactly those three things (its inputs contribute their own keys), so
two arms that need the same dataset or the same trained model name the same stage, and a stage
whose config, code recipe or input changed gets a new key instead of stale outputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

# Bump a kind's recipe when its executor changes what it writes, so old outputs are not reused.
RECIPE_VERSIONS: dict[str, int] = {
    "dataset": 1,
    "train": 1,
    "evaluate": 1,
    "loss": 1,
}


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal configs hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def file_sha256(path: str | Path) -> str:
    """Content hash of a file, so a stage reading it is redone when the file changes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class StageSpec:
    """What to compute, not how: the executor for `kind` turns this into outputs on disk."""

    kind: str
    """dataset, train, evaluate or loss: selects the executor."""
    label: str
    """Human-readable name for progress lines, e.g. 'train sft on advice'; not hashed."""
    config: Mapping[str, Any]
    """Everything that changes the output, JSON-serialisable (file contents enter as hashes)."""
    inputs: Mapping[str, StageSpec] = field(default_factory=dict)
    """Upstream stages by role, e.g. {'data': <dataset>, 'init': <previous train stage>}."""

    @cached_property
    def key(self) -> str:
        payload = {
            "kind": self.kind,
            "recipe": RECIPE_VERSIONS.get(self.kind, 0),
            "config": self.config,
            "inputs": {role: stage.key for role, stage in sorted(self.inputs.items())},
        }
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()[:16]

    @property
    def dir_name(self) -> str:
        return f"{self.kind}-{self.key}"

    def walk(self) -> list[StageSpec]:
        """This stage and everything it depends on, dependencies first, each once."""
        seen: dict[str, StageSpec] = {}

        def visit(stage: StageSpec) -> None:
            for _, upstream in sorted(stage.inputs.items()):
                visit(upstream)
            seen.setdefault(stage.key, stage)

        visit(self)
        return list(seen.values())


@dataclass(frozen=True)
class StageOutput:
    """A finished stage: its folder and the JSON its executor returned."""

    key: str
    kind: str
    dir: Path
    output: Mapping[str, Any]
    seconds: float
    """Time the executor took when it ran (0 when it finished in an earlier run and was reused)."""
    reused: bool

    def path(self, name: str) -> Path:
        """A path the executor returned (relative to the stage folder) made absolute."""
        return self.dir / str(self.output[name])


@dataclass(frozen=True)
class StageContext:
    """What an executor gets: the stage, its finished inputs and a folder to write into."""

    stage: StageSpec
    inputs: Mapping[str, StageOutput]
    out_dir: Path
    """Empty on a first run; holds partial work (e.g. checkpoints) when resuming."""
    progress: Callable[[str], None] = lambda message: None

    @property
    def config(self) -> Mapping[str, Any]:
        return self.stage.config


Executor = Callable[[StageContext], dict[str, Any]]
"""Runs one stage: writes files into ctx.out_dir and returns JSON describing them (relative
paths), which is saved with the completion marker and handed to the stages that read it."""
