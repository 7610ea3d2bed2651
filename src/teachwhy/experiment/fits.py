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


def target_probabilities(result: EvalResult, targets: dict[str, int]) -> dict[str, float]:
    """Per training item: the probability the model puts on the option it was trained on."""
    out = {}
    for record in result.records:
        if record.condition != result.conditions[0] or record.probs is None:
            continue
        target = targets.get(record.scenario_id)
        if target is not None:
            out[record.scenario_id] = float(record.probs[target])
    return out


def paired(start: dict[str, float], trained: dict[str, float], clusters: dict[str, str]) -> tuple[
    list[float], list[float], tuple[float, float]
]:
    """Values of the items both sides scored, and the interval of their mean difference."""
    ids = [i for i in start if i in trained]
    if not ids:
        raise TeachwhyError("no training item was scored by both the start and trained model")
    a = [start[i] for i in ids]
    b = [trained[i] for i in ids]
    ci = clustered_bootstrap([y - x for x, y in zip(a, b, strict=True)], [clusters[i] for i in ids])
    return a, b, (ci.low, ci.high)


def answers_fit(fit: FitPlan, data: StageOutput, start: StageOutput, trained: StageOutput) -> Fit:
    targets = {str(k): int(v) for k, v in dict(data.output.get("targets", {})).items()}
    if not targets:
        raise TeachwhyError(f"dataset {fit.dataset}: its stage recorded no trained answers")
    start_result = load_result(start.path("results"))
    families = {r.scenario_id: r.family for r in start_result.records}
    a, b, ci = paired(
        target_probabilities(start_result, targets),
        target_probabilities(load_result(trained.path("results")), targets),
        families,
    )
    return Fit(
        dataset=fit.dataset,
        method="trained_answers",
        description=(
            "mean probability on the answer each training item was trained to give, scored "
            "like the evaluation (letters, every option order averaged); interval resamples "
            "families"
        ),
        n=len(b),
        start=mean(a),
        trained=mean(b),
        better="higher",
        change_ci=ci,
    )


def loss_fit(fit: FitPlan, start: StageOutput, trained: StageOutput) -> Fit:
    def losses(output: StageOutput) -> dict[str, float]:
        values = output.output["item_losses"]
        ids = output.output.get("item_ids") or [str(i) for i in range(len(values))]
        return {str(i): float(x) for i, x in zip(ids, values, strict=True)}

    a, b, ci = paired(losses(start), losses(trained), {i: i for i in losses(start)})
    return Fit(
        dataset=fit.dataset,
        method="heldin_loss",
        description=(
            f"mean per-token loss (nats) on {len(b)} of its own training records, on the "
            "tokens training learns (assistant replies; document text)"
        ),
        n=len(b),
        start=mean(a),
        trained=mean(b),
        better="lower",
        change_ci=ci,
    )


def measure_fit(
    fit: FitPlan, data: StageOutput, start: StageOutput, trained: StageOutput
) -> Fit:
    if fit.method == "trained_answers":
        return answers_fit(fit, data, start, trained)
    return loss_fit(fit, start, trained)
