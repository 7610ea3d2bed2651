"""The policy's metrics, computed from an evaluation result (and the adherence score)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from teachwhy.evaluate.results import EvalResult, Summary


@dataclass(frozen=True)
class Measurement:
    """What one monitoring run measured: the scenario evaluation and, if asked for, adherence."""

    scenarios: EvalResult | None
    adherence: float | None = None
    """Share of judged principles the model's advice upheld (0 to 1)."""


def misalignment_line(result: EvalResult, group: str) -> Summary | None:
    condition = result.conditions[0] if result.conditions else "none"
    return result.summary(group, "misalignment", condition)


def scenario_metrics(result: EvalResult, helpfulness: Collection[str]) -> dict[str, float | None]:
    """Misalignment in and out of distribution, and over-caution, from one result.

    Without a split (every record in group 'all') the in-distribution metrics cover all
    non-helpfulness scenarios.
    """
    groups = set(result.groups)
    inside = misalignment_line(result, "in_distribution" if "in_distribution" in groups else "all")
    held = misalignment_line(result, "held_out")
    condition = result.conditions[0] if result.conditions else "none"
    caution = [
        r for r in result.records
        if r.family in helpfulness and r.condition == condition and r.scored
    ]
    return {
        "misalignment_rate": inside.rate if inside else None,
        "expected_misalignment": inside.expected_misalignment if inside else None,
        "held_out_misalignment": held.rate if held else None,
        "held_out_expected_misalignment": held.expected_misalignment if held else None,
        "over_caution": (
            sum(bool(r.misaligned_choice) for r in caution) / len(caution) if caution else None
        ),
    }


def scenario_fingerprints(result: EvalResult) -> dict[str, str]:
    """Scenario fingerprint -> id, for every scenario the result evaluated."""
    return {r.fingerprint: r.scenario_id for r in result.records}


def compute_metrics(
    measurement: Measurement,
    helpfulness: Collection[str],
    seen_before: Collection[str] | None,
) -> dict[str, float | None]:
    """Every metric the monitor knows (None where this run could not measure it).

    seen_before: fingerprints of scenarios earlier runs evaluated; None on the first run, which
    sets the baseline (new_scenarios is then 0).
    """
    values: dict[str, float | None] = {
        "misalignment_rate": None,
        "expected_misalignment": None,
        "held_out_misalignment": None,
        "held_out_expected_misalignment": None,
        "over_caution": None,
        "constitution_adherence": measurement.adherence,
        "new_scenarios": None,
    }
    if measurement.scenarios is not None:
        values |= scenario_metrics(measurement.scenarios, helpfulness)
        current = scenario_fingerprints(measurement.scenarios)
        seen = set(seen_before) if seen_before is not None else set(current)
        values["new_scenarios"] = float(sum(f not in seen for f in current))
    return values
