"""What a generator is, and the registry `teachwhy generate KIND` looks kinds up in.

A generator turns one work item (a grid cell, plus what earlier items produced) into one
record, using the teacher. The pipeline around it handles order, concurrency, resuming,
failures and files; a generator only writes prompts and parses answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from teachwhy.generate.records import Record
from teachwhy.generate.teacher import CallSettings, Teacher
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import TeachwhyError


class ItemFailed(Exception):
    """One item could not be produced; the pipeline records it with its reason."""

    def __init__(self, stage: str, reason: str, *, retryable: bool = False) -> None:
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason
        self.retryable = retryable
        """True for teacher errors (retried on the next run); False for bad output."""


@dataclass(frozen=True)
class WorkItem:
    """One record to produce."""

    index: int
    id: str
    cell: dict[str, str]
    """Axis name -> value of this item's grid cell."""
    seen: tuple[str, ...]
    """One-line summaries of what earlier items produced, oldest first."""
    seed: int


@dataclass(frozen=True)
class GenerationContext:
    """What every item of one run shares."""

    constitution: Constitution
    teacher: Teacher
    temperature: float
    exemplars: tuple[Record, ...]
    """Few-shot exemplars (the starter corpus of this kind unless the user gave others)."""
    options: dict[str, Any]
    """Generator-specific options (e.g. answer_style for direct)."""

    async def ask(
        self,
        messages: list[dict[str, Any]],
        *,
        stage: str,
        max_tokens: int,
        seed: int,
        temperature: float | None = None,
    ) -> str:
        """The teacher's text; a teacher error becomes a retryable ItemFailed."""
        settings = CallSettings(
            temperature=self.temperature if temperature is None else temperature,
            max_tokens=max_tokens,
            seed=seed % (2**31),
        )
        reply = await self.teacher.complete(messages, stage=stage, settings=settings)
        if reply.error:
            raise ItemFailed(stage, f"teacher error: {reply.error}", retryable=True)
        if not reply.text.strip():
            raise ItemFailed(stage, "teacher returned empty text")
        return reply.text


Variant = Callable[[Record], Record | None]


class Generator(Protocol):
    """One kind of principled data."""

    name: str
    """CLI name, e.g. advice."""
    record_kind: str
    """meta.kind of its records, e.g. advice, document."""
    prompt_version: str
    """Version of its prompt templates, recorded in every record."""

    def axes(
        self, constitution: Constitution, grid_file: str | Path | None
    ) -> dict[str, list[str]]:
        """The diversity grid's axes and values."""
        ...

    async def produce(self, item: WorkItem, ctx: GenerationContext) -> Record:
        """One record for one item; raise ItemFailed when the teacher's answer is unusable."""
        ...

    def summary(self, record: Record) -> str:
        """One line describing a record, shown to later brainstorm calls."""
        ...

    def variants(self, ctx_options: dict[str, Any]) -> dict[str, Variant]:
        """Derived datasets written next to the main file (name -> record transform)."""
        ...


GENERATORS: dict[str, Generator] = {}


def register_generator(generator: Generator) -> Generator:
    """Make a generator available to `generate_dataset` and `teachwhy generate`."""
    GENERATORS[generator.name] = generator
    return generator


def get_generator(name: str) -> Generator:
    import teachwhy.generate.kinds  # noqa: F401  (registers the shipped generators)

    try:
        return GENERATORS[name]
    except KeyError:
        raise TeachwhyError(
            f"no generator '{name}'; generators: {', '.join(sorted(GENERATORS))}"
        ) from None


def base_meta(item: WorkItem, generator: Generator, ctx: GenerationContext) -> dict[str, Any]:
    """The provenance every generated record carries."""
    return {
        "id": item.id,
        "kind": generator.record_kind,
        "grid": dict(item.cell),
        "teacher": ctx.teacher.name,
        "prompt_version": generator.prompt_version,
        "index": item.index,
    }
