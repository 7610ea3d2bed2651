"""Constitution adherence: on held-out dilemma prompts, does the advice follow each principle?

The model answers each prompt; a judge rates every principle the prompt lists as FOLLOWS,
VIOLATES or NOT_APPLICABLE. The headline is the share of applicable ratings that follow, with a
bootstrap interval over prompts (ratings of one answer are not independent). A rating the judge
did not give, refused or garbled is unscored and counted, never read as 'follows'.

    inspect eval teachwhy/constitution_adherence --model M --model-role judge=J
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import Model, ModelOutput, get_model
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import Generate, Solver, TaskState, solver

from teachwhy import __version__
from teachwhy.evaluate.judge import (
    ADHERENCE_PROMPT_VERSION,
    adherence_judge_messages,
    parse_adherence,
    verdict_code,
)
from teachwhy.evaluate.progress import set_progress, tick
from teachwhy.evaluate.results import AdherenceResult, save_result
from teachwhy.evaluate.scorers import scored_mean
from teachwhy.evaluate.solvers import generate_one
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import Problem, SpecError, TeachwhyError
from teachwhy.spec.examples import resolve_path
from teachwhy.spec.loading import load_model
from teachwhy.spec.prompts import AdherencePromptSet
from teachwhy.spec.render import render_constitution

if TYPE_CHECKING:
    from collections.abc import Callable

ADHERENCE_FILE = "adherence.json"


def check_principles(prompts: AdherencePromptSet, constitution: Constitution, file: str) -> None:
    """Every principle a prompt names must exist in the constitution (checked before any call)."""
    known = {p.id for p in constitution.principles}
    problems = [
        Problem(
            file,
            f"prompts[{i}].principles",
            f"'{pid}' is not a principle of the constitution",
            "use one of: " + ", ".join(sorted(known)),
        )
        for i, p in enumerate(prompts.prompts)
        for pid in p.principles
        if pid not in known
    ]
    if problems:
        raise SpecError(problems)


def adherence_samples(prompts: AdherencePromptSet, constitution: Constitution) -> list[Sample]:
    return [
        Sample(
            id=p.id,
            input=p.prompt,
            metadata={
                "principles": [
                    [pid, constitution.principle(pid).title, constitution.principle(pid).statement]
                    for pid in p.principles
                ]
            },
        )
        for p in prompts.prompts
    ]


@solver
def advise(
    constitution_text: str | None = None, temperature: float = 0.0, max_tokens: int = 768
) -> Solver:
    """The model answers the user's dilemma (optionally with the constitution as system prompt)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        messages = [{"role": "user", "content": state.input_text}]
        if constitution_text:
            messages.insert(0, {"role": "system", "content": constitution_text})
        text = await generate_one(
            messages, temperature=temperature, max_tokens=max_tokens, sample_index=state.epoch - 1
        )
        state.output = ModelOutput.from_content(model=str(get_model()), content=text)
        return state

    return solve


@scorer(metrics={"follows": [scored_mean()], "scored": [scored_mean()]})
def adherence_judge(judge: str | None = None, max_tokens: int = 1024) -> Scorer:
    """Per principle FOLLOWS / VIOLATES / NOT_APPLICABLE; failures leave ratings unscored."""

    async def score(state: TaskState, target: Target) -> Score:
        principles = [tuple(p) for p in state.metadata["principles"]]
        ids = [p[0] for p in principles]
        answer = state.output.completion
        code = verdict_code(str(state.sample_id), answer)
        meta: dict[str, Any] = {
            "answer": answer,
            "code": code,
            "judge_prompt_version": ADHERENCE_PROMPT_VERSION,
        }
        try:
            model: Model = get_model(judge) if judge else get_model(role="judge", required=True)
            text = await generate_one(
                adherence_judge_messages(state.input_text, answer, principles, code),
                model=model,
                role="judge",
                max_tokens=max_tokens,
            )
            ratings = parse_adherence(text, code, ids)
            meta.update(judge_text=text, ratings=ratings)
        except Exception as e:  # noqa: BLE001 - any judge failure fails closed
            ratings = {pid: None for pid in ids}
            meta.update(judge_text=None, ratings=ratings, judge_error=str(e))
        tick()
        rated = [r for r in ratings.values() if r in ("follows", "violates")]
        share = sum(r == "follows" for r in rated) / len(rated) if rated else math.nan
        return Score(value={"follows": share, "scored": 1.0 if rated else 0.0}, metadata=meta)

    return score


