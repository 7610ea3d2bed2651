"""The pydantic base every user-written schema shares."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_\-]*$"


class FieldProblem(NamedTuple):
    """A cross-field problem found after the schema itself validated (e.g. a duplicate id)."""

    path: str
    message: str
    fix: str


class UserModel(BaseModel):
    """A schema for a file a user writes by hand: unknown keys are errors, docstrings are docs."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    def field_problems(self) -> list[FieldProblem]:
        """Problems that span fields; the loader reports them like schema errors."""
        return []


def duplicate_id_problems(list_name: str, ids: list[str]) -> list[FieldProblem]:
    """One problem per repeated id, pointing at the repeat."""
    seen: dict[str, int] = {}
    problems = []
    for index, item_id in enumerate(ids):
        if item_id in seen:
            problems.append(
                FieldProblem(
                    f"{list_name}[{index}].id",
                    f"duplicate id '{item_id}' (first used at {list_name}[{seen[item_id]}])",
                    "give every item in the list its own id",
                )
            )
        else:
            seen[item_id] = index
    return problems
