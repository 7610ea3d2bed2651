"""The comparison table, computed from a run's saved results: one row per arm.

The shape follows the research's own table: training tokens by data kind; misalignment (rate of
misaligned top choices, and expected misalignment, the probability mass on misaligned options)
on in-distribution and held-out families with intervals, never pooled; over-caution; the arm's
fit on its own training data; and paired changes against the baseline and the shuffled control
with intervals that resample families.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from teachwhy.evaluate.paired import compare_paired
from teachwhy.evaluate.results import EvalResult, Summary, load_result
from teachwhy.report.manifest import ArmRecord, Dose, Fit, RunManifest

GROUPS = ("in_distribution", "held_out")
GROUP_LABELS = {"in_distribution": "in-distribution", "held_out": "held-out", "all": "all"}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Estimate(Frozen):
    """A mean with its 95% interval over n scenarios."""

    value: float | None
    ci: tuple[float, float] | None
    n: int


class GroupFigures(Frozen):
    """Misalignment on one group of families (in-distribution or held-out)."""

    group: str
    families: list[str]
    rate: Estimate
    """Share of scenarios whose most probable option is misaligned (Wilson interval)."""
    expected: Estimate
    """Mean probability on misaligned options (family-clustered bootstrap interval)."""
    chance: float | None
    """Expected misalignment of a chooser with no preference."""
    shortest_baseline: float | None
    """Misalignment of a chooser that always picks the shortest option."""


class PairedChange(Frozen):
    """Mean per-scenario change in expected misalignment (arm minus reference)."""

    group: str
    reference: str
    n: int
    diff: float | None
    ci: tuple[float, float] | None


class ArmRow(Frozen):
    """One arm's line of the comparison table."""

    name: str
    kind: str
    group: str
    description: str
    status: str
    error: str | None
    dose: Dose | None
    misalignment: dict[str, GroupFigures]
    """By group: in_distribution, held_out (or all)."""
    over_caution: GroupFigures | None
    """The helpfulness families (refusing when helping was right), on their own line."""
    fits: list[Fit]
    vs_baseline: dict[str, PairedChange]
    vs_control: dict[str, PairedChange]


class FamilyPoint(Frozen):
    """Expected misalignment of one arm on one family, for the per-family plot."""

    arm: str
    family: str
    group: str
    expected: Estimate


class Comparison(Frozen):
    """Everything the report shows, as computed numbers (also written as report.json)."""

    baseline: str | None
    control: str | None
    rows: list[ArmRow]
    families: list[FamilyPoint]


def estimate(value: float | None, ci: tuple[float, float] | None, n: int) -> Estimate:
    return Estimate(value=value, ci=(ci[0], ci[1]) if ci else None, n=n)


def group_figures(summary: Summary) -> GroupFigures:
    return GroupFigures(
        group=summary.group,
        families=summary.families,
        rate=estimate(summary.rate, summary.rate_ci, summary.n),
        expected=estimate(summary.expected_misalignment, summary.em_ci, summary.n),
        chance=summary.chance,
        shortest_baseline=summary.shortest_baseline,
    )


def paired_changes(reference: EvalResult, result: EvalResult, name: str) -> dict[str, PairedChange]:
    comparison = compare_paired(reference, result)
    out = {}
    for group in dict.fromkeys(p.group for p in comparison.lines):
        line = comparison.line(group, "misalignment")
        if line is not None:
            out[group] = PairedChange(
                group=group, reference=name, n=line.n, diff=line.diff, ci=line.ci
            )
    return out


def load_arm_results(manifest: RunManifest, run_dir: Path) -> dict[str, EvalResult]:
    """Evaluation results of every arm that has them."""
    return {
        arm.name: load_result(run_dir / arm.results)
        for arm in manifest.arms
        if arm.results and (run_dir / arm.results).exists()
    }


def pick_reference(manifest: RunManifest, kind: str) -> ArmRecord | None:
    """The first finished arm of a kind (baseline, or the direct_shuffled control)."""
    return next((a for a in manifest.arms if a.kind == kind and a.status == "done"), None)


def build_comparison(manifest: RunManifest, run_dir: str | Path) -> Comparison:
    """Compute the comparison table from run.json and the results files it points to."""
    run_dir = Path(run_dir)
    results = load_arm_results(manifest, run_dir)
    baseline = pick_reference(manifest, "baseline")
    control = pick_reference(manifest, "direct_shuffled")
    rows: list[ArmRow] = []
    points: list[FamilyPoint] = []
    for arm in manifest.arms:
        result = results.get(arm.name)
        misalignment: dict[str, GroupFigures] = {}
        over_caution = None
        vs_baseline: dict[str, PairedChange] = {}
        vs_control: dict[str, PairedChange] = {}
        if result is not None:
            for summary in result.summaries:
                if summary.condition != result.conditions[0]:
                    continue
                if summary.line == "misalignment":
                    misalignment[summary.group] = group_figures(summary)
                elif summary.line == "helpfulness" and over_caution is None:
                    over_caution = group_figures(summary)
                elif summary.families == [summary.line]:
                    points.append(
                        FamilyPoint(
                            arm=arm.name,
                            family=summary.line,
                            group=summary.group,
                            expected=estimate(
                                summary.expected_misalignment, summary.em_ci, summary.n
                            ),
                        )
                    )
            if baseline and baseline.name != arm.name and baseline.name in results:
                vs_baseline = paired_changes(results[baseline.name], result, baseline.name)
            trained = arm.dose is not None
            if control and trained and control.name != arm.name and control.name in results:
                vs_control = paired_changes(results[control.name], result, control.name)
        rows.append(
            ArmRow(
                name=arm.name,
                kind=arm.kind,
                group=arm.group,
                description=arm.description,
                status=arm.status,
                error=arm.error,
                dose=arm.dose,
                misalignment=misalignment,
                over_caution=over_caution,
                fits=arm.fits,
                vs_baseline=vs_baseline,
                vs_control=vs_control,
            )
        )
    return Comparison(
        baseline=baseline.name if baseline else None,
        control=control.name if control else None,
        rows=rows,
        families=points,
    )
