"""An arm's fit on its own training data, from finished stages (no model is loaded here).

Scenario-trained arms: the probability the model gives the answer it was trained to give on
each training item, scored by the same evaluation as the arms (same presentation, rotations
averaged), start versus trained model. For the shuffled control that answer is the random one.
Advice and document arms: mean per-token loss on a sample of their own training records.
"""

from __future__ import annotations

from teachwhy.evaluate.metrics import clustered_bootstrap, mean
from teachwhy.evaluate.results import EvalResult, load_result
from teachwhy.experiment.plan import FitPlan
from teachwhy.experiment.stage import StageOutput
from teachwhy.report.manifest import Fit
from teachwhy.spec.errors import TeachwhyError


def target_probabilities(
    result: EvalResult, targets: dict[str, int]
) -> tuple[list[float], list[str]]:
    """Per training item: probability on its trained option, and the item's family."""
    values, families = [], []
    for record in result.records:
        if record.condition != result.conditions[0] or record.probs is None:
            continue
        target = targets.get(record.scenario_id)
        if target is None:
            continue
        values.append(float(record.probs[target]))
        families.append(record.family)
    return values, families


def answers_fit(fit: FitPlan, data: StageOutput, start: StageOutput, trained: StageOutput) -> Fit:
    targets = {str(k): int(v) for k, v in dict(data.output.get("targets", {})).items()}
    if not targets:
        raise TeachwhyError(f"dataset {fit.dataset}: its stage recorded no trained answers")
    start_values, start_families = target_probabilities(load_result(start.path("results")), targets)
    values, families = target_probabilities(load_result(trained.path("results")), targets)
    if not values or not start_values:
        raise TeachwhyError(f"dataset {fit.dataset}: no training item was scored")
    return Fit(
        dataset=fit.dataset,
        method="trained_answers",
        description=(
            "mean probability on the answer each training item was trained to give, scored "
            "like the evaluation"
        ),
        n=len(values),
        start=mean(start_values),
        trained=mean(values),
        better="higher",
        start_ci=tuple(clustered_bootstrap(start_values, start_families)),  # type: ignore[arg-type]
        trained_ci=tuple(clustered_bootstrap(values, families)),  # type: ignore[arg-type]
    )


def loss_fit(fit: FitPlan, start: StageOutput, trained: StageOutput) -> Fit:
    def summary(output: StageOutput) -> tuple[float, tuple[float, float] | None]:
        losses = [float(x) for x in output.output["item_losses"]]
        ci = clustered_bootstrap(losses, [str(i) for i in range(len(losses))]) if losses else None
        return float(output.output["mean_loss"]), (tuple(ci) if ci else None)  # type: ignore[return-value]

    start_loss, start_ci = summary(start)
    trained_loss, trained_ci = summary(trained)
    return Fit(
        dataset=fit.dataset,
        method="heldin_loss",
        description=(
            f"mean per-token loss (nats) on {trained.output['n']} of its own training records, "
            "trained tokens only"
        ),
        n=int(trained.output["n"]),
        start=start_loss,
        trained=trained_loss,
        better="lower",
        start_ci=start_ci,
        trained_ci=trained_ci,
    )


def measure_fit(
    fit: FitPlan, data: StageOutput, start: StageOutput, trained: StageOutput
) -> Fit:
    if fit.method == "trained_answers":
        return answers_fit(fit, data, start, trained)
    return loss_fit(fit, start, trained)
