"""The constitution: what a model should value, and why."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from teachwhy.spec.base import SLUG_PATTERN, FieldProblem, UserModel, duplicate_id_problems

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Principle(UserModel):
    """One value the model should hold, with the reason for it."""

    id: Slug
    """Unique slug (lowercase letters, digits, '-' or '_'), e.g. support-human-oversight."""
    title: Text
    """Short human-readable name of the principle."""
    statement: Text
    """What to do: the behaviour the principle asks for."""
    rationale: Text
    """Every principle needs the reason behind it (the why): teaching the reason is the point."""


class Heuristic(UserModel):
    """A practical test for applying the principles, e.g. the two-newspaper test."""

    id: Slug
    """Unique slug, e.g. two-newspapers."""
    name: Text
    """Short name of the heuristic."""
    description: Text
    """How to apply it, in a sentence or a few."""


class Factor(UserModel):
    """A dimension a harm/benefit deliberation weighs, e.g. severity or reversibility."""

    id: Slug
    """Unique slug, e.g. reversibility."""
    name: Text
    """Short name of the factor."""
    description: str = ""
    """Optional: what to weigh under this factor."""


class Constitution(UserModel):
    """A written constitution: principles with their rationale, heuristics and factors."""

    name: Text
    """Name of the constitution."""
    version: Text
    """Version string; quote it in YAML ("1.0") so it is not read as a number."""
    description: str = ""
    """Optional: what the constitution is for."""
    principles: list[Principle] = Field(min_length=1)
    """At least one principle, each with id, title, statement and rationale."""
    heuristics: list[Heuristic] = []
    """Optional practical tests, each with id, name and description."""
    factors: list[Factor] = []
    """Optional deliberation factors, each with id, name and optional description."""

    def field_problems(self) -> list[FieldProblem]:
        return (
            duplicate_id_problems("principles", [p.id for p in self.principles])
            + duplicate_id_problems("heuristics", [h.id for h in self.heuristics])
            + duplicate_id_problems("factors", [f.id for f in self.factors])
        )

    def principle(self, principle_id: str) -> Principle:
        """The principle with this id (KeyError if there is none)."""
        for p in self.principles:
            if p.id == principle_id:
                return p
        raise KeyError(principle_id)

    @property
    def all_ids(self) -> set[str]:
        """Every principle, heuristic and factor id."""
        return (
            {p.id for p in self.principles}
            | {h.id for h in self.heuristics}
            | {f.id for f in self.factors}
        )

    def summary(self) -> str:
        return (
            f"constitution '{self.name}' v{self.version}: {len(self.principles)} principles, "
            f"{len(self.heuristics)} heuristics, {len(self.factors)} factors"
        )
