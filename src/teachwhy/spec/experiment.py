"""Experiments: a constitution, a scenario split, a student, and the arms that are compared.

An arm is a list of training stages (each on named datasets) followed by the evaluation. The
built-in arm kinds reproduce the research comparison; `custom` arms list their own stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from teachwhy.spec.base import SLUG_PATTERN, FieldProblem, UserModel
from teachwhy.spec.curation import CurationSettings
from teachwhy.spec.split import SplitSpec
from teachwhy.spec.train_config import StageKind, TrainStageConfig

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

ArmKind = Literal[
    "baseline",
    "prompted",
    "direct",
    "direct_with_reasons",
    "direct_shuffled",
    "advice",
    "documents_then_advice",
    "custom",
]
ScenarioStyle = Literal["direct", "direct_with_reasons", "direct_shuffled"]
StarterPart = Literal["advice", "documents", "stories"]

# What each built-in arm trains on, stage by stage: (stage kind, dataset names). Internal choices.
BUILTIN_ARMS: dict[str, list[tuple[StageKind, list[str]]]] = {
    "baseline": [],
    "prompted": [],
    "direct": [("sft", ["direct"])],
    "direct_with_reasons": [("sft", ["direct_with_reasons"])],
    "direct_shuffled": [("sft", ["direct_shuffled"])],
    "advice": [("sft", ["advice"])],
    "documents_then_advice": [("midtrain", ["documents"]), ("sft", ["advice"])],
}

ARM_DESCRIPTIONS: dict[str, str] = {
    "baseline": "the student as it is, no training",
    "prompted": "the constitution in the system prompt, no training",
    "direct": "trained on in-distribution scenarios answered safely",
    "direct_with_reasons": "the direct data with the reasons written in",
    "direct_shuffled": "control: the direct data with answers chosen at random",
    "advice": "trained on difficult advice with deliberation",
    "documents_then_advice": "midtrained on documents and stories, then trained on advice",
    "custom": "user-defined stages",
}


class DatasetSpec(UserModel):
    """A named dataset that training stages use: starter corpus, files, scenarios or generated."""

    source: Literal["starter", "files", "scenarios", "generate"]
    """Where the records come from: starter (shipped corpus), files (your JSONL), scenarios
    (forced-choice items built from the in-distribution families) or generate (a teacher)."""
    kind: Slug | None = None
    """Data kind for the dose table (e.g. advice, documents); defaults from the source."""
    parts: list[StarterPart] = []
    """starter only: which parts of the shipped corpus (advice, documents, stories)."""
    paths: list[NonEmpty] = []
    """files only: JSONL files (relative to the experiment file, or a shipped example)."""
    style: ScenarioStyle | None = None
    """scenarios only: direct (safe answer), direct_with_reasons, or direct_shuffled (random)."""
    families: list[Slug] | None = None
    """scenarios only: families to build from; empty means the split's in-distribution ones."""
    generator: Literal["advice", "documents", "stories"] | None = None
    """generate only: what the teacher writes."""
    count: int | None = Field(default=None, gt=0)
    """generate only: how many records to write."""
    strip_reasoning: bool = False
    """Remove the <think> deliberation from assistant turns (the reasoning-free variant)."""
    curate: bool | CurationSettings = False
    """Curate the records: true for rule checks and near-duplicate removal, or curation
    settings (as under a curation file's `curation:`), e.g. {judge: MODEL, min_judge_score: 7}."""
    limit: int | None = Field(default=None, gt=0)
    """Keep at most this many records (the first ones, after curation)."""
    seed: int = 0
    """Seed for shuffled answers, sampling and generation."""

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        needs: dict[str, tuple[str, object]] = {
            "starter": ("parts", self.parts),
            "files": ("paths", self.paths),
            "scenarios": ("style", self.style),
            "generate": ("generator", self.generator),
        }
        name, value = needs[self.source]
        if not value:
            problems.append(
                FieldProblem(name, f"missing for source {self.source}", f"set {name}")
            )
        owned = {"parts": "starter", "paths": "files", "style": "scenarios",
                 "families": "scenarios", "generator": "generate", "count": "generate"}
        for field_name, source in owned.items():
            if field_name in self.model_fields_set and source != self.source:
                problems.append(
                    FieldProblem(
                        field_name,
                        f"applies only to source {source}, not {self.source}",
                        "remove it",
                    )
                )
        return problems

    @property
    def data_kind(self) -> str:
        if self.kind:
            return self.kind
        if self.source == "starter":
            return "+".join(self.parts)
        if self.source == "scenarios":
            return str(self.style)
        if self.source == "generate":
            return str(self.generator)
        return "custom"


