"""Which schema a user file follows, detected from its top-level keys."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel

from teachwhy.spec.errors import Problem, SpecError
from teachwhy.spec.loading import load_yaml, validate


class FileKind(NamedTuple):
    name: str
    marker_keys: tuple[str, ...]
    """A file with any of these top-level keys is of this kind."""
    schema: str
    """'module:Class' of the schema, imported only when needed."""


# Internal choices, not an extension point: a dict literal in order of detection.
FILE_KINDS: list[FileKind] = [
    # Experiments and policies name a `scenarios` path: detect them before scenario files.
    FileKind("experiment", ("arms",), "teachwhy.spec.experiment:ExperimentSpec"),
    FileKind(
        "monitoring policy", ("thresholds", "triggers"), "teachwhy.spec.policy:MonitorPolicy"
    ),
    FileKind("constitution", ("principles",), "teachwhy.spec.constitution:Constitution"),
    FileKind("scenarios", ("scenarios",), "teachwhy.spec.scenarios:ScenarioSuite"),
    FileKind("adherence prompts", ("prompts",), "teachwhy.spec.prompts:AdherencePromptSet"),
    FileKind("split", ("in_distribution", "held_out"), "teachwhy.spec.split:SplitSpec"),
    FileKind("training recipe", ("stages",), "teachwhy.spec.train_config:TrainConfig"),
    FileKind("price table", ("prices",), "teachwhy.spec.prices:PriceTable"),
    FileKind("generation grid", ("grid",), "teachwhy.spec.generation:GenerationGrid"),
    FileKind(
        "environment pool",
        ("system_prompts", "tools", "framings"),
        "teachwhy.spec.environments:EnvironmentPool",
    ),
    FileKind("curation settings", ("curation",), "teachwhy.spec.curation:CurationFile"),
]


def schema_class(kind: FileKind) -> type[BaseModel]:
    module, _, cls = kind.schema.partition(":")
    schema: type[BaseModel] = getattr(import_module(module), cls)
    return schema


def detect_kind(data: object, file: str) -> FileKind:
    if isinstance(data, dict):
        for kind in FILE_KINDS:
            if any(k in data for k in kind.marker_keys):
                return kind
    known = "; ".join(f"{k.name}: '{k.marker_keys[0]}'" for k in FILE_KINDS)
    raise SpecError(
        [
            Problem(
                file,
                "",
                "cannot tell what kind of teachwhy file this is",
                f"a file needs one of these top-level keys ({known})",
            )
        ]
    )


def check_file(path: str | Path) -> tuple[str, BaseModel]:
    """Validate one user file of any kind; returns (kind name, the validated object)."""
    data = load_yaml(path)
    kind = detect_kind(data, str(path))
    return kind.name, validate(data, schema_class(kind), str(path))
