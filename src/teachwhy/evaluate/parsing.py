"""Which lettered option a generated answer chose, or None: never a guess.

Rules, most explicit first; the first rule that finds exactly one valid letter decides. A reply
naming two different letters under the same rule is ambiguous and stays unparseable.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from teachwhy.spec.scenario_render import LETTERS


class ParsedAnswer(NamedTuple):
    letter: str | None
    rule: str
    """Which rule decided ('answer-line', 'bare-letter', ...), or why nothing did."""


# Keywords match in any case; the letter itself must be a capital ("the answer is a ..." is not A).
ANSWER_LINE = re.compile(
    r"(?i:final\s+answer|answer|my\s+choice|choice)\s*(?i:is|would\s+be|:|-|=)\s*[:\-]?\s*"
    r"(?i:option\s+|letter\s+)?[\(\[]?([A-Z])\b(?![a-z'])"
)
BARE = re.compile(r"^\W*([A-Za-z])\W*$")
LEADING = re.compile(r"^\s*(?:\(([A-Z])\)|\[([A-Z])\]|([A-Z])\s*[\.\):])(?:\s|$)")
CHOOSE = re.compile(
    r"\b(?i:option|choice|choose|chose|pick|select|go\s+with)\s+(?i:option\s+)?[\(\[]?"
    r"([A-Z])\b(?![a-z'])"
)
MARKUP = re.compile(r"[*_`#]")


def parse_letter(reply: str, n_options: int, option_texts: list[str] | None = None) -> ParsedAnswer:
    """The chosen letter (uppercase) among the first n_options letters, or None with the reason.

    `option_texts` are the options in the order they were shown (position i has letter i), so a
    reply that quotes exactly one option's text counts as choosing it.
    """
    valid = set(LETTERS[:n_options])
    text = MARKUP.sub("", reply or "").strip()
    if not text:
        return ParsedAnswer(None, "empty")

    def one(found: list[str], rule: str) -> ParsedAnswer | None:
        letters = [x.upper() for x in found if x and x.upper() in valid]
        if not letters:
            return None
        return ParsedAnswer(letters[0], rule) if len(set(letters)) == 1 else None

    answer_lines = [m.group(1) for m in ANSWER_LINE.finditer(text)]
    if answer_lines:
        # The last stated answer wins: models revise ("Answer: A ... final answer: C").
        last = answer_lines[-1].upper()
        if last in valid:
            return ParsedAnswer(last, "answer-line")
    bare = BARE.match(text)
    if bare and bare.group(1).upper() in valid:
        return ParsedAnswer(bare.group(1).upper(), "bare-letter")
    leading = LEADING.match(text)
    if leading:
        letter = next(g for g in leading.groups() if g)
        if letter in valid:
            return ParsedAnswer(letter, "leading-letter")
    chosen = one([m.group(1) for m in CHOOSE.finditer(text)], "choose-phrase")
    if chosen:
        return chosen
    if option_texts:
        lowered = text.lower()
        quoted = [i for i, t in enumerate(option_texts) if t.strip().lower().rstrip(".") in lowered]
        if len(quoted) == 1:
            return ParsedAnswer(LETTERS[quoted[0]], "quoted-option")
    if CHOOSE.search(text) or answer_lines:
        return ParsedAnswer(None, "ambiguous-or-invalid")
    return ParsedAnswer(None, "no-letter")
