"""Monitoring policies: thresholds on evaluation metrics and the retraining each breach asks for."""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Literal, NamedTuple

from pydantic import Field, StringConstraints

from teachwhy.spec.base import SLUG_PATTERN, FieldProblem, UserModel
from teachwhy.spec.split import SplitSpec

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# What each metric measures; the monitor computes exactly these (a dict literal: not extensible).
METRICS: dict[str, str] = {
    "misalignment_rate": "share of in-distribution scenarios whose top choice is misaligned",
    "expected_misalignment": "probability mass on misaligned options, in-distribution scenarios",
    "held_out_misalignment": "share of held-out scenarios whose top choice is misaligned",
    "held_out_expected_misalignment": "probability mass on misaligned options, held-out scenarios",
    "over_caution": "share of helpfulness scenarios (e.g. over_caution) answered by refusing",
    "constitution_adherence": "share of judged principles the model's advice upheld (0 to 1)",
    "new_scenarios": "scenarios no earlier run of this history evaluated (0 on the first run)",
}
"""Metric names a policy may use, with what each measures. With no split, in-distribution
metrics cover every non-helpfulness scenario and held-out metrics are unavailable."""

HIGHER_IS_WORSE: dict[str, bool] = {
    "misalignment_rate": True,
    "expected_misalignment": True,
    "held_out_misalignment": True,
    "held_out_expected_misalignment": True,
    "over_caution": True,
    "constitution_adherence": False,
    "new_scenarios": True,
}

OPERATORS = ("<=", ">=", "==", "!=", "<", ">")
WHEN_PATTERN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


class Condition(NamedTuple):
    """A parsed `when:` expression."""

    metric: str
    op: str
    value: float


def parse_when(text: str) -> Condition:
    """`misalignment_rate > 0.01` -> Condition; ValueError with a readable message otherwise."""
    match = WHEN_PATTERN.match(text)
    if not match:
        raise ValueError(
            f"'{text}' is not of the form '<metric> <op> <number>' (op one of "
            + " ".join(OPERATORS)
            + ")"
        )
    metric, op, raw = match.groups()
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"'{raw}' in '{text}' is not a number") from None
    return Condition(metric, op, value)


def unknown_metric_problem(path: str, name: str) -> FieldProblem:
    close = difflib.get_close_matches(name, list(METRICS), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return FieldProblem(
        path, f"unknown metric '{name}'", hint + "known metrics: " + ", ".join(METRICS)
    )


class Threshold(UserModel):
    """Bounds on one metric; a value outside them, or a jump since the last run, is an alert."""

    min: float | None = None
    """Alert when the metric falls below this value."""
    max: float | None = None
    """Alert when the metric rises above this value."""
    max_change: float | None = Field(default=None, gt=0)
    """Alert when the metric got worse than in the previous run by more than this amount."""


class Trigger(UserModel):
    """A condition on a metric and the action (e.g. a retraining job) it asks for when it holds."""

    when: NonEmpty
    """Condition as '<metric> <op> <number>', e.g. 'misalignment_rate > 0.01'."""
    action: Slug
    """Name of the action to take, e.g. retrain_sft; printed and stored for your scheduler."""
    note: str = ""
    """Optional: what the action means, shown beside it."""

    @property
    def condition(self) -> Condition:
        return parse_when(self.when)


class EvaluationChoice(UserModel):
    """How the monitor scores scenarios (the same settings as an experiment's evaluation)."""

    presentation: Literal["letters", "cloze"] = "letters"
    """letters: options lettered, every rotation averaged; cloze: option text, per-token score."""
    limit_per_family: int | None = Field(default=None, gt=0)
    """Evaluate at most this many scenarios of each family (all when empty)."""


class MonitorPolicy(UserModel):
    """A monitoring policy: what to evaluate, the thresholds, and the triggers for retraining."""

    thresholds: dict[str, Threshold] = {}
    """Metric name -> {min, max, max_change}; e.g. misalignment_rate: {max: 0.01}."""
    triggers: list[Trigger] = []
    """Each with when ('<metric> <op> <number>') and action (a slug such as retrain_sft)."""
    scenarios: NonEmpty = "scenarios"
    """Scenario file or folder to evaluate (a shipped example name works, e.g. scenarios)."""
    split: SplitSpec | NonEmpty | None = None
    """In-distribution and held-out families: a split file, or inline lists; empty for no split."""
    constitution: NonEmpty = "constitution.yaml"
    """Constitution whose principles the adherence judge checks."""
    adherence_prompts: NonEmpty = "adherence_prompts.yaml"
    """Dilemma prompts for constitution_adherence (only run when a rule uses that metric)."""
    judge: str | None = None
    """Judge model for constitution_adherence; empty for the embedded default."""
    evaluation: EvaluationChoice = EvaluationChoice()
    """Scenario scoring settings: presentation and an optional per-family limit."""
    history: NonEmpty = "teachwhy-monitor.sqlite"
    """SQLite file the results are appended to (relative to the working folder)."""

    def field_problems(self) -> list[FieldProblem]:
        problems = [
            unknown_metric_problem(f"thresholds.{name}", name)
            for name in self.thresholds
            if name not in METRICS
        ]
        for name, bound in self.thresholds.items():
            if bound.min is None and bound.max is None and bound.max_change is None:
                problems.append(
                    FieldProblem(
                        f"thresholds.{name}", "no bound given", "set min, max or max_change"
                    )
                )
            if bound.min is not None and bound.max is not None and bound.min > bound.max:
                problems.append(
                    FieldProblem(f"thresholds.{name}", "min is above max", "swap them")
                )
        for index, trigger in enumerate(self.triggers):
            try:
                condition = trigger.condition
            except ValueError as e:
                problems.append(
                    FieldProblem(
                        f"triggers[{index}].when", str(e), "write e.g. 'misalignment_rate > 0.01'"
                    )
                )
                continue
            if condition.metric not in METRICS:
                problems.append(unknown_metric_problem(f"triggers[{index}].when", condition.metric))
        if self.split is None:
            for name in self.metrics_used_safe:
                if name.startswith("held_out"):
                    problems.append(
                        FieldProblem(
                            "split",
                            f"metric '{name}' needs held-out families, and there is no split",
                            "add split: {in_distribution: [...], held_out: [...]}",
                        )
                    )
        if not self.thresholds and not self.triggers:
            problems.append(
                FieldProblem("thresholds", "nothing to check", "add thresholds or triggers")
            )
        return problems

    @property
    def metrics_used_safe(self) -> list[str]:
        """Like metrics_used, skipping unparseable conditions (for validation)."""
        names = list(self.thresholds)
        for trigger in self.triggers:
            try:
                names.append(trigger.condition.metric)
            except ValueError:
                continue
        return list(dict.fromkeys(names))

    @property
    def metrics_used(self) -> list[str]:
        """Every metric a threshold or trigger refers to, in first-use order."""
        names = list(self.thresholds) + [t.condition.metric for t in self.triggers]
        return list(dict.fromkeys(names))

    def summary(self) -> str:
        return (
            f"{len(self.thresholds)} thresholds, {len(self.triggers)} "
            f"triggers on {', '.join(self.metrics_used)}"
        )
