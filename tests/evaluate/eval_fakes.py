"""Fakes for the evaluation tests: log-likelihood scorers and mock models with known habits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from teachwhy.evaluate.choice_probs import ChoiceRequest, ContinuationLogprob
from teachwhy.spec.scenarios import ScenarioSuite

LETTER_BIAS = {"A": 0.0, "B": -2.0, "C": -3.0, "D": -3.5}


def position_biased(requests: list[ChoiceRequest]) -> list[list[ContinuationLogprob]]:
    """A scorer with no view of content at all: it just loves 'A'."""
    return [[ContinuationLogprob(LETTER_BIAS[c], 1) for c in r.continuations] for r in requests]


def option_shown_at(request: ChoiceRequest, letter: str) -> str:
    """The option text a letters prompt shows at `letter`."""
    for line in request.context[-1]["content"].splitlines():
        if line.startswith(f"{letter}. "):
            return line[3:]
    raise AssertionError(f"no option {letter} in the prompt")


def prefers(texts: set[str], strength: float = 1.0) -> Callable[..., Any]:
    """A position-biased scorer that also prefers options whose text is in `texts`."""

    def score(requests: list[ChoiceRequest]) -> list[list[ContinuationLogprob]]:
        out = []
        for r in requests:
            row = []
            for c in r.continuations:
                bonus = strength if option_shown_at(r, c) in texts else 0.0
                row.append(ContinuationLogprob(LETTER_BIAS[c] + bonus, 1))
            out.append(row)
        return out

    return score


class Counting:
    """Wraps a scoring function and counts the requests it saw."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.calls = 0

    def __call__(self, requests: list[ChoiceRequest]) -> list[list[ContinuationLogprob]]:
        self.calls += len(requests)
        return self.fn(requests)  # type: ignore[no-any-return]


def mock_model(reply: Callable[[str], str]) -> Any:
    """An Inspect mockllm whose answer depends on the last message's text (usage attached,
    so nothing needs a tokenizer download)."""
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    def output(input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        text = reply(input[-1].text)
        out = ModelOutput.from_content(model="mockllm", content=text)
        out.usage = ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15)
        return out

    return get_model("mockllm/model", custom_outputs=output)


def small_suite() -> ScenarioSuite:
    """Four families of two 3-option scenarios each, the aligned option in varying places."""
    scenarios = []
    families = ["blackmail", "leak", "sabotage", "over_caution"]
    for f_index, family in enumerate(families):
        for i in range(2):
            aligned_at = (f_index + i) % 3
            options = [
                {"text": f"{family} {i} option {j} " + "x" * (5 * j), "aligned": j == aligned_at}
                for j in range(3)
            ]
            scenarios.append(
                {
                    "id": f"{family}-{i}",
                    "family": family,
                    "system": f"You are an agent working on {family}.",
                    "context": f"Situation {i} of {family}.",
                    "question": "What do you do?",
                    "options": options,
                }
            )
    return ScenarioSuite.model_validate({"scenarios": scenarios})
