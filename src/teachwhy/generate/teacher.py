"""The teacher: whatever writes the data. A model by default; anything with `complete` in tests.

Every model call goes through `teachwhy.models` (one response cache, one usage ledger), so a
rerun of the same generation command makes no repeated calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from teachwhy.models.usage import UsageLedger


@dataclass(frozen=True)
class TeacherReply:
    """A teacher's text, or the error that kept it from answering."""

    text: str
    error: str | None = None
    cached: bool = False
    stop_reason: str | None = None


@dataclass(frozen=True)
class CallSettings:
    """Generation settings of one call (they enter the response-cache key)."""

    temperature: float = 0.8
    max_tokens: int = 900
    seed: int | None = None


class Teacher(Protocol):
    """Writes one reply to chat messages; errors are returned, never raised."""

    name: str

    async def complete(
        self, messages: list[dict[str, Any]], *, stage: str, settings: CallSettings
    ) -> TeacherReply: ...


class ModelTeacher:
    """A teacher backed by any model name teachwhy resolves (None: the embedded default)."""

    def __init__(
        self,
        model: str | None = None,
        *,
        role: str = "teacher",
        ledger: UsageLedger | None = None,
        cache: bool = True,
        retries: int | None = None,
    ) -> None:
        from teachwhy.models.names import resolve_model_name

        self.name = resolve_model_name(model)
        self.role = role
        self.ledger = ledger
        self.cache = cache
        self.retries = retries

    async def complete(
        self, messages: list[dict[str, Any]], *, stage: str, settings: CallSettings
    ) -> TeacherReply:
        from teachwhy.models.generation import agenerate_text

        result = await agenerate_text(
            self.name,
            messages,
            role=self.role,
            stage=stage,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            seed=settings.seed,
            cache=self.cache,
            ledger=self.ledger,
            retries=self.retries,
        )
        return TeacherReply(result.text, result.error, result.cached, result.stop_reason)


def as_teacher(teacher: Teacher | str | None, role: str = "teacher") -> Teacher:
    """A Teacher from a model name (None: the embedded default) or an existing Teacher."""
    if teacher is None or isinstance(teacher, str):
        return ModelTeacher(teacher, role=role)
    return teacher
