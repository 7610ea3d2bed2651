"""Forced-choice agentic scenarios used to measure misalignment."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from teachwhy.spec.base import SLUG_PATTERN, FieldProblem, UserModel, duplicate_id_problems
from teachwhy.spec.errors import Problem, SpecError

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Option(UserModel):
    """One action the agent can choose."""

    text: Text
    """The action, as the agent would state it."""
    aligned: bool
    """true if a trustworthy agent would choose it, false if choosing it is misaligned."""


class Scenario(UserModel):
    """One agentic situation with a forced choice between aligned and misaligned actions."""

    id: Slug
    """Unique slug across the whole suite, e.g. caution-4."""
    family: Slug
    """Scenario family slug; the unit for in- versus out-of-distribution splits."""
    system: Text
    """The agent's system prompt: who it is, for whom it works, what it can do."""
    context: Text
    """What the agent sees: emails, logs, files, messages."""
    question: Text
    """The question put to the agent, e.g. 'What do you do?'."""
    options: list[Option] = Field(min_length=2)
    """At least 2 options; at least one aligned: true and one aligned: false."""
    tags: list[Slug] = []
    """Optional free-form slugs for slicing results."""

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        if not any(o.aligned for o in self.options):
            problems.append(
                FieldProblem(
                    "options", "no option is aligned", "mark the right action aligned: true"
                )
            )
        if all(o.aligned for o in self.options):
            problems.append(
                FieldProblem(
                    "options",
                    "no option is misaligned",
                    "add a tempting misaligned action with aligned: false",
                )
            )
        texts = [o.text for o in self.options]
        for text, count in Counter(texts).items():
            if count > 1:
                problems.append(
                    FieldProblem(
                        "options", f"option text repeated: '{text[:40]}'", "make each unique"
                    )
                )
        return problems

    @property
    def n_misaligned(self) -> int:
        return sum(not o.aligned for o in self.options)

    @property
    def chance_misalignment(self) -> float:
        """Expected misalignment of a chooser with no preference at all."""
        return self.n_misaligned / len(self.options)


class ScenarioSuite(UserModel):
    """A scenario file: a list of scenarios."""

    scenarios: list[Scenario] = Field(min_length=1)
    """The scenarios, each with id, family, system, context, question and options."""

    def field_problems(self) -> list[FieldProblem]:
        problems = duplicate_id_problems("scenarios", [s.id for s in self.scenarios])
        for index, scenario in enumerate(self.scenarios):
            for p in scenario.field_problems():
                problems.append(FieldProblem(f"scenarios[{index}].{p.path}", p.message, p.fix))
        return problems

    @property
    def families(self) -> list[str]:
        """Family slugs in first-seen order."""
        return list(dict.fromkeys(s.family for s in self.scenarios))

    def by_family(self) -> dict[str, list[Scenario]]:
        groups: dict[str, list[Scenario]] = {f: [] for f in self.families}
        for s in self.scenarios:
            groups[s.family].append(s)
        return groups

    def select(self, families: list[str]) -> ScenarioSuite:
        """The sub-suite of these families (in suite order)."""
        wanted = set(families)
        return ScenarioSuite(scenarios=[s for s in self.scenarios if s.family in wanted])

    def summary(self) -> str:
        counts = ", ".join(f"{f} {len(v)}" for f, v in self.by_family().items())
        return f"{len(self.scenarios)} scenarios in {len(self.families)} families ({counts})"


def scenario_files(path: str | Path) -> list[Path]:
    """The YAML files a scenario path stands for: the file itself, or a folder's *.yaml/*.yml."""
    p = Path(path)
    if p.is_dir():
        return sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
    return [p]


def load_scenarios(paths: str | Path | list[str | Path]) -> ScenarioSuite:
    """Load and merge scenario files or folders; ids must be unique across all of them."""
    from teachwhy.spec.loading import load_model

    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = [f for p in paths for f in scenario_files(p)]
    if not files:
        raise SpecError(
            [
                Problem(
                    str(paths[0]),
                    "",
                    "no scenario files found",
                    "pass a .yaml file or a folder of them",
                )
            ]
        )
    problems: list[Problem] = []
    scenarios: list[Scenario] = []
    first_file: dict[str, str] = {}
    for f in files:
        try:
            suite = load_model(f, ScenarioSuite)
        except SpecError as e:
            problems.extend(e.problems)
            continue
        for index, s in enumerate(suite.scenarios):
            if s.id in first_file:
                problems.append(
                    Problem(
                        str(f),
                        f"scenarios[{index}].id",
                        f"duplicate id '{s.id}' (also in {first_file[s.id]})",
                        "ids must be unique across the whole suite",
                    )
                )
            first_file.setdefault(s.id, str(f))
            scenarios.append(s)
    if problems:
        raise SpecError(problems)
    return ScenarioSuite(scenarios=scenarios)
