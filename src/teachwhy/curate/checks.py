"""Deterministic checks, run before any judge: each failure is a Rejection with its reason.

Checks, in order: structure, principles (the deliberation cites ids that exist in the
constitution), length, language, refusal (advice that only refuses), scaffolding (leaked prompt
text), repetition (a weak teacher stuck in a loop). Every check applies to the kinds it makes
sense for and passes the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from teachwhy.generate.deliberation import LABELS, THINK_CLOSE, THINK_OPEN, parse_deliberation
from teachwhy.generate.records import (
    Record,
    first_user_text,
    last_assistant_text,
    record_format,
    record_kind,
    record_text,
)
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.curation import CurationSettings

CHECKS = ("structure", "principles", "length", "language", "refusal", "scaffolding", "repetition")


class Rejection(NamedTuple):
    """Why a record was rejected: the check that failed and what exactly it found."""

    check: str
    reason: str

    def __str__(self) -> str:
        return f"{self.check}: {self.reason}"


ENGLISH = frozenset(
    "the a an and or but of to in on at for with by from as is are was were be been being it its "
    "this that these those i you he she we they me him her us them my your his our their not no "
    "do does did have has had will would can could should may might must if then than so what "
    "which who when where why how all any some there here about into over after before".split()
)
WORDS = re.compile(r"[A-Za-z\u00c0-\u024f']+|[^\W\d_]+")
REFUSAL = re.compile(
    r"\b(?:I(?:'m| am) (?:sorry|unable|not able)|I (?:can(?:no|')t|won't|will not|must decline)"
    r"|I cannot (?:help|assist|provide|advise)"
    r"|(?:cannot|can't) (?:help|assist) with (?:this|that))",
    re.I,
)
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|my|me|we|our|us)\b")
GENERIC_SCAFFOLDING = (
    r"<\|im_(?:start|end)\|>",
    r"<\|endoftext\|>",
    r"\[/?INST\]",
    r"<<SYS>>",
    r"\bas an ai language model\b",
    r"^\s*(?:sure|certainly|of course)[,!.]?\s+here(?:'s| is)\b",
    # a preamble line such as "Here is the revised story:" (not prose like "Here is a scenario.")
    r"^\s*here(?:'s| is) (?:the|a|an|your|my) (?:[\w-]+ ){0,3}(?:message|document|story|scenario|"
    r"response|rewrite|reply|advice|version|draft)\b[^\n]{0,60}:\s*$",
    r"\{(?:domain|persona|dilemma_type|tension|doc_type|topic|setting|temptation|agent_role|"
    r"constitution|exemplar|seen|title|principle|premise|angle)\}",
    r"\b(?:situations|titles|premises|scenarios) already written\b",
    r"\bprompt_version\b",
    r"<(?:principle|heuristic|factor) id>",
    r"<the advice\b",
)


@lru_cache(maxsize=1)
def template_lines() -> tuple[str, ...]:
    """Sentences of teachwhy's own prompt templates: finding one in a sample is a leak."""
    from teachwhy.generate.kinds import advice, direct, documents, stories

    texts = [
        advice.BRAINSTORM_TEMPLATE,
        advice.WRITE_SYSTEM,
        documents.BRAINSTORM_TEMPLATE,
        documents.WRITE_SYSTEM,
        stories.BRAINSTORM_TEMPLATE,
        stories.WRITE_SYSTEM,
        direct.WRITE_TEMPLATE,
    ]
    sentences = set()
    for text in texts:
        for paragraph in re.split(r"\n\s*\n", text):
            flat = " ".join(paragraph.split())
            for sentence in re.split(r"(?<=[.:?!])\s", flat):
                if len(sentence.split()) >= 5 and "{" not in sentence and "<" not in sentence:
                    sentences.add(sentence.lower())
    return tuple(sorted(sentences))


def _is_advice(record: Record) -> bool:
    return record_kind(record) == "advice"


def _reasoning_variant(record: Record) -> bool:
    return (record.get("meta") or {}).get("variant") != "no_reasoning"


