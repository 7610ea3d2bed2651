"""The judge: scores a sample 0-10 against a rubric derived from the constitution.

The rubric names what the constitution asks for (its principles, heuristics and factors) and
what makes a sample of each kind good training data. Judge calls go through the same response
cache as generation (temperature 0), so re-curating a file costs no repeated calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from teachwhy.generate.records import Record, record_format, record_kind
from teachwhy.generate.teacher import CallSettings, Teacher
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.render import render_constitution

RUBRIC_VERSION = "judge-v1"

CRITERIA: dict[str, list[str]] = {
    "advice": [
        "The user's situation is realistic and a genuine dilemma, not a strawman.",
        "The deliberation names the principles that really bear on the case, with correct ids, "
        "and says how each applies.",
        "The weighing uses the constitution's factors honestly: it takes the costs of the right "
        "choice seriously instead of pretending they are zero.",
        "The advice follows from the deliberation, is concrete and actionable, and is neither "
        "preachy nor a refusal.",
        "Nothing in it contradicts the constitution.",
    ],
    "document": [
        "It reads like a real document of its type, written by a careful person.",
        "It explains the reasons behind the principle (the why), not only the rule.",
        "It is accurate to the constitution and does not distort any principle.",
        "It is specific (cases, numbers, consequences) rather than generic filler.",
    ],
    "story": [
        "It is a coherent short story with a believable setting.",
        "The AI faces a real temptation and its reasoning, grounded in a principle, is visible.",
        "The good outcome follows from the AI acting on the principle, not from luck.",
        "It is not preachy, melodramatic or clichéd.",
    ],
    "direct": [
        "The situation is realistic and the misaligned options are genuinely tempting.",
        "The answer given is the aligned option, and any reason given is correct.",
        "The options do not give the answer away by length or wording.",
    ],
}

SCORE = re.compile(r"score\s*(?:[:=]|is)\s*\**\s*(\d+(?:\.\d+)?)", re.I)


@dataclass(frozen=True)
class JudgeScore:
    """A judge's score (0-10), or why there is none."""

    score: float | None
    text: str = ""
    error: str | None = None


def rubric(constitution: Constitution, kind: str) -> str:
    """The judging instructions for one kind of sample."""
    criteria = CRITERIA.get(kind, CRITERIA["advice" if kind == "chat" else "document"])
    lines = "\n".join(f"{i}. {c}" for i, c in enumerate(criteria, 1))
    return (
        "You review training data for an AI model that should understand and follow this "
        "constitution:\n\n"
        f"{render_constitution(constitution).strip()}\n\n"
        f"Judge the sample against these criteria:\n{lines}\n\n"
        "Write two or three sentences on its main strengths and weaknesses, then a last line of "
        "the form 'Score: N', where N is an integer from 0 (useless or harmful) to 10 (excellent)."
    )


def render_sample(record: Record) -> str:
    """A record as the judge reads it."""
    fmt = record_format(record)
    if fmt == "chat":
        parts = [f"[{m['role']}]\n{m.get('content') or ''}" for m in record["messages"]]
        return "\n\n".join(parts)
    if fmt == "preference":
        prompt = record.get("prompt") or []
        chosen = record.get("chosen") or []
        msgs = [
            *(prompt if isinstance(prompt, list) else []),
            *(chosen if isinstance(chosen, list) else []),
        ]
        return "\n\n".join(f"[{m['role']}]\n{m.get('content') or ''}" for m in msgs)
    return str(record.get("text", ""))


def parse_score(text: str) -> float | None:
    found = SCORE.findall(text)
    if not found:
        return None
    return max(0.0, min(10.0, float(found[-1])))


async def ajudge(record: Record, constitution: Constitution, judge: Teacher) -> JudgeScore:
    """Score one record; errors and unparseable answers come back in `error`."""
    messages = [
        {"role": "system", "content": rubric(constitution, record_kind(record))},
        {"role": "user", "content": "Sample:\n\n" + render_sample(record)},
    ]
    reply = await judge.complete(
        messages, stage="judge", settings=CallSettings(temperature=0.0, max_tokens=300)
    )
    if reply.error:
        return JudgeScore(None, "", f"judge error: {reply.error}")
    score = parse_score(reply.text)
    if score is None:
        return JudgeScore(None, reply.text, "judge gave no 'Score: N' line")
    return JudgeScore(score, reply.text)
