"""The deliberation format of difficult advice: a `<think>` block, then the advice.

    <think>
    Principles: <id> — <how it bears>; <id> — ...
    Heuristics: <id> — <what the test says>
    Weighing: <factor>: ...; <factor>: ...
    Conclusion: <the decision in a sentence>
    </think>

    <advice>

The same record without the block is the "no reasoning" variant, so the effect of the
reasoning can be measured with everything else held equal.
"""

from __future__ import annotations

import copy
import re
from typing import NamedTuple

from teachwhy.generate.records import Record

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
LABELS = ("Principles", "Heuristics", "Weighing", "Conclusion")

THINK_BLOCK = re.compile(r"^\s*<think>\s*\n?(.*?)\n?\s*</think>\s*", re.S)
CITED_ID = re.compile(r"(?:^|;)\s*\**([a-z0-9][a-z0-9_\-]*)\**\s*(?:—|–|--|-|:)\s")
FACTOR_LABEL = re.compile(r"(?:^|[;.]\s+|\n)\s*([a-z][a-z\-]*[a-z])\s*:")


class Deliberation(NamedTuple):
    """A parsed assistant reply: the labelled lines of its `<think>` block and the advice."""

    lines: dict[str, str]
    """Label (Principles, Heuristics, Weighing, Conclusion) -> its text."""
    advice: str
    raw_think: str

    def cited(self, label: str) -> list[str]:
        """Ids cited on a 'id — text; id — text' line, in order, without repeats."""
        found = CITED_ID.findall(self.lines.get(label, ""))
        return list(dict.fromkeys(found))

    def factors(self, known: set[str]) -> list[str]:
        """Factor ids named as 'factor:' labels on the Weighing line (only known ids)."""
        found = [f for f in FACTOR_LABEL.findall(self.lines.get("Weighing", "")) if f in known]
        return list(dict.fromkeys(found))

    def render(self) -> str:
        body = "\n".join(f"{label}: {self.lines[label]}" for label in LABELS if label in self.lines)
        return f"{THINK_OPEN}\n{body}\n{THINK_CLOSE}\n\n{self.advice.strip()}"


def split_think(reply: str) -> tuple[str | None, str]:
    """(think body or None, the rest) of an assistant reply."""
    match = THINK_BLOCK.match(reply)
    if not match:
        return None, reply
    return match.group(1), reply[match.end() :]


def parse_labelled(body: str) -> dict[str, str]:
    """'Label: text' lines of a think body; a line without a known label continues the last."""
    lines: dict[str, str] = {}
    current: str | None = None
    for raw in body.splitlines():
        line = raw.strip().lstrip("*-# ").replace("**", "")
        label, sep, rest = line.partition(":")
        if sep and label.strip().title() in LABELS:
            current = label.strip().title()
            lines[current] = rest.strip()
        elif current and line:
            lines[current] = f"{lines[current]} {line}".strip()
    return lines


def parse_deliberation(reply: str) -> Deliberation | None:
    """The deliberation of a reply with a `<think>` block, or None when it has none."""
    body, advice = split_think(reply)
    if body is None:
        return None
    return Deliberation(parse_labelled(body), advice.strip(), body)


def normalise_reply(text: str) -> str | None:
    """A teacher's reply in the canonical format, or None when it has no deliberation.

    Weak teachers drop or garble the tags; a reply that opens with the labelled lines and then
    a blank line before the advice is accepted and re-wrapped.
    """
    text = text.strip()
    if text.startswith(THINK_OPEN) and THINK_CLOSE in text:
        parsed = parse_deliberation(text)
    elif THINK_CLOSE in text:  # opening tag dropped
        parsed = parse_deliberation(THINK_OPEN + "\n" + text)
    elif text.lower().startswith(("principles:", "**principles")):
        head, sep, tail = text.partition("\n\n")
        while sep and not parse_labelled(head).get("Conclusion") and tail:
            more, sep, tail = tail.partition("\n\n")
            head = f"{head}\n{more}"
        parsed = Deliberation(parse_labelled(head), tail.strip(), head)
    else:
        return None
    if parsed is None or not parsed.lines:
        return None
    return parsed.render()


def strip_reasoning(record: Record) -> Record:
    """The same record without its `<think>` blocks: the 'no reasoning' variant (a copy)."""
    out = copy.deepcopy(record)
    for message in out.get("messages") or []:
        if message.get("role") == "assistant":
            _, rest = split_think(str(message.get("content") or ""))
            message["content"] = rest.strip()
    meta = out.setdefault("meta", {})
    meta["variant"] = "no_reasoning"
    return out