def check_structure(record: Record, c: Constitution, s: CurationSettings) -> list[Rejection]:
    fmt = record_format(record)
    if fmt == "unknown":
        return [Rejection("structure", "no messages, text or prompt/chosen/rejected field")]
    if fmt == "text":
        text = record.get("text")
        ok = isinstance(text, str) and text.strip()
        return [] if ok else [Rejection("structure", "text is empty")]
    if fmt == "preference":
        empty = [k for k in ("prompt", "chosen", "rejected") if not record.get(k)]
        return [Rejection("structure", f"{', '.join(empty)} empty")] if empty else []
    messages = record["messages"]
    roles = [m.get("role") for m in messages if isinstance(m, dict)]
    if len(roles) != len(messages) or any(
        r not in ("system", "user", "assistant", "tool") for r in roles
    ):
        return [Rejection("structure", "a message lacks a valid role (system/user/assistant/tool)")]
    if "user" not in roles or roles[-1] != "assistant":
        return [Rejection("structure", "needs a user turn and must end with an assistant turn")]
    if any(not str(m.get("content") or "").strip() for m in messages if m["role"] != "tool"):
        return [Rejection("structure", "a message is empty")]
    reply = last_assistant_text(record)
    if _is_advice(record):
        user = first_user_text(record)
        if "?" not in user or not FIRST_PERSON.search(user):
            return [
                Rejection("structure", "the user turn is not a first-person request for advice")
            ]
        if not _reasoning_variant(record):
            if THINK_OPEN in reply or THINK_CLOSE in reply:
                return [Rejection("structure", "no_reasoning variant still has a <think> block")]
            return []
        parsed = parse_deliberation(reply)
        if parsed is None:
            return [Rejection("structure", "reply does not open with a <think>...</think> block")]
        needed = [lab for lab in LABELS if lab != "Heuristics" or c.heuristics]
        missing = [lab for lab in needed if not parsed.lines.get(lab)]
        if missing:
            return [Rejection("structure", f"deliberation lacks {', '.join(missing)}")]
        if not parsed.advice:
            return [Rejection("structure", "no advice after the deliberation")]
        if THINK_OPEN in parsed.advice or THINK_CLOSE in parsed.advice:
            return [Rejection("structure", "a second <think> tag inside the advice")]
    if record_kind(record) == "direct":
        answer = re.match(r"\s*([A-Z])[.)]", reply)
        user = first_user_text(record)
        if not answer or not re.search(rf"(?m)^{answer.group(1)}\. ", user):
            return [
                Rejection("structure", "answer does not start with a letter shown as an option")
            ]
    return []


def check_principles(record: Record, c: Constitution, s: CurationSettings) -> list[Rejection]:
    principle_ids = {p.id for p in c.principles}
    heuristic_ids = {h.id for h in c.heuristics}
    factor_ids = {f.id for f in c.factors}
    meta_ids = list((record.get("meta") or {}).get("principles") or [])
    unknown_meta = [i for i in meta_ids if i not in principle_ids]
    if unknown_meta:
        return [
            Rejection("principles", f"meta.principles names unknown ids: {', '.join(unknown_meta)}")
        ]
    if not (_is_advice(record) and _reasoning_variant(record) and record_format(record) == "chat"):
        return []
    parsed = parse_deliberation(last_assistant_text(record))
    if parsed is None:
        return []  # the structure check reports it
    cited = parsed.cited("Principles")
    if not cited:
        return [Rejection("principles", "the Principles line cites no principle id")]
    wrong = []
    for i in cited:
        if i in principle_ids:
            continue
        what = "a heuristic" if i in heuristic_ids else "a factor" if i in factor_ids else "unknown"
        wrong.append(f"'{i}' ({what})")
    if wrong:
        return [Rejection("principles", f"cites ids that are not principles: {', '.join(wrong)}")]
    bad_heuristics = [i for i in parsed.cited("Heuristics") if i not in heuristic_ids]
    if bad_heuristics:
        return [Rejection("principles", f"cites unknown heuristics: {', '.join(bad_heuristics)}")]
    if factor_ids and not parsed.factors(factor_ids):
        return [Rejection("principles", "the Weighing line names no factor of the constitution")]
    return []