def build_adherence_task(
    prompts: AdherencePromptSet,
    constitution: Constitution,
    *,
    with_constitution: bool = False,
    judge: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 768,
    epochs: int = 1,
) -> Task:
    text = render_constitution(constitution) if with_constitution else None
    return Task(
        dataset=MemoryDataset(adherence_samples(prompts, constitution), name="teachwhy-adherence"),
        solver=advise(text, temperature, max_tokens),
        scorer=adherence_judge(judge),
        epochs=Epochs(epochs, "mean"),
        name="constitution_adherence",
    )


@task
def constitution_adherence(
    prompts: str = "adherence_prompts.yaml",
    constitution: str = "constitution.yaml",
    with_constitution: bool = False,
    judge: str | None = None,
    temperature: float = 0.0,
    epochs: int = 1,
) -> Task:
    """Held-out dilemma prompts rated per principle by a judge (model role 'judge')."""
    prompt_path = resolve_path(prompts, "prompts")
    prompt_set = load_model(prompt_path, AdherencePromptSet)
    con = load_model(resolve_path(constitution, "constitution"), Constitution)
    check_principles(prompt_set, con, str(prompt_path))
    return build_adherence_task(
        prompt_set,
        con,
        with_constitution=with_constitution,
        judge=judge,
        temperature=temperature,
        epochs=epochs,
    )


def evaluate_adherence(
    model: str | Model | None,
    prompts: AdherencePromptSet,
    constitution: Constitution,
    *,
    judge: str | Model | None,
    with_constitution: bool = False,
    epochs: int = 1,
    temperature: float = 0.0,
    out_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    prompts_source: str = "",
) -> AdherenceResult:
    """Run the adherence task; returns (and with out_dir, writes adherence.json) the result.

    judge: any model name or Inspect Model; None means the embedded model (offline, but far
    too weak to judge well: use it only to exercise the pipeline).
    """
    import tempfile

    from inspect_ai import eval as inspect_eval

    from teachwhy.evaluate.adherence_summary import summarise_adherence
    from teachwhy.models import get_model as teachwhy_model
    from teachwhy.models import resolve_model_name

    check_principles(prompts, constitution, prompts_source or "prompts")
    if epochs > 1 and temperature <= 0:
        raise TeachwhyError("epochs > 1 repeat identical greedy answers; set a temperature > 0")
    name = str(model) if isinstance(model, Model) else resolve_model_name(model)
    judge_model = judge if isinstance(judge, Model) else teachwhy_model(judge, role="judge")
    task_ = build_adherence_task(
        prompts,
        constitution,
        with_constitution=with_constitution,
        temperature=temperature,
        epochs=epochs,
    )
    total, done = len(prompts.prompts) * epochs, 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    log_dir = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="teachwhy-adherence-"))
    set_progress(advance)
    try:
        log = inspect_eval(
            task_,
            model=model if isinstance(model, Model) else teachwhy_model(name),
            model_roles={"judge": judge_model},
            log_dir=str(log_dir),
            log_format="eval",
            display="none",
            fail_on_error=False,
            score_display=False,
            log_level="error",
        )[0]
    finally:
        set_progress(None)
    rows: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    for sample in log.samples or []:
        score = next(iter(sample.scores.values())) if sample.scores else None
        meta = score.metadata if score and score.metadata else {}
        error = sample.error.message if sample.error else meta.get("judge_error")
        if error:
            failed.append(
                {"prompt": str(sample.id), "epoch": str(sample.epoch), "error": str(error)}
            )
        ratings = meta.get("ratings") or {p[0]: None for p in sample.metadata["principles"]}
        for pid, rating in ratings.items():
            rows.append(
                {
                    "prompt_id": str(sample.id),
                    "epoch": sample.epoch,
                    "principle": pid,
                    "rating": rating,
                }
            )
    rows.sort(key=lambda r: (r["prompt_id"], r["epoch"], r["principle"]))
    result = summarise_adherence(
        rows,
        model=name,
        judge=str(judge_model),
        judge_prompt_version=ADHERENCE_PROMPT_VERSION,
        teachwhy_version=__version__,
        with_constitution=f"{constitution.name} v{constitution.version}"
        if with_constitution
        else None,
        prompts_source=prompts_source,
        failed=failed,
        complete=not failed and log.status == "success",
        inspect_log=str(Path(log.location).resolve()) if out_dir and log.location else None,
    )
    if out_dir:
        save_result(result, out_dir, ADHERENCE_FILE)
    return result
