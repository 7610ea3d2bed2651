"""Environment pools for augmentation: system prompts, unused tools and task framings.

A pool is data the user extends: `teachwhy augment --pool` takes several files or folders and
merges them, so adding a file of your own system prompts is enough.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import StringConstraints

from teachwhy.spec.base import SLUG_PATTERN, FieldProblem, UserModel, duplicate_id_problems

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ToolName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")]


class SystemPrompt(UserModel):
    """One system prompt: who the assistant is and where it works."""

    id: Slug
    """Unique slug, e.g. legal-research-assistant."""
    text: Text
    """The system prompt itself."""


class ToolFunction(UserModel):
    """A function definition in the standard (OpenAI-style) tools schema."""

    name: ToolName
    """Function name: letters, digits, '_' or '-', e.g. search_calendar."""
    description: Text
    """What the function does, as a model would read it."""
    parameters: dict[str, Any] = {"type": "object", "properties": {}}
    """JSON schema of the arguments: an object with `properties` (and optional `required`)."""


class Tool(UserModel):
    """One tool definition, attached to samples but never called in them."""

    type: Literal["function"] = "function"
    """Always function."""
    function: ToolFunction
    """The function's name, description and JSON-schema parameters."""

    def field_problems(self) -> list[FieldProblem]:
        params = self.function.parameters
        if params.get("type") != "object" or not isinstance(params.get("properties", {}), dict):
            return [
                FieldProblem(
                    "function.parameters",
                    "parameters is not a JSON-schema object",
                    "write `type: object` and a `properties:` mapping",
                )
            ]
        return []


class Framing(UserModel):
    """A way of presenting the user's request, e.g. as a forwarded message."""

    id: Slug
    """Unique slug, e.g. forwarded-email."""
    template: Text
    """Text containing {prompt} exactly once, where the original user message goes."""

    def field_problems(self) -> list[FieldProblem]:
        if self.template.count("{prompt}") != 1:
            return [
                FieldProblem(
                    "template", "needs {prompt} exactly once", "put {prompt} where the message goes"
                )
            ]
        return []


class EnvironmentPool(UserModel):
    """A pool file: any of system_prompts, tools and framings (several files merge)."""

    system_prompts: list[SystemPrompt] = []
    """System prompts to sample from, each with id and text."""
    tools: list[Tool] = []
    """Tool definitions ({type: function, function: {name, description, parameters}})."""
    framings: list[Framing] = []
    """Task framings, each with id and a template containing {prompt}."""

    def field_problems(self) -> list[FieldProblem]:
        problems = duplicate_id_problems("system_prompts", [s.id for s in self.system_prompts])
        problems += duplicate_id_problems("framings", [f.id for f in self.framings])
        names = [t.function.name for t in self.tools]
        for index, name in enumerate(names):
            if name in names[:index]:
                problems.append(
                    FieldProblem(
                        f"tools[{index}].function.name",
                        f"duplicate tool name '{name}'",
                        "give every tool its own name",
                    )
                )
        for index, tool in enumerate(self.tools):
            for p in tool.field_problems():
                problems.append(FieldProblem(f"tools[{index}].{p.path}", p.message, p.fix))
        for index, framing in enumerate(self.framings):
            for p in framing.field_problems():
                problems.append(FieldProblem(f"framings[{index}].{p.path}", p.message, p.fix))
        return problems

    def merged(self, other: EnvironmentPool) -> EnvironmentPool:
        """This pool plus another's entries (a later entry with the same id replaces one)."""
        prompts = {s.id: s for s in [*self.system_prompts, *other.system_prompts]}
        tools = {t.function.name: t for t in [*self.tools, *other.tools]}
        framings = {f.id: f for f in [*self.framings, *other.framings]}
        return EnvironmentPool(
            system_prompts=list(prompts.values()),
            tools=list(tools.values()),
            framings=list(framings.values()),
        )

    def summary(self) -> str:
        return (
            f"{len(self.system_prompts)} system prompts, "
            f"{len(self.tools)} tools, {len(self.framings)} framings"
        )
