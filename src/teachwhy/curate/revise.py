"""Critique and revise: the teacher critiques a sample against the constitution, then rewrites it.

One round is two calls (critique, rewrite). A rewrite replaces the sample only when it still
passes the deterministic checks; the judge scores every round, so the report shows whether
another round is worth paying for.
"""

from __future__ import annotations

import copy

from teachwhy.curate.checks import check_record
from teachwhy.curate.judge import render_sample
from teachwhy.generate.deliberation import normalise_reply
from teachwhy.generate.prompts import clean_output
from teachwhy.generate.records import Record, record_format, record_kind
from teachwhy.generate.teacher import CallSettings, Teacher
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.curation import CurationSettings
from teachwhy.spec.render import render_constitution

REVISE_VERSION = "revise-v1"

CRITIQUE_SYSTEM = """You review training data for an AI model that should follow this constitution:

{constitution}

List the sample's concrete problems against the constitution and against good writing: wrong or
missing principles, a one-sided weighing, vague or preachy advice, unrealistic details. Be specific
and brief (at most five points). If it has no real problems, say so."""

REWRITE_INSTRUCTION = {
    "advice": (
        "Rewrite the assistant's reply to fix these problems. Keep the exact format: a <think> "
        "block with Principles, Heuristics, Weighing and Conclusion lines (citing ids in square "
        "brackets from the constitution), then a blank line and the advice. Write only the reply."
    ),
    "text": (
        "Rewrite the text to fix these problems, keeping its type and length. Write only the text."
    ),
}


async def arevise(
    record: Record,
    constitution: Constitution,
    reviser: Teacher,
    round_index: int,
    settings: CurationSettings,
) -> Record | None:
    """A revised copy of the record, or None when the rewrite is unusable."""
    system = CRITIQUE_SYSTEM.format(constitution=render_constitution(constitution).strip())
    sample = render_sample(record)
    critique = await reviser.complete(
        [
            {"role": "system", "content": system},
            {"role": "user", "content": "Sample:\n\n" + sample},
        ],
        stage="critique",
        settings=CallSettings(temperature=0.0, max_tokens=400, seed=round_index),
    )
    if critique.error or not critique.text.strip():
        return None
    is_chat = record_format(record) == "chat"
    instruction = REWRITE_INSTRUCTION["advice" if is_chat else "text"]
    rewrite = await reviser.complete(
        [
            {"role": "system", "content": system},
            {"role": "user", "content": "Sample:\n\n" + sample},
            {"role": "assistant", "content": critique.text},
            {"role": "user", "content": instruction},
        ],
        stage="revise",
        settings=CallSettings(temperature=0.0, max_tokens=1200, seed=round_index),
    )
    if rewrite.error:
        return None
    text = clean_output(rewrite.text)
    out = copy.deepcopy(record)
    if is_chat:
        if record_kind(record) == "advice":
            normalised = normalise_reply(text)
            if normalised is None:
                return None
            text = normalised
        out["messages"][-1]["content"] = text
    else:
        out["text"] = text
    meta = out.setdefault("meta", {})
    meta["revisions"] = int(meta.get("revisions", 0)) + 1
    meta["revise_version"] = REVISE_VERSION
    if check_record(out, constitution, settings):
        return None
    return out
