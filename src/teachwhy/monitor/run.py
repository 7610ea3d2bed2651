"""`run_monitor`: evaluate a model as a policy asks, store the run, and raise the alerts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from teachwhy import __version__
from teachwhy.experiment.inputs import limit_per_family
from teachwhy.monitor.check import Alert, check_metrics
from teachwhy.monitor.history import History, HistoryRun
from teachwhy.monitor.metrics import Measurement, compute_metrics, scenario_fingerprints
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import Problem, SpecError
from teachwhy.spec.examples import resolve_path
from teachwhy.spec.loading import load_model
from teachwhy.spec.policy import MonitorPolicy
from teachwhy.spec.prompts import AdherencePromptSet
from teachwhy.spec.scenarios import ScenarioSuite, load_scenarios
from teachwhy.spec.split import DEFAULT_HELPFULNESS_FAMILIES, SplitSpec


@dataclass(frozen=True)
class PolicyInputs:
    """The files a policy names, loaded."""

    policy: MonitorPolicy
    policy_file: Path
    suite: ScenarioSuite
    split: SplitSpec | None
    constitution: Constitution
    adherence_prompts: AdherencePromptSet | None

    @property
    def helpfulness(self) -> list[str]:
        return list(self.split.helpfulness if self.split else DEFAULT_HELPFULNESS_FAMILIES)


Measure = Callable[[PolicyInputs, "str | None", Path], Measurement]
"""(inputs, model, folder for this run's results) -> what was measured."""


@dataclass(frozen=True)
class MonitorOutcome:
    run_id: int
    model: str
    metrics: dict[str, float | None]
    previous: HistoryRun | None
    alerts: list[Alert]
    history: Path
    results_dir: Path

    @property
    def triggered_actions(self) -> list[str]:
        return list(dict.fromkeys(a.action for a in self.alerts if a.kind == "trigger"))


def find(name: str, base: Path, field: str) -> Path:
    beside = base / name
    return beside if beside.exists() else resolve_path(name, field)


def load_policy_inputs(policy_file: str | Path) -> PolicyInputs:
    """Load a policy and everything it names; problems name the policy file and field."""
    policy_file = Path(policy_file)
    policy = load_model(policy_file, MonitorPolicy)
    base = policy_file.resolve().parent
    suite = load_scenarios(find(policy.scenarios, base, "scenarios"))
    split: SplitSpec | None
    if policy.split is None or isinstance(policy.split, SplitSpec):
        split = policy.split
    else:
        split = load_model(find(policy.split, base, "split"), SplitSpec)
    if split is not None:
        problems = [
            Problem(str(policy_file), f"split.{p.path}", p.message, p.fix)
            for p in split.suite_problems(str(policy_file), suite.families)
        ]
        if problems:
            raise SpecError(problems)
    constitution = load_model(find(policy.constitution, base, "constitution"), Constitution)
    prompts = None
    if "constitution_adherence" in policy.metrics_used:
        prompts = load_model(
            find(policy.adherence_prompts, base, "adherence_prompts"), AdherencePromptSet
        )
    if policy.evaluation.limit_per_family:
        suite = limit_per_family(suite, policy.evaluation.limit_per_family)
    return PolicyInputs(policy, policy_file, suite, split, constitution, prompts)


def real_measure(
    inputs: PolicyInputs, model: str | None, out_dir: Path, quiet: bool = False
) -> Measurement:
    """Run the evaluations the policy needs: scenarios always, adherence only if a rule uses it."""
    from teachwhy.monitor.measure import measure_model

    return measure_model(inputs, model, out_dir, quiet)


def run_monitor(
    policy_file: str | Path,
    model: str | None,
    *,
    history: str | Path | None = None,
    measure: Measure | None = None,
    quiet: bool = False,
) -> MonitorOutcome:
    """One monitoring run: measure, append to the history, compare, and return the alerts."""
    inputs = load_policy_inputs(policy_file)
    store = History(history or inputs.policy.history)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results_dir = store.path.with_name(store.path.stem + "-runs") / stamp
    seen = store.seen_fingerprints()
    if measure is None:
        measurement = real_measure(inputs, model, results_dir, quiet)
    else:
        measurement = measure(inputs, model, results_dir)
    name = measurement.scenarios.model if measurement.scenarios else (model or "default")
    metrics = compute_metrics(measurement, inputs.helpfulness, seen)
    previous = store.previous(name)
    alerts = check_metrics(inputs.policy, metrics, previous.metrics if previous else None)
    run_id = store.append(
        model=name,
        policy=str(policy_file),
        version=__version__,
        metrics={k: metrics[k] for k in metrics if metrics[k] is not None},
        alerts=alerts,
        results=str(results_dir) if results_dir.exists() else None,
        scenarios=scenario_fingerprints(measurement.scenarios) if measurement.scenarios else {},
    )
    return MonitorOutcome(run_id, name, metrics, previous, alerts, store.path, results_dir)