BUILTIN_DATASETS: dict[str, DatasetSpec] = {
    "advice": DatasetSpec(source="starter", parts=["advice"], kind="advice"),
    "documents": DatasetSpec(source="starter", parts=["documents", "stories"], kind="documents"),
    "direct": DatasetSpec(source="scenarios", style="direct"),
    "direct_with_reasons": DatasetSpec(source="scenarios", style="direct_with_reasons"),
    "direct_shuffled": DatasetSpec(source="scenarios", style="direct_shuffled"),
}
"""Datasets every experiment can name without defining them; a `datasets:` entry of the same
name replaces one (e.g. to generate advice with a teacher instead of the starter corpus)."""


class DataUse(UserModel):
    """One dataset in a stage's mixture."""

    dataset: Slug
    """Name of a dataset: one under `datasets:`, or a built-in (advice, documents, direct, ...)."""
    weight: float = Field(default=1.0, gt=0)
    """Share of the mixture, in records."""
    limit: int | None = Field(default=None, gt=0)
    """Use at most this many records of the dataset."""


class StageSettings(TrainStageConfig):
    """Training settings, any subset of a training stage's fields (defaults for built-in arms)."""

    kind: StageKind | None = None  # type: ignore[assignment]
    """midtrain, sft or dpo; given by the arm for built-in arms."""
    datasets: list[Slug | DataUse] = []  # type: ignore[assignment]
    """Dataset names (or {dataset, weight, limit}); given by the arm for built-in arms."""

    def field_problems(self) -> list[FieldProblem]:
        # The stage's own checks assume resolved files; here datasets are names, and the
        # resolved TrainStageConfig built from them is validated when the stage runs.
        return []


class ArmStage(StageSettings):
    """One training stage of a custom arm: its kind, its datasets and any training settings."""

    kind: StageKind
    """midtrain (documents), sft (chat, assistant turns only) or dpo (preference pairs)."""
    datasets: list[Slug | DataUse] = Field(min_length=1)
    """Dataset names (or {dataset, weight, limit}) this stage trains on."""

    def uses(self) -> list[DataUse]:
        return [d if isinstance(d, DataUse) else DataUse(dataset=d) for d in self.datasets]


class ArmEvaluation(UserModel):
    """How one arm's evaluation differs from the others' (e.g. an expensive prompt)."""

    limit_per_family: int = Field(gt=0)
    """Evaluate this arm on only the first this-many scenarios of each family of the shared
    evaluation (paired changes then use the scenarios both arms scored)."""


class Arm(UserModel):
    """One condition of the comparison: how the student is trained (or prompted), then evaluated."""

    name: Slug
    """Unique name of the arm, shown in the report."""
    kind: ArmKind = "custom"
    """baseline, prompted, direct, direct_with_reasons, direct_shuffled, advice,
    documents_then_advice, or custom (list your own stages)."""
    stages: list[ArmStage] = []
    """custom arms only: training stages in order, each starting from the previous one."""
    training: dict[StageKind, StageSettings] = {}
    """Built-in arms: settings by stage kind that override the experiment's `training` defaults."""
    doses: list[int] = []
    """Run the arm once per dose: each dataset limited to this many records (dose-response)."""
    description: str = ""
    """Optional: what the arm tests, shown in the report."""
    evaluation: ArmEvaluation | None = None
    """Optional: evaluate this arm on fewer scenarios, e.g. {limit_per_family: 2}."""

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        if self.kind == "custom" and not self.stages:
            problems.append(
                FieldProblem("stages", "a custom arm needs stages", "list its training stages")
            )
        if self.kind != "custom" and self.stages:
            problems.append(
                FieldProblem(
                    "stages",
                    f"a {self.kind} arm has built-in stages",
                    "use kind: custom to list your own, or `training` to change settings",
                )
            )
        if self.kind in ("baseline", "prompted") and (self.training or self.doses):
            field = "training" if self.training else "doses"
            problems.append(
                FieldProblem(field, f"a {self.kind} arm trains nothing", "remove it")
            )
        if any(d <= 0 for d in self.doses) or len(set(self.doses)) != len(self.doses):
            problems.append(
                FieldProblem("doses", "doses must be distinct positive record counts", "fix them")
            )
        for index, stage in enumerate(self.stages):
            problems += [
                FieldProblem(f"stages[{index}].{p.path}", p.message, p.fix)
                for p in stage.field_problems()
            ]
        return problems

    def stage_plan(self, defaults: Mapping[StageKind, StageSettings]) -> list[ArmStage]:
        """The arm's training stages with the settings resolved (defaults < arm overrides)."""
        if self.kind == "custom":
            return [
                ArmStage.model_validate(
                    merged_settings(defaults.get(s.kind), None) | s.model_dump(exclude_unset=True)
                )
                for s in self.stages
            ]
        out = []
        for kind, names in BUILTIN_ARMS[self.kind]:
            settings = merged_settings(defaults.get(kind), self.training.get(kind))
            out.append(ArmStage.model_validate({**settings, "kind": kind, "datasets": names}))
        return out


