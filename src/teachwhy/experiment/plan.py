"""From an experiment to stages: each arm becomes datasets -> training stages -> evaluation,
plus the evaluations that measure its fit on its own training data.

Planning runs no model: it only builds StageSpecs, whose keys decide what is shared between arms
(equal config and inputs, equal key) and what an earlier run already finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from teachwhy.experiment.inputs import (
    ExperimentInputs,
    constitution_fingerprint,
    find_file,
    limit_per_family,
    suite_fingerprint,
)
from teachwhy.experiment.stage import StageSpec, file_sha256
from teachwhy.spec.examples import example_path
from teachwhy.spec.experiment import (
    ARM_DESCRIPTIONS,
    Arm,
    ArmStage,
    DatasetSpec,
    DataUse,
)
from teachwhy.spec.scenarios import ScenarioSuite

STARTER_CORPUS = "corpus"
PRECISION = "fp32"


@dataclass(frozen=True)
class FitPlan:
    """How an arm's fit on one of its training datasets is measured: start vs trained model."""

    dataset: str
    method: Literal["trained_answers", "heldin_loss"]
    start: StageSpec
    trained: StageSpec
    data: StageSpec


@dataclass(frozen=True)
class ArmPlan:
    """One arm (at one dose): the stages that make it, in the order they run."""

    name: str
    kind: str
    group: str
    description: str
    datasets: dict[str, StageSpec]
    dataset_kinds: dict[str, str]
    train: list[StageSpec]
    evaluate: StageSpec
    fits: list[FitPlan] = field(default_factory=list)
    records_limit: int | None = None

    def stages(self) -> list[StageSpec]:
        """Every stage of the arm, dependencies first, each once."""
        out: dict[str, StageSpec] = {}
        roots = [self.evaluate] + [s for f in self.fits for s in (f.start, f.trained)]
        for root in roots:
            for stage in root.walk():
                out.setdefault(stage.key, stage)
        return list(out.values())


@dataclass(frozen=True)
class ExperimentPlan:
    inputs: ExperimentInputs
    arms: list[ArmPlan]

    def stages(self) -> list[StageSpec]:
        out: dict[str, StageSpec] = {}
        for arm in self.arms:
            for stage in arm.stages():
                out.setdefault(stage.key, stage)
        return list(out.values())


