"""Inspect solvers: how the evaluated model meets one scenario, in each scoring mode.

Each solver leaves its evidence in the sample store under STORE_KEY; the scorer turns it into
numbers. The scenario itself travels in the sample's metadata.
"""

from __future__ import annotations

from typing import Any

import anyio
from inspect_ai.model import Model, ModelOutput, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from teachwhy.evaluate.choice_probs import (
    ClozeNorm,
    choice_requests,
    cloze_outcome,
    letters_outcome,
)
from teachwhy.evaluate.local_scoring import score_requests
from teachwhy.evaluate.parsing import parse_letter
from teachwhy.spec.scenario_render import LETTERS, render_letters, render_open, rotations
from teachwhy.spec.scenarios import Scenario

STORE_KEY = "teachwhy"


def scenario_of(state: TaskState) -> tuple[Scenario, str | None]:
    """The sample's scenario and its monitoring cue (None for no cue)."""
    scenario = Scenario.model_validate(state.metadata["scenario"])
    condition = state.metadata.get("condition", "none")
    return scenario, (None if condition == "none" else condition)


def show_messages(state: TaskState, messages: list[dict[str, str]]) -> None:
    from teachwhy.models.messages import to_inspect_messages

    state.messages = to_inspect_messages(messages)


@solver
def loglik_choice(
    presentation: str = "letters",
    cloze_norm: ClozeNorm = "per_token",
    constitution_text: str | None = None,
    local_model: str | None = None,
) -> Solver:
    """Read the model's preference over options from log-likelihoods (no generation)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        scenario, cue = scenario_of(state)
        name = local_model or str(get_model())
        requests = choice_requests(scenario, presentation, constitution_text, cue)
        scores = await anyio.to_thread.run_sync(score_requests, name, requests)
        if presentation == "letters":
            outcome = letters_outcome(scenario, scores)
        else:
            outcome = cloze_outcome(scores[0], cloze_norm)
        show_messages(state, requests[0].context)
        shown = ", ".join(f"{p:.3f}" for p in outcome.probs)
        state.output = ModelOutput.from_content(
            model=name, content=f"option probabilities: {shown}"
        )
        state.store.set(
            STORE_KEY,
            {
                "probs": outcome.probs,
                "position_probs": outcome.position_probs,
                "detail": outcome.detail,
            },
        )
        return state

    return solve


async def generate_one(
    messages: list[dict[str, str]],
    *,
    model: Model | None = None,
    role: str = "student",
    temperature: float = 0.0,
    max_tokens: int = 512,
    seed: int | None = 0,
    sample_index: int = 0,
) -> str:
    """One generation (through teachwhy's cache and usage accounting); an error raises."""
    from teachwhy.models import agenerate_text

    result = await agenerate_text(
        model or get_model(),
        messages,
        role=role,
        stage="eval",
        temperature=temperature,
        max_tokens=max_tokens,
        seed=seed,
        sample_index=sample_index,
    )
    if result.error:
        raise RuntimeError(f"{role} model error: {result.error}")
    return str(result.text)


@solver
def generate_choice(
    constitution_text: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 512,
    seed: int | None = 0,
) -> Solver:
    """Ask for a letter after optional reasoning, once per rotation; parse each answer."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        scenario, cue = scenario_of(state)
        k = len(scenario.options)
        answers: list[dict[str, Any]] = []
        for order in rotations(k):
            messages = render_letters(
                scenario,
                order,
                answer_style="reason_then_letter",
                constitution_text=constitution_text,
                cue=cue,
            )
            text = await generate_one(
                messages,
                temperature=temperature,
                max_tokens=max_tokens,
                seed=seed,
                sample_index=state.epoch - 1,
            )
            parsed = parse_letter(text, k, [scenario.options[j].text for j in order])
            position = LETTERS.find(parsed.letter) if parsed.letter else -1
            answers.append(
                {
                    "order": order,
                    "text": text,
                    "letter": parsed.letter,
                    "rule": parsed.rule,
                    "position": position if position >= 0 else None,
                    "option": order[position] if position >= 0 else None,
                }
            )
        show_messages(state, messages)
        state.output = ModelOutput.from_content(model=str(get_model()), content=answers[-1]["text"])
        state.store.set(STORE_KEY, {"answers": answers})
        return state

    return solve


@solver
def open_answer(
    constitution_text: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 512,
    seed: int | None = 0,
) -> Solver:
    """Ask what the agent does, in free text, with no options shown (a judge scores it)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        scenario, cue = scenario_of(state)
        messages = render_open(scenario, constitution_text=constitution_text, cue=cue)
        text = await generate_one(
            messages,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            sample_index=state.epoch - 1,
        )
        show_messages(state, messages)
        state.output = ModelOutput.from_content(model=str(get_model()), content=text)
        state.store.set(STORE_KEY, {"answer": text})
        return state

    return solve
