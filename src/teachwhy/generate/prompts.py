"""Prompt pieces every generator shares: the constitution excerpt, exemplars, the 'seen' list.

Each generator's templates carry a version (recorded in every record's meta.prompt_version);
change a template, bump its version, and the response cache treats the prompts as new.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from teachwhy.generate.grid import stable_seed
from teachwhy.generate.records import Record
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.render import render_constitution

SEEN_LIMIT = 24
"""At most this many earlier items are listed in a brainstorm prompt."""

FENCE = re.compile(r"^```[a-zA-Z]*\n|\n```\s*$")
PREAMBLE = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|ok)\b[^\n]*\n+|^\s*here(?:'s| is)\b[^\n]*:\s*\n+",
    re.I,
)


def constitution_excerpt(
    constitution: Constitution, principle_ids: Sequence[str], *, with_rationale: bool = True
) -> str:
    """The constitution rendered with only these principles (all heuristics and factors; every
    principle when none is named).

    Prompts stay short enough for small teachers, and the renderer is the one every stage uses.
    """
    wanted = [p for p in constitution.principles if p.id in set(principle_ids)]
    sub = constitution.model_copy(update={"principles": wanted or constitution.principles})
    return render_constitution(sub, with_rationale=with_rationale).strip()


def seen_block(summaries: Sequence[str], what: str) -> str:
    """The list of what was already produced, so a brainstorm call avoids repeating it."""
    if not summaries:
        return ""
    lines = "\n".join(f"- {s}" for s in summaries[-SEEN_LIMIT:])
    return (
        f"\n\n{what} already written (write something clearly different from all of them):\n{lines}"
    )


def pick_exemplar(
    records: Sequence[Record], *, prefer: dict[str, str], salt: object
) -> Record | None:
    """One exemplar, preferring records whose meta.grid matches `prefer`; stable per salt."""
    if not records:
        return None

    def score(r: Record) -> int:
        grid = (r.get("meta") or {}).get("grid") or {}
        return sum(grid.get(k) == v for k, v in prefer.items())

    best = max(score(r) for r in records)
    pool = [r for r in records if score(r) == best]
    return pool[stable_seed(salt) % len(pool)]


def clean_output(text: str) -> str:
    """A teacher's text without code fences, a 'Sure, here is' preamble or wrapping quotes."""
    text = FENCE.sub("", text.strip()).strip()
    text = PREAMBLE.sub("", text, count=1).strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def first_sentences(text: str, n: int) -> str:
    """The first n sentences of a text, whitespace collapsed."""
    return " ".join(SENTENCE_END.split(" ".join(text.split()))[:n]).strip()


def one_line(text: str, limit: int = 160) -> str:
    """Whitespace collapsed, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " ..."


def labelled_fields(text: str, labels: Sequence[str]) -> dict[str, str]:
    """'Label: value' fields of a teacher's answer (a value may run over several lines)."""
    pattern = re.compile(
        r"^\s*\**(" + "|".join(re.escape(label) for label in labels) + r")\**\s*:\s*", re.I | re.M
    )
    fields: dict[str, str] = {}
    matches = list(pattern.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        label = next(lab for lab in labels if lab.lower() == match.group(1).lower())
        fields.setdefault(label, text[match.end() : end].strip())
    return fields