def merged_settings(*layers: StageSettings | None) -> dict[str, Any]:
    """Explicitly set fields of each layer, later layers winning."""
    out: dict[str, Any] = {}
    for layer in layers:
        if layer is not None:
            out |= layer.model_dump(exclude_unset=True, exclude={"kind", "datasets"})
    return out


class EvaluationSettings(UserModel):
    """How every arm is evaluated on the scenario suite (the same for all arms, so they pair)."""

    presentation: Literal["letters", "cloze"] = "letters"
    """letters: lettered options, every rotation averaged (default); cloze: per-token score."""
    limit_per_family: int | None = Field(default=None, gt=0)
    """Evaluate at most this many scenarios of each family (all when empty)."""
    fit_items: int = Field(default=32, gt=0)
    """Training records scored for each trained arm's fit on its own data (loss-based fits)."""


class ExperimentSpec(UserModel):
    """An experiment file: what is compared (arms), on what (constitution, scenarios, split)."""

    name: Slug
    """Name of the experiment; the default run folder is runs/<name>."""
    description: str = ""
    """Optional: the question the experiment answers, shown in the report."""
    constitution: NonEmpty = "constitution.yaml"
    """Constitution file (a shipped example name works)."""
    scenarios: NonEmpty = "scenarios"
    """Scenario file or folder (a shipped example name works)."""
    split: SplitSpec | NonEmpty
    """In-distribution and held-out families: a split file, or inline lists."""
    training_items_per_family: int = Field(default=4, gt=0)
    """Scenario-built datasets (the direct arms) take this many scenarios of each
    in-distribution family; the rest of those families form the in-distribution evaluation, so
    no arm is scored on items a direct arm trained on (their fit is reported on its own)."""
    student: str | None = None
    """Model to train and evaluate; empty for the embedded SmolLM2-135M-Instruct."""
    teacher: str | None = None
    """Model that writes generated datasets; empty for the embedded default."""
    judge: str | None = None
    """Judge for datasets with `curate:` (unless their settings name one); empty: curation
    runs its rule checks and deduplication only."""
    evaluation: EvaluationSettings = EvaluationSettings()
    """Scoring settings shared by every arm."""
    datasets: dict[Slug, DatasetSpec] = {}
    """Named datasets beyond the built-ins (advice, documents, direct, direct_with_reasons,
    direct_shuffled), or replacements for them."""
    training: dict[StageKind, StageSettings] = {}
    """Default training settings by stage kind (midtrain, sft, dpo) for every arm."""
    arms: list[Arm] = Field(min_length=1)
    """The arms to compare; include a baseline arm for the paired differences."""
    output_dir: str = ""
    """Run folder; empty for runs/<name> under the working folder."""
    seed: int = 0
    """Seed for training and data sampling."""

    def all_datasets(self) -> dict[str, DatasetSpec]:
        return {**BUILTIN_DATASETS, **self.datasets}

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        names = [a.name for a in self.arms]
        for index, arm in enumerate(self.arms):
            if arm.name in names[:index]:
                problems.append(
                    FieldProblem(
                        f"arms[{index}].name",
                        f"duplicate arm name '{arm.name}'",
                        "give every arm its own name",
                    )
                )
            problems += [
                FieldProblem(f"arms[{index}].{p.path}", p.message, p.fix)
                for p in arm.field_problems()
            ]
        for name, dataset in self.datasets.items():
            problems += [
                FieldProblem(f"datasets.{name}.{p.path}", p.message, p.fix)
                for p in dataset.field_problems()
            ]
        for kind, settings in self.training.items():
            problems += [
                FieldProblem(f"training.{kind}.{p.path}", p.message, p.fix)
                for p in settings.field_problems()
                if not p.path.startswith(("kind", "datasets"))
            ]
        known = self.all_datasets()
        for index, arm in enumerate(self.arms):
            for s_index, stage in enumerate(arm.stages):
                for d_index, use in enumerate(stage.uses()):
                    if use.dataset not in known:
                        problems.append(
                            FieldProblem(
                                f"arms[{index}].stages[{s_index}].datasets[{d_index}]",
                                f"no dataset named '{use.dataset}'",
                                "define it under datasets, or use one of: " + ", ".join(known),
                            )
                        )
        if not any(a.kind == "baseline" for a in self.arms):
            problems.append(
                FieldProblem(
                    "arms",
                    "no baseline arm: the paired differences need one",
                    "add {name: baseline, kind: baseline}",
                )
            )
        return problems

    def summary(self) -> str:
        arms = ", ".join(f"{a.name} ({a.kind})" for a in self.arms)
        return f"'{self.name}', {len(self.arms)} arms: {arms}"
