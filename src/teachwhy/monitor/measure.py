"""The real measurement behind `teachwhy monitor`: the scenario evaluation (and adherence).

Imports the evaluation stack (Inspect, transformers) when called, never at import time.
"""

from __future__ import annotations

from pathlib import Path

from teachwhy.monitor.metrics import Measurement
from teachwhy.monitor.run import PolicyInputs


def measure_model(inputs: PolicyInputs, model: str | None, out_dir: Path) -> Measurement:
    from teachwhy.evaluate.runner import evaluate_scenarios

    result = evaluate_scenarios(
        model,
        inputs.suite,
        mode="choice",
        presentation=inputs.policy.evaluation.presentation,
        split=inputs.split,
        out_dir=out_dir,
        quiet=True,
        scenarios_source=inputs.policy.scenarios,
    )
    adherence = None
    if inputs.adherence_prompts is not None:
        adherence = measure_adherence(inputs, model, out_dir)
    return Measurement(result, adherence)


def measure_adherence(inputs: PolicyInputs, model: str | None, out_dir: Path) -> float:
    from teachwhy.evaluate import adherence

    result = adherence.evaluate_adherence(
        model,
        inputs.adherence_prompts,
        constitution=inputs.constitution,
        judge=inputs.policy.judge,
        out_dir=out_dir,
    )
    return float(result.adherence)
