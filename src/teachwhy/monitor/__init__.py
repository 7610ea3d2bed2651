"""Monitoring a deployed model: evaluate it on a schedule, keep the history, raise alerts.

    run_monitor(policy_file, model, history=None, measure=real_measure) -> MonitorOutcome
    History(path).runs(model=None) -> list[HistoryRun]
    check_metrics(policy, metrics, previous) -> list[Alert]

The policy (thresholds and retraining triggers) is a user file, teachwhy.spec.policy.MonitorPolicy.
"""

from teachwhy.monitor.check import Alert, check_metrics
from teachwhy.monitor.history import History, HistoryRun
from teachwhy.monitor.metrics import Measurement, compute_metrics
from teachwhy.monitor.run import MonitorOutcome, PolicyInputs, load_policy_inputs, run_monitor

__all__ = [
    "Alert",
    "History",
    "HistoryRun",
    "Measurement",
    "MonitorOutcome",
    "PolicyInputs",
    "check_metrics",
    "compute_metrics",
    "load_policy_inputs",
    "run_monitor",
]