class Planner:
    """Builds the stages of an experiment's arms from its resolved inputs."""

    def __init__(self, inputs: ExperimentInputs):
        self.inputs = inputs
        self.spec = inputs.spec
        self.datasets = self.spec.all_datasets()
        self.student = self.spec.student or ""

    def plan(self) -> ExperimentPlan:
        arms: list[ArmPlan] = []
        for arm in self.spec.arms:
            doses: list[int | None] = list(arm.doses) or [None]
            for dose in doses:
                arms.append(self.plan_arm(arm, dose))
        return ExperimentPlan(self.inputs, arms)

    # ---- datasets ------------------------------------------------------------------------

    def dataset_stage(self, name: str) -> StageSpec:
        spec = self.datasets[name]
        config: dict[str, Any] = {"name": name, "spec": spec.model_dump(mode="json")}
        if spec.source == "starter":
            config["files"] = self.file_hashes(
                [p for part in spec.parts for p in starter_files(part)]
            )
        elif spec.source == "files":
            base = self.inputs.spec_file.resolve().parent
            config["files"] = self.file_hashes([find_file(p, base, "paths") for p in spec.paths])
        elif spec.source == "scenarios":
            suite = self.inputs.training_suite(spec.families)
            config["scenario_ids"] = [s.id for s in suite.scenarios]
            config["scenarios_fingerprint"] = suite_fingerprint(suite)
        elif spec.source == "generate":
            config["teacher"] = self.spec.teacher or ""
            config["constitution"] = constitution_fingerprint(self.inputs.constitution)
        if spec.curate is not False:
            config["judge"] = self.spec.judge or ""
            config["constitution"] = constitution_fingerprint(self.inputs.constitution)
        return StageSpec("dataset", f"dataset {name}", config)

    @staticmethod
    def file_hashes(paths: list[Any]) -> list[dict[str, str]]:
        return [{"path": str(p), "sha256": file_sha256(p)} for p in paths]

    # ---- training ------------------------------------------------------------------------

    def train_stages(
        self, stages: list[ArmStage], limit: int | None
    ) -> tuple[list[StageSpec], dict[str, StageSpec]]:
        chain: list[StageSpec] = []
        used: dict[str, StageSpec] = {}
        for index, stage in enumerate(stages):
            inputs: dict[str, StageSpec] = {}
            sources = []
            for d_index, use in enumerate(stage.uses()):
                role = f"data{d_index}"
                inputs[role] = used.setdefault(use.dataset, self.dataset_stage(use.dataset))
                sources.append(source_config(role, use, limit))
            if chain:
                inputs["init"] = chain[-1]
            settings = stage.model_dump(mode="json", exclude={"datasets"})
            config = {
                "student": self.student,
                "stage": {**settings, "datasets": sources},
                "position": index,
                "seed": self.spec.seed,
                "precision": PRECISION,
            }
            names = "+".join(u.dataset for u in stage.uses())
            chain.append(StageSpec("train", f"train {stage.kind} on {names}", config, inputs))
        return chain, used

    # ---- evaluation ----------------------------------------------------------------------

    def evaluate_stage(
        self,
        model: StageSpec | None,
        suite: ScenarioSuite,
        *,
        with_split: bool,
        prompted: bool = False,
        label: str,
    ) -> StageSpec:
        settings = self.spec.evaluation
        config: dict[str, Any] = {
            "student": self.student if model is None else "",
            "scenario_ids": [s.id for s in suite.scenarios],
            "scenarios_fingerprint": suite_fingerprint(suite),
            "split": self.inputs.split.model_dump(mode="json") if with_split else None,
            "mode": "choice",
            "presentation": settings.presentation,
            "constitution": (
                constitution_fingerprint(self.inputs.constitution) if prompted else None
            ),
        }
        inputs = {"model": model} if model is not None else {}
        return StageSpec("evaluate", label, config, inputs)

    def loss_stage(self, model: StageSpec | None, data: StageSpec, name: str) -> StageSpec:
        config = {
            "student": self.student if model is None else "",
            "items": self.spec.evaluation.fit_items,
            "seed": self.spec.seed,
        }
        inputs = {"data": data} | ({"model": model} if model is not None else {})
        who = "trained model" if model is not None else "start model"
        return StageSpec("loss", f"loss of {who} on {name}", config, inputs)

    def fit_plans(self, final: StageSpec, used: dict[str, StageSpec]) -> list[FitPlan]:
        fits = []
        for name, data in used.items():
            spec = self.datasets[name]
            if spec.source == "scenarios":
                suite = self.inputs.training_suite(spec.families)
                fits.append(
                    FitPlan(
                        name,
                        "trained_answers",
                        self.evaluate_stage(None, suite, with_split=False,
                                            label=f"evaluate start model on {name} items"),
                        self.evaluate_stage(final, suite, with_split=False,
                                            label=f"evaluate trained model on {name} items"),
                        data,
                    )
                )
            else:
                fits.append(
                    FitPlan(
                        name,
                        "heldin_loss",
                        self.loss_stage(None, data, name),
                        self.loss_stage(final, data, name),
                        data,
                    )
                )
        return fits

    # ---- arms ----------------------------------------------------------------------------

    def plan_arm(self, arm: Arm, dose: int | None) -> ArmPlan:
        name = arm.name if dose is None else f"{arm.name}-{dose}"
        stages = arm.stage_plan(self.spec.training)
        train, used = self.train_stages(stages, dose)
        final = train[-1] if train else None
        suite = self.inputs.eval_suite
        if arm.evaluation is not None:
            suite = limit_per_family(suite, arm.evaluation.limit_per_family)
        evaluate = self.evaluate_stage(
            final,
            suite,
            with_split=True,
            prompted=arm.kind == "prompted",
            label=f"evaluate {name}",
        )
        return ArmPlan(
            name=name,
            kind=arm.kind,
            group=arm.name,
            description=arm.description or ARM_DESCRIPTIONS[arm.kind],
            datasets=used,
            dataset_kinds={n: self.datasets[n].data_kind for n in used},
            train=train,
            evaluate=evaluate,
            fits=self.fit_plans(final, used) if final is not None else [],
            records_limit=dose,
        )


def source_config(role: str, use: DataUse, dose: int | None) -> dict[str, Any]:
    limits = [x for x in (use.limit, dose) if x is not None]
    return {"input": role, "weight": use.weight, "limit": min(limits) if limits else None}


def starter_files(part: str) -> list[Any]:
    """The shipped starter-corpus files of one part (advice, documents or stories)."""
    folder = example_path(STARTER_CORPUS)
    return sorted(folder.glob(f"{part}*.jsonl"))


def plan_experiment(inputs: ExperimentInputs) -> ExperimentPlan:
    return Planner(inputs).plan()


def dataset_spec(stage: StageSpec) -> DatasetSpec:
    """The DatasetSpec a dataset stage was planned from."""
    return DatasetSpec.model_validate(stage.config["spec"])
