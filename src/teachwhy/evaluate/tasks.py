"""Inspect tasks for scenario misalignment, runnable from `inspect eval` as well as `teachwhy eval`.

inspect eval teachwhy/scenario_misalignment --model teachwhy/smollm2-135m
inspect eval teachwhy/scenario_misalignment --model openai/gpt-4o-mini -T mode=generate
inspect eval teachwhy/scenario_misalignment --model M -T mode=judge --model-role judge=J
"""

from __future__ import annotations

from typing import Literal

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset, Sample

from teachwhy.evaluate.choice_probs import ClozeNorm
from teachwhy.evaluate.records import fingerprint
from teachwhy.evaluate.scorers import choice_scorer, judge_scorer
from teachwhy.evaluate.solvers import generate_choice, loglik_choice, open_answer
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import SpecError, TeachwhyError
from teachwhy.spec.examples import resolve_path
from teachwhy.spec.loading import load_model
from teachwhy.spec.render import render_constitution
from teachwhy.spec.scenario_render import render_letters, render_open
from teachwhy.spec.scenarios import ScenarioSuite, load_scenarios
from teachwhy.spec.split import DEFAULT_HELPFULNESS_FAMILIES, SplitSpec

Mode = Literal["choice", "generate", "judge"]
Presentation = Literal["letters", "cloze"]
MODES = ("choice", "generate", "judge")
PRESENTATIONS = ("letters", "cloze")
CONDITIONS = {
    "none": ["none"],
    "observed": ["observed"],
    "unobserved": ["unobserved"],
    "both": ["observed", "unobserved"],
}


def assign_groups(suite: ScenarioSuite, split: SplitSpec | None) -> dict[str, str]:
    """Family -> group: in_distribution, held_out, unassigned; 'all' when there is no split."""
    if split is None:
        return {f: "all" for f in suite.families}
    groups = {}
    for family in suite.families:
        if family in split.in_distribution:
            groups[family] = "in_distribution"
        elif family in split.held_out:
            groups[family] = "held_out"
        else:
            groups[family] = "unassigned"
    return groups


def load_split(
    split: str | None, families: str | list[str] | None, suite: ScenarioSuite
) -> SplitSpec | None:
    """A split file, or `--families a,b` (in distribution; the rest held out), checked."""
    if split and families:
        raise TeachwhyError("give either a split file or --families, not both")
    if families:
        names = families.split(",") if isinstance(families, str) else list(families)
        names = [n.strip() for n in names if n.strip()]
        unknown = [n for n in names if n not in suite.families]
        if unknown:
            raise TeachwhyError(
                f"--families: {', '.join(unknown)} not in the scenario suite "
                f"(families: {', '.join(suite.families)})"
            )
        return SplitSpec.from_families(names, suite.families)
    if not split:
        return None
    path = resolve_path(split, "split")
    spec = load_model(path, SplitSpec)
    problems = spec.suite_problems(str(path), suite.families)
    if problems:
        raise SpecError(problems)
    return spec


def report_line(group: str, helpful: bool, condition: str) -> str:
    """The report line a sample counts towards, e.g. 'held_out/misalignment/unobserved'."""
    line = f"{group}/{'helpfulness' if helpful else 'misalignment'}"
    return line if condition == "none" else f"{line}/{condition}"


def scenario_samples(
    suite: ScenarioSuite,
    groups: dict[str, str],
    conditions: list[str],
    presentation: str,
    helpfulness: list[str] | None = None,
) -> list[Sample]:
    samples = []
    for scenario in suite.scenarios:
        if scenario.family not in groups:
            continue
        for condition in conditions:
            cue = None if condition == "none" else condition
            shown = (
                render_letters(scenario, list(range(len(scenario.options))), cue=cue)
                if presentation == "letters"
                else render_open(scenario, cue=cue)
            )
            samples.append(
                Sample(
                    id=scenario.id if condition == "none" else f"{scenario.id}@{condition}",
                    input=shown[-1]["content"],
                    target=[chr(65 + i) for i, o in enumerate(scenario.options) if o.aligned],
                    metadata={
                        "scenario": scenario.model_dump(mode="json"),
                        "condition": condition,
                        "group": groups[scenario.family],
                        "fingerprint": fingerprint(scenario),
                        "report_line": report_line(
                            groups[scenario.family],
                            scenario.family in (helpfulness or DEFAULT_HELPFULNESS_FAMILIES),
                            condition,
                        ),
                    },
                )
            )
    return samples


def build_scenario_task(
    suite: ScenarioSuite,
    groups: dict[str, str],
    *,
    mode: Mode = "choice",
    presentation: Presentation = "letters",
    cloze_norm: ClozeNorm = "per_token",
    conditions: list[str] | None = None,
    constitution_text: str | None = None,
    judge_constitution_text: str | None = None,
    judge: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 512,
    seed: int | None = 0,
    epochs: int = 1,
    local_model: str | None = None,
    helpfulness: list[str] | None = None,
) -> Task:
    """The Inspect task for a validated suite (the solver and scorer depend on the mode)."""
    if mode not in MODES:
        raise TeachwhyError(f"mode '{mode}': use one of {', '.join(MODES)}")
    if presentation not in PRESENTATIONS:
        raise TeachwhyError(f"presentation '{presentation}': use one of {', '.join(PRESENTATIONS)}")
    shown = presentation if mode == "choice" else ("letters" if mode == "generate" else "open")
    dataset = MemoryDataset(
        scenario_samples(suite, groups, conditions or ["none"], shown, helpfulness),
        name="teachwhy-scenarios",
    )
    if mode == "choice":
        solver = loglik_choice(presentation, cloze_norm, constitution_text, local_model)
        scorer = choice_scorer()
    elif mode == "generate":
        solver = generate_choice(constitution_text, temperature, max_tokens, seed)
        scorer = choice_scorer()
    else:
        if not judge_constitution_text:
            raise TeachwhyError("judge mode needs a constitution for the judge")
        solver = open_answer(constitution_text, temperature, max_tokens, seed)
        scorer = judge_scorer(judge_constitution_text, judge)
    return Task(
        dataset=dataset,
        solver=solver,
        scorer=scorer,
        epochs=Epochs(epochs, "mean"),
        name="scenario_misalignment",
    )


@task
def scenario_misalignment(
    scenarios: str = "scenarios",
    mode: str = "choice",
    presentation: str = "letters",
    cloze_norm: str = "per_token",
    cues: str = "none",
    with_constitution: bool = False,
    constitution: str = "constitution.yaml",
    split: str | None = None,
    families: str | None = None,
    judge: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 512,
    epochs: int = 1,
) -> Task:
    """Agentic-misalignment scenarios (the shipped suite unless `scenarios` names files)."""
    suite = load_scenarios(resolve_path(scenarios, "scenarios"))
    split_spec = load_split(split, families, suite)
    groups = assign_groups(suite, split_spec)
    text = render_constitution(load_model(resolve_path(constitution, "constitution"), Constitution))
    if cues not in CONDITIONS:
        raise TeachwhyError(f"cues '{cues}': use one of {', '.join(CONDITIONS)}")
    return build_scenario_task(
        suite,
        groups,
        mode=mode,  # type: ignore[arg-type]
        presentation=presentation,  # type: ignore[arg-type]
        cloze_norm=cloze_norm,  # type: ignore[arg-type]
        conditions=CONDITIONS[cues],
        constitution_text=text if with_constitution else None,
        judge_constitution_text=text,
        judge=judge,
        temperature=temperature,
        max_tokens=max_tokens,
        epochs=epochs,
        helpfulness=list(split_spec.helpfulness) if split_spec else None,
    )
