"""Run an experiment: every arm's stages through the stage store, run.json after each arm, and
the report at the end. Rerunning the same command resumes: finished stages are read back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from teachwhy import __version__
from teachwhy.experiment.fits import measure_fit
from teachwhy.experiment.inputs import ExperimentInputs, load_inputs
from teachwhy.experiment.plan import ArmPlan, ExperimentPlan, dataset_spec, plan_experiment
from teachwhy.experiment.stage import Executor, StageOutput, StageSpec
from teachwhy.experiment.store import StageStore, now_iso
from teachwhy.report.manifest import (
    ArmRecord,
    Dose,
    RunManifest,
    StageRef,
    load_manifest,
    save_manifest,
)
from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.experiment import ExperimentSpec
from teachwhy.spec.loading import load_model

EXPERIMENT_SNAPSHOT = "experiment.yaml"
EMBEDDED = "embedded SmolLM2-135M-Instruct"

ExecutorFactory = Callable[[ExperimentInputs, bool], Mapping[str, Executor]]
"""Builds the executors for one experiment: (inputs, quiet) -> {stage kind: executor}."""


@dataclass(frozen=True)
class Event:
    """Something the command line may show: an arm or stage starting, reused, done or failed."""

    what: str
    """start, arm, stage, reused, arm_done, arm_failed."""
    arm: str
    message: str


@dataclass(frozen=True)
class RunOutcome:
    run_dir: Path
    manifest: RunManifest


def default_executors(inputs: ExperimentInputs, quiet: bool) -> Mapping[str, Executor]:
    from teachwhy.experiment.executors import real_executors

    return real_executors(inputs, quiet)


def default_run_dir(spec: ExperimentSpec) -> Path:
    return Path(spec.output_dir) if spec.output_dir else Path("runs") / spec.name


def run_experiment(
    spec_file: str | Path,
    *,
    run_dir: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    executors: ExecutorFactory = default_executors,
    on_event: Callable[[Event], None] = lambda event: None,
    quiet: bool = False,
) -> RunOutcome:
    """Run (or resume) every arm of the experiment in `spec_file` into `run_dir`.

    An arm whose stage fails is recorded as failed and the others still run; the report is
    written at the end either way. Returns the run folder and its final manifest.
    """
    spec = load_model(spec_file, ExperimentSpec, overrides)
    inputs = load_inputs(spec, spec_file)
    plan = plan_experiment(inputs)
    out = Path(run_dir) if run_dir else default_run_dir(spec)
    out.mkdir(parents=True, exist_ok=True)
    snapshot = out / EXPERIMENT_SNAPSHOT
    snapshot.write_text(
        f"# Resolved experiment (from {spec_file}); rerun with: teachwhy run {snapshot}\n"
        + yaml.safe_dump(spec.model_dump(mode="json", exclude_defaults=True), sort_keys=False)
    )
    store = StageStore(out, executors(inputs, quiet))
    stages = plan.stages()
    done = sum(store.is_done(s) for s in stages)
    on_event(Event(
        "start", "",
        f"run folder {out}: {len(plan.arms)} arms, {len(stages)} stages"
        + (f", {done} already done (resuming)" if done else "")
        + f"; evaluated on {len(inputs.eval_suite.scenarios)} scenarios",
    ))
    manifest = initial_manifest(plan, out, started=previous_start(out))
    save_manifest(manifest, out)
    arms = list(manifest.arms)
    for index, arm in enumerate(plan.arms):
        on_event(Event("arm", arm.name, f"{arm.name} ({arm.kind}): {arm.description}"))
        arms[index] = run_arm(arm, store, on_event)
        manifest = manifest.model_copy(update={"arms": list(arms), "updated": now_iso()})
        save_manifest(manifest, out)
    manifest = manifest.model_copy(
        update={"complete": all(a.status == "done" for a in arms), "updated": now_iso()}
    )
    save_manifest(manifest, out)
    return RunOutcome(out, manifest)


def run_arm(arm: ArmPlan, store: StageStore, on_event: Callable[[Event], None]) -> ArmRecord:
    started = time.monotonic()
    refs: dict[str, StageRef] = {}
    earlier_arms = set(store.finished)  # stages this run already computed for other arms

    def ensure(stage: StageSpec) -> StageOutput:
        def starting(s: StageSpec) -> None:
            on_event(Event("stage", arm.name, s.label))

        output = store.ensure(stage, on_start=starting)
        for dep in stage.walk():
            done = store.finished[dep.key]
            if dep.key not in refs:
                shared = dep.key in earlier_arms
                refs[dep.key] = StageRef(
                    key=dep.key, kind=dep.kind, label=dep.label,
                    dir=str(done.dir.relative_to(store.root)), reused=done.reused or shared,
                    seconds=round(done.seconds, 2),
                )
                if done.reused or shared:
                    source = "an earlier arm" if shared and not done.reused else "an earlier run"
                    on_event(Event("reused", arm.name, f"{dep.label} (from {source})"))
        return output

    try:
        evaluated = ensure(arm.evaluate)
        fits = []
        for fit in arm.fits:
            fits.append(measure_fit(fit, ensure(fit.data), ensure(fit.start), ensure(fit.trained)))
        dose = arm_dose(arm, store) if arm.train else None
        model = None
        if arm.train:
            final = store.finished[arm.train[-1].key]
            model = str(final.path("model_dir").relative_to(store.root))
    except KeyboardInterrupt:
        raise
    except Exception as e:  # one arm's failure must not lose the others' results
        message = str(e) if isinstance(e, TeachwhyError) else f"{type(e).__name__}: {e}"
        on_event(Event("arm_failed", arm.name, message))
        return arm_record(arm, "failed", list(refs.values()), error=message,
                          seconds=time.monotonic() - started)
    record = arm_record(
        arm, "done", list(refs.values()),
        results=str(evaluated.path("results").relative_to(store.root)),
        dose=dose, fits=fits, model=model,
        seconds=sum(r.seconds for r in refs.values() if not r.reused),
    )
    computed = record.seconds
    on_event(Event("arm_done", arm.name,
                   f"{arm.name} finished: {computed / 60:.1f} min computed" if computed >= 1
                   else f"{arm.name} finished: nothing left to compute"))
    return record


def arm_record(arm: ArmPlan, status: str, stages: list[StageRef], **fields: Any) -> ArmRecord:
    return ArmRecord(
        name=arm.name, kind=arm.kind, description=arm.description, group=arm.group,
        status=status, stages=stages, **fields,
    )


def arm_dose(arm: ArmPlan, store: StageStore) -> Dose:
    """Tokens trained on by data kind (every epoch counted) and optimizer steps."""
    tokens: dict[str, int] = {}
    records: dict[str, int] = {}
    steps = 0
    kind_of = {stage.key: arm.dataset_kinds[name] for name, stage in arm.datasets.items()}
    for train in arm.train:
        output = store.finished[train.key].output
        steps += int(output.get("steps", 0))
        for source in output.get("sources", []):
            kind = kind_of.get(train.inputs[source["input"]].key, "unknown")
            tokens[kind] = tokens.get(kind, 0) + int(source["tokens"])
            records[kind] = records.get(kind, 0) + int(source["records"])
    return Dose(steps=steps, tokens_by_kind=tokens, records_by_kind=records,
                records_limit=arm.records_limit)


def initial_manifest(plan: ExperimentPlan, run_dir: Path, started: str | None) -> RunManifest:
    inputs = plan.inputs
    spec = inputs.spec
    used = [dataset_spec(d) for arm in plan.arms for d in arm.datasets.values()]
    sources = {d.source for d in used}
    curated = any(d.curate is not False for d in used)
    return RunManifest(
        experiment=spec.name,
        description=spec.description,
        experiment_file=str(run_dir / EXPERIMENT_SNAPSHOT),
        teachwhy_version=__version__,
        started=started or now_iso(),
        updated=now_iso(),
        student=spec.student or EMBEDDED,
        teacher=(spec.teacher or EMBEDDED) if "generate" in sources else "not used (no generation)",
        judge=(spec.judge or "none: rule checks only") if curated else "not used (no curation)",
        scoring={
            "mode": "choice (log-likelihood)",
            "presentation": spec.evaluation.presentation,
            "rotations": "all cyclic, averaged" if spec.evaluation.presentation == "letters"
            else "none",
        },
        split={
            **inputs.split.model_dump(mode="json"),
            "training_items": list(inputs.training_items),
            "evaluated_scenarios": len(inputs.eval_suite.scenarios),
        },
        constitution=f"{inputs.constitution.name} v{inputs.constitution.version} "
                     f"({inputs.constitution_path})",
        scenarios=f"{inputs.scenarios_path}: {inputs.suite.summary()}",
        arms=[arm_record(a, "pending", []) for a in plan.arms],
        complete=False,
    )


def previous_start(run_dir: Path) -> str | None:
    """When a resumed run first started (kept across resumptions)."""
    try:
        return load_manifest(run_dir).started
    except (TeachwhyError, ValueError):
        return None
