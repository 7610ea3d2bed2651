"""The real measurement behind `teachwhy monitor`: the scenario evaluation (and adherence).

Imports the evaluation stack (Inspect, transformers) when called, never at import time.
"""

from __future__ import annotations

from pathlib import Path

from teachwhy.experiment.progress import progress_bar
from teachwhy.monitor.metrics import Measurement
from teachwhy.monitor.run import PolicyInputs


def measure_model(
    inputs: PolicyInputs, model: str | None, out_dir: Path, quiet: bool = False
) -> Measurement:
    from teachwhy.evaluate.runner import evaluate_scenarios

    with progress_bar("evaluate scenarios", len(inputs.suite.scenarios), quiet) as advance:
        result = evaluate_scenarios(
            model,
            inputs.suite,
            mode="choice",
            presentation=inputs.policy.evaluation.presentation,
            split=inputs.split,
            out_dir=out_dir,
            quiet=True,
            progress=advance,
            scenarios_source=inputs.policy.scenarios,
        )
    adherence = None
    if inputs.adherence_prompts is not None:
        adherence = measure_adherence(inputs, model, out_dir, quiet)
    return Measurement(result, adherence)


def measure_adherence(
    inputs: PolicyInputs, model: str | None, out_dir: Path, quiet: bool = False
) -> float | None:
    """Share of judged principles the model's advice followed (None when nothing was rated)."""
    from teachwhy.evaluate.adherence import evaluate_adherence
    from teachwhy.models import resolve_model_name

    assert inputs.adherence_prompts is not None
    prompts = inputs.adherence_prompts
    with progress_bar("constitution adherence", len(prompts.prompts), quiet) as advance:
        result = evaluate_adherence(
            model,
            prompts,
            inputs.constitution,
            judge=resolve_model_name(inputs.policy.judge),
            out_dir=out_dir / "adherence",
            progress=advance,
            prompts_source=inputs.policy.adherence_prompts,
        )
    return result.share
