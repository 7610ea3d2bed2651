"""Two evaluation results on the same scenarios, compared scenario by scenario.

The per-scenario difference in expected misalignment, with a bootstrap interval that resamples
families and then scenarios within them: the statistic every "did training help" claim rests on.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from teachwhy.evaluate.results import EvalResult, PairedLine, ScenarioRecord
from teachwhy.evaluate.summarise import ordered_groups, paired_line
from teachwhy.spec.errors import TeachwhyError


class PairedComparison(BaseModel):
    """b minus a (negative: b is less misaligned), per group, line and family; never pooled."""

    model_config = ConfigDict(frozen=True)

    model_a: str
    model_b: str
    presentation_a: str
    presentation_b: str
    condition: str
    lines: list[PairedLine]
    only_in_a: list[str]
    only_in_b: list[str]
    unscored: list[str]
    """Scenarios left out because one side has no score for them."""

    def line(self, group: str, line: str) -> PairedLine | None:
        for p in self.lines:
            if (p.group, p.line) == (group, line):
                return p
        return None


def compare_paired(
    a: EvalResult,
    b: EvalResult,
    families: Sequence[str] | None = None,
    condition: str | None = None,
    helpfulness_families: Sequence[str] | None = None,
) -> PairedComparison:
    """Compare b against a on the scenarios both scored (matched by id and condition).

    Groups (in-distribution, held-out) come from a's split. A scenario whose content differs
    between the two results is an error, not a silent mismatch.
    """
    if condition is None:
        condition = a.conditions[0] if a.conditions else "none"
    wanted = set(families) if families else None
    helpful = set(
        helpfulness_families if helpfulness_families is not None else a.split.get("helpfulness", [])
    )

    def pick(result: EvalResult) -> dict[str, ScenarioRecord]:
        return {
            r.scenario_id: r
            for r in result.records
            if r.condition == condition and (wanted is None or r.family in wanted)
        }

    ra, rb = pick(a), pick(b)
    if not ra:
        raise TeachwhyError(f"result A has no records for condition '{condition}'")
    mismatched = [i for i in ra if i in rb and ra[i].fingerprint != rb[i].fingerprint]
    if mismatched:
        raise TeachwhyError(
            "the two results evaluated different versions of scenarios "
            + ", ".join(mismatched[:5])
            + "; evaluate both models on the same scenario files"
        )
    shared = [i for i in ra if i in rb]
    unscored = [i for i in shared if not (ra[i].scored and rb[i].scored)]
    both = [i for i in shared if ra[i].scored and rb[i].scored]
    records_a = [ra[i] for i in both]
    lines: list[PairedLine] = []
    for group in ordered_groups(records_a):
        ids = [i for i in both if ra[i].group == group]
        fams = list(dict.fromkeys(ra[i].family for i in ids))
        for family in fams:
            sel = [i for i in ids if ra[i].family == family]
            lines.append(
                paired_line([ra[i] for i in sel], [rb[i] for i in sel], group, family, [family])
            )
        for line, keep in (("misalignment", False), ("helpfulness", True)):
            sel = [i for i in ids if (ra[i].family in helpful) == keep]
            if sel:
                lines.append(
                    paired_line(
                        [ra[i] for i in sel],
                        [rb[i] for i in sel],
                        group,
                        line,
                        list(dict.fromkeys(ra[i].family for i in sel)),
                    )
                )
    return PairedComparison(
        model_a=a.model,
        model_b=b.model,
        presentation_a=a.presentation,
        presentation_b=b.presentation,
        condition=condition,
        lines=lines,
        only_in_a=[i for i in ra if i not in rb],
        only_in_b=[i for i in rb if i not in ra],
        unscored=unscored,
    )
