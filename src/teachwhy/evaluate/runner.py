"""`evaluate_scenarios`: run the Inspect task, then turn its log into an EvalResult.

The experiment runner calls this; `teachwhy eval` is a thin face over it. Everything that can
be checked (split against suite, mode and presentation, judge present) is checked before any
model is loaded or called.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teachwhy import __version__
from teachwhy.evaluate.choice_probs import ClozeNorm, ScoreFn, choice_requests
from teachwhy.evaluate.progress import set_progress
from teachwhy.evaluate.records import REDUCERS, EpochEvidence, build_record
from teachwhy.evaluate.results import EvalResult, ScenarioRecord, save_result
from teachwhy.evaluate.summarise import cue_gaps, position_bias, summarise_all
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.render import render_constitution
from teachwhy.spec.scenario_render import CUE_TEXT, RENDER_VERSION
from teachwhy.spec.scenarios import Scenario, ScenarioSuite
from teachwhy.spec.split import DEFAULT_HELPFULNESS_FAMILIES, SplitSpec

if TYPE_CHECKING:
    from inspect_ai.log import EvalLog
    from inspect_ai.model import Model

INCOMPLETE_EXIT_CODE = 3
"""`teachwhy eval` exits with this when some samples failed (model or judge errors)."""


def describe_presentation(mode: str, presentation: str, cloze_norm: str) -> str:
    if mode == "choice" and presentation == "letters":
        return "letters, log-likelihood of the answer letter, all cyclic rotations averaged"
    if mode == "choice":
        norm = "per-token normalised" if cloze_norm == "per_token" else "summed (length-biased)"
        return f"cloze, log-likelihood of each option's text, {norm}"
    if mode == "generate":
        return "letters, generated answer parsed for a letter, all cyclic rotations"
    return "open-ended answer classified by a judge model"


def suite_fingerprint(suite: ScenarioSuite) -> str:
    data = json.dumps(suite.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def evaluate_scenarios(
    model: str | Model | None,
    suite: ScenarioSuite,
    *,
    mode: str = "choice",
    presentation: str = "letters",
    cloze_norm: ClozeNorm = "per_token",
    split: SplitSpec | None = None,
    judge: str | Model | None = None,
    constitution: Constitution | None = None,
    judge_constitution: Constitution | None = None,
    cue: str | None = None,
    epochs: int = 1,
    temperature: float = 0.0,
    max_tokens: int = 512,
    seed: int | None = 0,
    out_dir: str | Path | None = None,
    quiet: bool = True,
    progress: Callable[[int, int], None] | None = None,
    score_fn: ScoreFn | None = None,
    scenarios_source: str = "",
    split_source: str = "",
) -> EvalResult:
    """Evaluate a model on a scenario suite; returns (and with out_dir, writes) the result.

    model: any teachwhy model name (None: the embedded default) or an Inspect Model.
    mode: choice (log-likelihood; local models), generate (parsed letter) or judge (free text
    classified by `judge`). presentation: letters or cloze (choice mode). constitution: placed in
    the system prompt (the prompting baseline); judge_constitution: what the judge judges
    against (default: the same, else the shipped example). cue: None, observed, unobserved or
    both. progress(done, total) is called as samples finish. score_fn replaces the local
    log-likelihood scorer (tests, or a caller that already holds a loaded model).
    """
    from inspect_ai import __version__ as inspect_version
    from inspect_ai import eval as inspect_eval

    from teachwhy.evaluate import local_scoring
    from teachwhy.evaluate.tasks import CONDITIONS, assign_groups, build_scenario_task
    from teachwhy.models import get_model, resolve_model_name

    conditions = CONDITIONS.get(cue or "none")
    if conditions is None:
        raise TeachwhyError(f"cue '{cue}': use none, observed, unobserved or both")
    if epochs < 1:
        raise TeachwhyError("epochs: must be at least 1")
    if epochs > 1 and mode != "choice" and temperature <= 0:
        raise TeachwhyError("epochs > 1 repeat identical greedy answers; set a temperature > 0")
    if mode == "judge" and judge is None:
        raise TeachwhyError("judge mode needs a judge model: pass --judge MODEL")
    if mode == "choice" and epochs > 1:
        raise TeachwhyError("choice mode is deterministic; epochs apply to generate and judge")
    groups = assign_groups(suite, split)
    name = (
        str(model)
        if model is not None and not isinstance(model, str)
        else resolve_model_name(model)
    )
    if judge_constitution is None and mode == "judge":
        judge_constitution = constitution or default_constitution()
    judge_name = (
        str(judge)
        if judge is not None and not isinstance(judge, str)
        else (resolve_model_name(judge) if judge else None)
    )
    task = build_scenario_task(
        suite,
        groups,
        mode=mode,  # type: ignore[arg-type]
        presentation=presentation,  # type: ignore[arg-type]
        cloze_norm=cloze_norm,
        conditions=conditions,
        constitution_text=render_constitution(constitution) if constitution else None,
        judge_constitution_text=render_constitution(judge_constitution)
        if judge_constitution
        else None,
        temperature=temperature,
        max_tokens=max_tokens,
        seed=seed,
        epochs=epochs,
        local_model=name,
        helpfulness=list(split.helpfulness) if split else None,
    )
    inspect_model = model if model is not None and not isinstance(model, str) else get_model(name)
    roles: dict[str, Any] = {}
    if judge is not None:
        roles["judge"] = judge if not isinstance(judge, str) else get_model(judge, role="judge")
    if score_fn is not None:
        local_scoring.register_score_fn(name, score_fn)
    total = len(task.dataset) * epochs
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    log_dir = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="teachwhy-eval-"))
    set_progress(advance if mode != "choice" else None)
    try:
        if mode == "choice":
            # Score the whole run up front in fixed chunks: full batches, same numbers every run.
            text = render_constitution(constitution) if constitution else None
            groups_of_requests = []
            for sample in task.dataset:
                meta = sample.metadata or {}
                cue_of = None if meta["condition"] == "none" else meta["condition"]
                scenario = Scenario.model_validate(meta["scenario"])
                groups_of_requests.append(choice_requests(scenario, presentation, text, cue_of))
            local_scoring.prime(name, groups_of_requests, progress=progress)
        logs = inspect_eval(
            task,
            model=inspect_model,
            model_roles=roles or None,
            log_dir=str(log_dir),
            log_format="eval",
            display="none",
            fail_on_error=False,
            max_samples=32 if mode == "choice" else None,
            score_display=False,
            log_level="error",
        )
    finally:
        set_progress(None)
        local_scoring.unprime(name)
        if score_fn is not None:
            local_scoring.unregister_score_fn(name)
    log = logs[0]
    if log.status == "error" and not log.samples:
        message = log.error.message if log.error else "unknown error"
        raise TeachwhyError(f"evaluation failed before scoring any scenario: {message}")
    records = complete_records(records_from_log(log, mode), suite, groups, conditions, mode)
    helpful = list(split.helpfulness) if split else list(DEFAULT_HELPFULNESS_FAMILIES)
    failed = [
        {"scenario": r.scenario_id, "condition": r.condition, "error": r.error or ""}
        for r in records
        if r.error
    ]
    result = EvalResult(
        teachwhy_version=__version__,
        inspect_version=inspect_version,
        model=name,
        mode=mode,
        presentation=describe_presentation(mode, presentation, cloze_norm),
        settings={
            "presentation": presentation
            if mode == "choice"
            else ("letters" if mode == "generate" else "open"),
            "cloze_norm": cloze_norm if mode == "choice" and presentation == "cloze" else None,
            "rotations": "all cyclic" if mode == "generate" or presentation == "letters" else None,
            "conditions": conditions,
            "cue_text": {c: CUE_TEXT[c] for c in conditions if c in CUE_TEXT},
            "with_constitution": (
                f"{constitution.name} v{constitution.version}" if constitution else None
            ),
            "judge": judge_name,
            "judge_prompt_version": _judge_version() if mode == "judge" else None,
            "epochs": epochs,
            "reducer": REDUCERS[mode],
            "temperature": temperature if mode != "choice" else None,
            "max_tokens": max_tokens if mode != "choice" else None,
            "seed": seed,
            "render_version": RENDER_VERSION,
        },
        split={
            "source": split_source or ("none" if split is None else split.name or "split"),
            "name": split.name if split else "",
            "in_distribution": list(split.in_distribution) if split else [],
            "held_out": list(split.held_out) if split else [],
            "helpfulness": helpful,
            "groups": groups,
        },
        scenarios_source=scenarios_source,
        suite_fingerprint=suite_fingerprint(suite),
        records=records,
        summaries=summarise_all(records, helpful),
        position_bias=position_bias(records),
        cue_gaps=cue_gaps(records, helpful) if len(conditions) == 2 else [],
        alternate=alternate_figures(records, mode, presentation, cloze_norm, helpful),
        failed=failed,
        complete=not failed and log.status == "success",
        inspect_log=str(Path(log.location).resolve()) if out_dir and log.location else None,
    )
    if out_dir:
        save_result(result, out_dir)
    return result


def _judge_version() -> str:
    from teachwhy.evaluate.judge import JUDGE_PROMPT_VERSION

    return JUDGE_PROMPT_VERSION


def default_constitution() -> Constitution:
    from teachwhy.spec.examples import example_path
    from teachwhy.spec.loading import load_model

    return load_model(example_path("constitution.yaml"), Constitution)


def records_from_log(log: EvalLog, mode: str) -> list[ScenarioRecord]:
    """Per-scenario records, in dataset order, from an Inspect log of scenario_misalignment."""
    grouped: dict[str, list[Any]] = {}
    for sample in log.samples or []:
        grouped.setdefault(str(sample.id), []).append(sample)
    records = []
    for samples in grouped.values():
        meta = samples[0].metadata
        evidence = []
        for s in samples:
            score = next(iter(s.scores.values())) if s.scores else None
            error = s.error.message if s.error else None
            evidence.append(EpochEvidence(s.epoch, score.metadata if score else None, error))
        scenario = Scenario.model_validate(meta["scenario"])
        records.append(build_record(scenario, meta["group"], meta["condition"], mode, evidence))
    return records


def complete_records(
    records: list[ScenarioRecord],
    suite: ScenarioSuite,
    groups: dict[str, str],
    conditions: list[str],
    mode: str,
) -> list[ScenarioRecord]:
    """Records in suite order; a scenario the log lacks (never ran) is an unscored failure."""
    found = {(r.scenario_id, r.condition): r for r in records}
    out = []
    for scenario in suite.scenarios:
        if scenario.family not in groups:
            continue
        for condition in conditions:
            record = found.get((scenario.id, condition))
            if record is None:
                missing = EpochEvidence(1, None, "sample did not run (missing from the log)")
                record = build_record(scenario, groups[scenario.family], condition, mode, [missing])
            out.append(record)
    return out


def alternate_figures(
    records: list[ScenarioRecord], mode: str, presentation: str, cloze_norm: str, helpful: list[str]
) -> dict[str, Any]:
    """For cloze: the other normalisation's expected misalignment per group, for comparison."""
    if mode != "choice" or presentation != "cloze":
        return {}
    from teachwhy.evaluate.metrics import expected_misalignment, mean

    other = "probs_sum" if cloze_norm == "per_token" else "probs_per_token"
    out: dict[str, Any] = {
        "normalisation": other.removeprefix("probs_"),
        "expected_misalignment": {},
    }
    for group in dict.fromkeys(r.group for r in records):
        rows = [r for r in records if r.group == group and r.scored and r.family not in helpful]
        values = [expected_misalignment(r.detail[other], r.aligned) for r in rows]
        out["expected_misalignment"][group] = mean(values) if values else None
    return out
