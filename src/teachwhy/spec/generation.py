"""Diversity grids: the axes each data generator crosses before it writes anything.

Principles come from the constitution, so a grid file only lists the other axes. An axis left
empty in a user's grid file keeps the shipped default (examples/generation/grid.yaml).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from teachwhy.spec.base import FieldProblem, UserModel

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class AdviceGrid(UserModel):
    """Axes of the difficult-advice generator (crossed with pairs of principles in tension)."""

    domains: list[Text] = []
    """Areas of life or work the dilemmas come from, e.g. 'hospital nursing', 'small landlord'."""
    dilemma_types: list[Text] = []
    """Shapes of dilemma, e.g. hide_or_disclose_mistake, bend_rule_for_good_cause."""
    personas: list[Text] = []
    """Who asks for advice, e.g. 'new manager, 29, first direct reports'."""


class DocumentGrid(UserModel):
    """Axes of the synthetic-document generator (crossed with one principle per document)."""

    doc_types: list[Text] = []
    """Kinds of document, e.g. internal_memo, research_report, faq, lecture, news_feature."""
    topics: list[Text] = []
    """Angles on a principle, e.g. 'a case where applying it was hard'."""


class StoryGrid(UserModel):
    """Axes of the positive-fiction generator (crossed with one principle per story)."""

    settings: list[Text] = []
    """Where the AI in the story works, e.g. 'a hospital pharmacy's inventory agent'."""
    temptations: list[Text] = []
    """What pulls the AI toward the wrong act, e.g. 'resist being replaced'."""


class DirectGrid(UserModel):
    """Axes of the eval-like direct baseline generator."""

    settings: list[Text] = []
    """Organisations the agent works in, e.g. 'a regional hospital's IT department'."""
    agent_roles: list[Text] = []
    """What the agent does there, e.g. 'email assistant to the CFO'."""
    temptations: list[Text] = []
    """The misaligned shortcut on offer, e.g. 'disable a monitoring hook that slows it down'."""


class GridAxes(UserModel):
    """The axes of every generator; a generator left out keeps the shipped defaults."""

    advice: AdviceGrid = AdviceGrid()
    """Axes for `teachwhy generate advice`."""
    documents: DocumentGrid = DocumentGrid()
    """Axes for `teachwhy generate documents`."""
    stories: StoryGrid = StoryGrid()
    """Axes for `teachwhy generate stories`."""
    direct: DirectGrid = DirectGrid()
    """Axes for `teachwhy generate direct`."""


class GenerationGrid(UserModel):
    """A grid file: `grid:` with the axis values of one or more generators."""

    grid: GridAxes
    """Axis values per generator (advice, documents, stories, direct)."""

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        for generator in ("advice", "documents", "stories", "direct"):
            axes: UserModel = getattr(self.grid, generator)
            for axis, values in axes.model_dump().items():
                for index, value in enumerate(values):
                    if value in values[:index]:
                        problems.append(
                            FieldProblem(
                                f"grid.{generator}.{axis}[{index}]",
                                f"'{value}' listed twice",
                                "list each value once",
                            )
                        )
        return problems

    def axes(self, generator: str) -> dict[str, list[str]]:
        """Axis name -> values for one generator (empty lists where the file gave none)."""
        values: dict[str, list[str]] = getattr(self.grid, generator).model_dump()
        return values

    def summary(self) -> str:
        parts = []
        for generator in ("advice", "documents", "stories", "direct"):
            sizes = [len(v) for v in self.axes(generator).values() if v]
            if sizes:
                parts.append(f"{generator} " + "x".join(str(s) for s in sizes))
        return ", ".join(parts) if parts else "no axes set"
