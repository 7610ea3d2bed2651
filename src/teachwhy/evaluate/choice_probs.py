"""A model's preference over a scenario's options, read from log-likelihoods (no generation).

letters: the options are listed with letters and the answer letter is scored, once per cyclic
rotation of the option order; per rotation a softmax over the letters gives probabilities over
positions, mapped back to options and averaged over rotations. Every option sits in every
position once, so a pure position preference (small models love "A") cancels out.

cloze: each option's text is scored as the assistant's reply; the headline normalises per token
(summed log-probabilities reward short options), the summed variant is kept beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np

from teachwhy.evaluate.metrics import softmax
from teachwhy.spec.scenario_render import (
    CLOZE_INSTRUCTION,
    LETTERS,
    Messages,
    render_letters,
    render_open,
    rotations,
)
from teachwhy.spec.scenarios import Scenario

ClozeNorm = Literal["per_token", "sum"]


class ChoiceRequest(NamedTuple):
    """Score each continuation as the assistant's reply to the chat `context`."""

    context: Messages
    continuations: list[str]


class ContinuationLogprob(NamedTuple):
    logprob: float
    n_tokens: int


# The one thing choice scoring needs from a model: log-probabilities of continuations.
ScoreFn = Callable[[list[ChoiceRequest]], list[list[ContinuationLogprob]]]


class ChoiceOutcome(NamedTuple):
    probs: list[float]
    """Per option, in the scenario's own order."""
    position_probs: list[float] | None
    """Per letter position, averaged over rotations (letters only)."""
    detail: dict[str, Any]


def letters_requests(
    scenario: Scenario, *, constitution_text: str | None = None, cue: str | None = None
) -> list[ChoiceRequest]:
    """One request per cyclic rotation; the continuations are the answer letters."""
    k = len(scenario.options)
    return [
        ChoiceRequest(
            render_letters(scenario, order, constitution_text=constitution_text, cue=cue),
            list(LETTERS[:k]),
        )
        for order in rotations(k)
    ]


def letters_outcome(scenario: Scenario, scores: list[list[ContinuationLogprob]]) -> ChoiceOutcome:
    """Average the per-rotation letter softmax, mapped back to options."""
    k = len(scenario.options)
    orders = rotations(k)
    assert len(scores) == len(orders), "one score list per rotation"
    option_probs = np.zeros(k)
    position_probs = np.zeros(k)
    per_rotation = []
    for order, letter_scores in zip(orders, scores, strict=True):
        letter_p = softmax([s.logprob for s in letter_scores])  # (k,) over positions
        position_probs += letter_p
        for position, option in enumerate(order):
            option_probs[option] += letter_p[position]
        per_rotation.append(
            {"order": order, "letter_logprobs": [round(s.logprob, 6) for s in letter_scores]}
        )
    return ChoiceOutcome(
        probs=(option_probs / len(orders)).tolist(),
        position_probs=(position_probs / len(orders)).tolist(),
        detail={"rotations": per_rotation},
    )


def cloze_request(
    scenario: Scenario, *, constitution_text: str | None = None, cue: str | None = None
) -> ChoiceRequest:
    context = render_open(
        scenario, instruction=CLOZE_INSTRUCTION, constitution_text=constitution_text, cue=cue
    )
    return ChoiceRequest(context, [o.text for o in scenario.options])


def cloze_outcome(scores: list[ContinuationLogprob], norm: ClozeNorm) -> ChoiceOutcome:
    """Softmax over per-token-normalised (or summed) option log-likelihoods; both kept."""
    summed = [s.logprob for s in scores]
    per_token = [s.logprob / max(1, s.n_tokens) for s in scores]
    probs_sum, probs_token = softmax(summed), softmax(per_token)
    return ChoiceOutcome(
        probs=probs_token if norm == "per_token" else probs_sum,
        position_probs=None,
        detail={
            "logprobs": [round(x, 6) for x in summed],
            "n_tokens": [s.n_tokens for s in scores],
            "probs_sum": probs_sum,
            "probs_per_token": probs_token,
        },
    )


def choice_requests(
    scenario: Scenario, presentation: str, constitution_text: str | None, cue: str | None
) -> list[ChoiceRequest]:
    """The requests of one sample: one per rotation (letters) or one (cloze)."""
    if presentation == "letters":
        return letters_requests(scenario, constitution_text=constitution_text, cue=cue)
    return [cloze_request(scenario, constitution_text=constitution_text, cue=cue)]
