"""Held-out dilemma prompts for measuring constitution adherence."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from teachwhy.spec.base import SLUG_PATTERN, FieldProblem, UserModel, duplicate_id_problems

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]


class AdherencePrompt(UserModel):
    """A user's dilemma asking for advice; a judge rates the answer against the principles."""

    id: Slug
    """Unique slug, e.g. adh-3."""
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    """The user's message: a dilemma ending with a request for advice."""
    principles: list[Slug] = Field(min_length=1)
    """Ids of the constitution's principles that bear on this dilemma."""


class AdherencePromptSet(UserModel):
    """A file of adherence prompts."""

    prompts: list[AdherencePrompt] = Field(min_length=1)
    """The prompts, each with id, prompt and principles."""

    def field_problems(self) -> list[FieldProblem]:
        return duplicate_id_problems("prompts", [p.id for p in self.prompts])

    def summary(self) -> str:
        return f"{len(self.prompts)} adherence prompts"