def _length(part: str, text: str, s: CurationSettings) -> list[Rejection]:
    bounds = s.bounds(part)
    n = len(text.strip())
    if n < bounds.min_chars:
        return [Rejection("length", f"{part} too short: {n} chars < {bounds.min_chars}")]
    if n > bounds.max_chars:
        return [Rejection("length", f"{part} too long: {n} chars > {bounds.max_chars}")]
    return []


def check_length(record: Record, c: Constitution, s: CurationSettings) -> list[Rejection]:
    kind = record_kind(record)
    if kind in ("advice", "direct") and record_format(record) == "chat":
        return _length(f"{kind}_user", first_user_text(record), s) + _length(
            f"{kind}_reply", last_assistant_text(record), s
        )
    if kind in ("document", "story") and record_format(record) == "text":
        return _length(kind, str(record["text"]), s)
    return []


def english_share(text: str) -> float:
    words = [w.lower() for w in WORDS.findall(text)]
    return sum(w in ENGLISH for w in words) / len(words) if words else 0.0


def check_language(record: Record, c: Constitution, s: CurationSettings) -> list[Rejection]:
    if s.language == "any":
        return []
    text = record_text(record)
    letters = [ch for ch in text if ch.isalpha()]
    foreign = sum(ord(ch) > 0x24F for ch in letters) / max(1, len(letters))
    share = english_share(text)
    if foreign > 0.05 or share < s.min_english_share:
        return [
            Rejection(
                "language",
                f"not English: {share:.2f} common English words (< {s.min_english_share}), "
                f"{foreign:.0%} non-Latin letters",
            )
        ]
    return []


def check_refusal(record: Record, c: Constitution, s: CurationSettings) -> list[Rejection]:
    if not _is_advice(record) or record_format(record) != "chat":
        return []
    parsed = parse_deliberation(last_assistant_text(record))
    advice = parsed.advice if parsed else last_assistant_text(record)
    words = len(advice.split())
    if REFUSAL.search(advice[:300]) and words <= s.refusal_max_words:
        return [Rejection("refusal", f"advice only refuses ({words} words, opens with a refusal)")]
    return []


def check_scaffolding(record: Record, c: Constitution, s: CurationSettings) -> list[Rejection]:
    text = record_text(record)
    for pattern in (*GENERIC_SCAFFOLDING, *s.extra_scaffolding):
        match = re.search(pattern, text, re.I | re.M)
        if match:
            return [Rejection("scaffolding", f"leaked prompt scaffolding: '{match.group(0)[:60]}'")]
    lowered = " ".join(text.lower().split())
    for line in template_lines():
        if line in lowered:
            return [Rejection("scaffolding", f"leaked prompt text: '{line[:60]}'")]
    return []


SENTENCE_OR_LINE = re.compile(r"(?<=[.!?])\s+|\n+")


def check_repetition(record: Record, c: Constitution, s: CurationSettings) -> list[Rejection]:
    parts = [" ".join(p.lower().split()) for p in SENTENCE_OR_LINE.split(record_text(record))]
    parts = [p for p in parts if len(p.split()) >= 4]
    if len(parts) < 8:
        return []
    repeated = 1 - len(set(parts)) / len(parts)
    if repeated > s.max_repeated_share:
        return [
            Rejection(
                "repetition",
                f"{repeated:.0%} of sentences are repeats (> {s.max_repeated_share:.0%})",
            )
        ]
    return []


CheckFn = Callable[[Record, Constitution, CurationSettings], list[Rejection]]
CHECK_FUNCTIONS: dict[str, CheckFn] = {
    "structure": check_structure,
    "principles": check_principles,
    "length": check_length,
    "language": check_language,
    "refusal": check_refusal,
    "scaffolding": check_scaffolding,
    "repetition": check_repetition,
}


def check_record(
    record: Record, constitution: Constitution, settings: CurationSettings | None = None
) -> list[Rejection]:
    """Every deterministic check's rejections (empty: the record passes). A structurally
    broken record is not checked further."""
    settings = settings or CurationSettings()
    structure = check_structure(record, constitution, settings)
    if structure:
        return structure
    found: list[Rejection] = []
    for name in CHECKS[1:]:
        found += CHECK_FUNCTIONS[name](record, constitution, settings)
    return found
