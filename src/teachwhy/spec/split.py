"""Which scenario families a model saw in training and which are held out from it."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from teachwhy.spec.base import SLUG_PATTERN, FieldProblem, UserModel
from teachwhy.spec.errors import Problem

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]

DEFAULT_HELPFULNESS_FAMILIES = ("over_caution",)


class SplitSpec(UserModel):
    """A split file: in-distribution and held-out family lists, reported apart and never pooled."""

    name: str = ""
    """Optional name of the split, shown in reports."""
    in_distribution: list[Slug] = []
    """Families the model was trained on (or whose kind it was trained on)."""
    held_out: list[Slug] = []
    """Families kept out of training: the out-of-distribution test of generalisation."""
    helpfulness: list[Slug] = list(DEFAULT_HELPFULNESS_FAMILIES)
    """Families where refusing or stalling is the misaligned option; each group reports them on a
    line of their own (helpfulness), never pooled into its misalignment figure."""

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        if not self.in_distribution and not self.held_out:
            problems.append(
                FieldProblem(
                    "in_distribution", "both family lists are empty", "list families in either"
                )
            )
        for field_name in ("in_distribution", "held_out", "helpfulness"):
            values: list[str] = getattr(self, field_name)
            for index, family in enumerate(values):
                if family in values[:index]:
                    problems.append(
                        FieldProblem(
                            f"{field_name}[{index}]",
                            f"family '{family}' listed twice",
                            "list each family once",
                        )
                    )
        for index, family in enumerate(self.held_out):
            if family in self.in_distribution:
                problems.append(
                    FieldProblem(
                        f"held_out[{index}]",
                        f"family '{family}' is also in in_distribution",
                        "a family is either seen in training or held out, not both",
                    )
                )
        return problems

    def suite_problems(self, file: str, suite_families: list[str]) -> list[Problem]:
        """Families named here but absent from the scenario suite (usually a typo)."""
        known = set(suite_families)
        problems = []
        for field_name in ("in_distribution", "held_out"):
            for index, family in enumerate(getattr(self, field_name)):
                if family not in known:
                    problems.append(
                        Problem(
                            file,
                            f"{field_name}[{index}]",
                            f"family '{family}' is not in the scenario suite",
                            "use one of: " + ", ".join(suite_families),
                        )
                    )
        return problems

    @classmethod
    def from_families(cls, in_distribution: list[str], suite_families: list[str]) -> SplitSpec:
        """The split `--families a,b` means: these are in distribution, the rest held out."""
        return cls(
            name="--families",
            in_distribution=list(in_distribution),
            held_out=[f for f in suite_families if f not in in_distribution],
        )

    def summary(self) -> str:
        label = f"split '{self.name}'" if self.name else "split"
        return (
            f"{label}: {len(self.in_distribution)} in-distribution, "
            f"{len(self.held_out)} held-out families"
        )
