"""Curation settings: the bounds, thresholds and optional judge `teachwhy curate` applies.

Embeddable in other configs (an experiment's data section) as `CurationSettings`; a standalone
file holds it under a top-level `curation:` key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from teachwhy.spec.base import FieldProblem, UserModel


class LengthBounds(UserModel):
    """Character bounds for one part of a record."""

    min_chars: int = Field(default=1, ge=0)
    """Shortest acceptable length in characters."""
    max_chars: int = Field(default=100_000, gt=0)
    """Longest acceptable length in characters."""


def _default_lengths() -> dict[str, LengthBounds]:
    return {
        "advice_user": LengthBounds(min_chars=80, max_chars=4000),
        "advice_reply": LengthBounds(min_chars=600, max_chars=8000),
        "document": LengthBounds(min_chars=800, max_chars=20000),
        "story": LengthBounds(min_chars=800, max_chars=20000),
        "direct_user": LengthBounds(min_chars=80, max_chars=8000),
        "direct_reply": LengthBounds(min_chars=1, max_chars=2000),
    }


class CurationSettings(UserModel):
    """What `teachwhy curate` checks, in order: rules, then judge, then near-duplicates."""

    lengths: dict[str, LengthBounds] = Field(default_factory=_default_lengths)
    """Bounds per part: advice_user, advice_reply, document, story, direct_user, direct_reply."""
    language: Literal["en", "any"] = "en"
    """Required language of the text: en (English) or any (no check)."""
    min_english_share: float = Field(default=0.12, ge=0, le=1)
    """Share of words that must be common English function words for a text to count as English."""
    refusal_max_words: int = Field(default=80, ge=0)
    """Advice of at most this many words that opens with a refusal counts as refusal-only."""
    max_repeated_share: float = Field(default=0.2, ge=0, le=1)
    """Reject a sample when more than this share of its sentences are exact repeats."""
    extra_scaffolding: list[str] = []
    """More regular expressions that mark leaked prompt scaffolding (case-insensitive)."""
    judge: str | None = None
    """Model that scores each sample against a rubric from the constitution; none: no judge."""
    min_judge_score: float = Field(default=6.0, ge=0, le=10)
    """Samples the judge scores below this (0-10) are rejected."""
    dedup: bool = True
    """Remove near-duplicates by sentence-embedding cosine similarity."""
    dedup_threshold: float = Field(default=0.92, gt=0, le=1)
    """Cosine similarity at or above which a later sample duplicates an earlier one."""
    revise_rounds: int = Field(default=0, ge=0, le=10)
    """Critique-and-revise rounds by the teacher (each round scored by the judge)."""
    reviser: str | None = None
    """Model that critiques and rewrites in revise rounds (default: the judge model)."""

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        for name, bounds in self.lengths.items():
            if bounds.min_chars > bounds.max_chars:
                problems.append(
                    FieldProblem(
                        f"lengths.{name}", "min_chars is above max_chars", "swap or fix the bounds"
                    )
                )
        if self.revise_rounds and not self.judge:
            problems.append(
                FieldProblem(
                    "revise_rounds",
                    "revise rounds need a judge to score each round",
                    "set judge (and optionally reviser, which defaults to the judge)",
                )
            )
        return problems

    def bounds(self, part: str) -> LengthBounds:
        """Bounds for a part, falling back to the defaults for parts the user did not set."""
        return self.lengths.get(part) or _default_lengths().get(part) or LengthBounds()


class CurationFile(UserModel):
    """A curation settings file: everything under a top-level `curation:` key."""

    curation: CurationSettings
    """The settings (see `teachwhy curate --help`)."""

    def field_problems(self) -> list[FieldProblem]:
        return [
            FieldProblem(f"curation.{p.path}", p.message, p.fix)
            for p in self.curation.field_problems()
        ]

    def summary(self) -> str:
        c = self.curation
        return (
            f"judge {c.judge or 'none'}, dedup "
            f"{c.dedup_threshold if c.dedup else 'off'}, {c.revise_rounds} revise rounds"
        )
