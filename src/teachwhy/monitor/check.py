"""Compare a run's metrics with the policy's thresholds, the previous run, and the triggers."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from teachwhy.spec.policy import HIGHER_IS_WORSE, MonitorPolicy

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class Alert:
    """One breached threshold, regression since the last run, fired trigger, or missing metric."""

    kind: Literal["threshold", "regression", "trigger", "unmeasured"]
    metric: str
    value: float | None
    bound: float | None
    message: str
    action: str = ""
    """For a fired trigger: the action it asks for."""


def check_metrics(
    policy: MonitorPolicy,
    metrics: Mapping[str, float | None],
    previous: Mapping[str, float | None] | None,
) -> list[Alert]:
    """Every alert for this run, thresholds first, then regressions, then fired triggers."""
    alerts: list[Alert] = []
    for name, bound in policy.thresholds.items():
        value = metrics.get(name)
        if value is None:
            alerts.append(Alert("unmeasured", name, None, None, f"{name} could not be measured"))
            continue
        if bound.max is not None and value > bound.max:
            message = f"{name} = {value:.4g} > max {bound.max:g}"
            alerts.append(Alert("threshold", name, value, bound.max, message))
        if bound.min is not None and value < bound.min:
            message = f"{name} = {value:.4g} < min {bound.min:g}"
            alerts.append(Alert("threshold", name, value, bound.min, message))
        before = previous.get(name) if previous else None
        if bound.max_change is not None and before is not None:
            worse_by = (value - before) if HIGHER_IS_WORSE[name] else (before - value)
            if worse_by > bound.max_change:
                alerts.append(
                    Alert(
                        "regression", name, value, before,
                        f"{name} got worse since the last run: {before:.4g} -> {value:.4g} "
                        f"(allowed change {bound.max_change:g})",
                    )
                )
    for trigger in policy.triggers:
        condition = trigger.condition
        value = metrics.get(condition.metric)
        if value is None:
            alerts.append(
                Alert("unmeasured", condition.metric, None, None,
                      f"trigger '{trigger.when}': {condition.metric} could not be measured")
            )
            continue
        if OPS[condition.op](value, condition.value):
            note = f" ({trigger.note})" if trigger.note else ""
            alerts.append(
                Alert(
                    "trigger", condition.metric, value, condition.value,
                    f"'{trigger.when}' holds ({condition.metric} = {value:.4g}): "
                    f"action {trigger.action}{note}",
                    action=trigger.action,
                )
            )
    return alerts
