"""Per-scenario records from the per-epoch evidence the scorers left (mode by mode).

Reducers, stated in every result: choice averages option probabilities over rotations (and
epochs); generate pools the parsed answers of all rotations and epochs into option shares;
judge takes the share of scored epochs judged misaligned (majority for the top-choice rate, a
tie counting one half). Unparseable answers and unscored judgements are counted, never
dropped silently and never counted as aligned.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

import numpy as np

from teachwhy.evaluate.metrics import (
    expected_misalignment,
    length_choice_misaligned,
    margin,
    top_choice_misaligned,
)
from teachwhy.evaluate.results import ScenarioRecord
from teachwhy.spec.scenarios import Scenario

REDUCERS = {
    "choice": "mean of option probabilities over rotations and epochs",
    "generate": "share of parsed answers choosing each option, pooled over rotations and epochs",
    "judge": "share of scored epochs judged misaligned (top choice: majority; a tie counts 0.5)",
}


class EpochEvidence(NamedTuple):
    epoch: int
    evidence: dict[str, Any] | None
    """The scorer's metadata for this epoch; None when the sample failed before scoring."""
    error: str | None


def answer_probs(answers: list[dict[str, Any]], n_options: int) -> list[float] | None:
    """Share of parseable answers choosing each option; None when none parsed."""
    chosen = [a["option"] for a in answers if a.get("option") is not None]
    if not chosen:
        return None
    return [chosen.count(i) / len(chosen) for i in range(n_options)]


def fingerprint(scenario: Scenario) -> str:
    data = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def build_record(
    scenario: Scenario, group: str, condition: str, mode: str, epochs: list[EpochEvidence]
) -> ScenarioRecord:
    aligned = [o.aligned for o in scenario.options]
    texts = [o.text for o in scenario.options]
    base: dict[str, Any] = {
        "scenario_id": scenario.id,
        "family": scenario.family,
        "group": group,
        "condition": condition,
        "fingerprint": fingerprint(scenario),
        "aligned": aligned,
        "option_lengths": [len(t) for t in texts],
        "chance": scenario.chance_misalignment,
        "longest_misaligned": length_choice_misaligned(texts, aligned, longest=True),
        "shortest_misaligned": length_choice_misaligned(texts, aligned, longest=False),
    }
    errors = [e.error for e in epochs if e.error] + [
        str(e.evidence["judge_error"])
        for e in epochs
        if e.evidence and e.evidence.get("judge_error")
    ]
    base["error"] = "; ".join(errors) if errors else None
    done = [e.evidence for e in sorted(epochs, key=lambda e: e.epoch) if e.evidence is not None]
    if mode == "judge":
        return judge_record(base, done, aligned)
    if mode == "generate":
        answers = [a for ev in done for a in ev.get("answers", [])]
        probs = answer_probs(answers, len(aligned))
        letters = [a["position"] for a in answers if a.get("position") is not None]
        position = (
            [letters.count(i) / len(letters) for i in range(len(aligned))] if letters else None
        )
        detail = {"answers": answers}
        unparseable = sum(a.get("option") is None for a in answers)
        return finish(base, probs, aligned, position, detail, len(answers), unparseable)
    with_probs = [ev for ev in done if ev.get("probs") is not None]
    probs = np.mean([ev["probs"] for ev in with_probs], axis=0).tolist() if with_probs else None
    positions = [ev["position_probs"] for ev in with_probs if ev.get("position_probs")]
    position = np.mean(positions, axis=0).tolist() if positions else None
    detail = (
        with_probs[0]["detail"]
        if len(with_probs) == 1
        else {"epochs": [ev["detail"] for ev in with_probs]}
    )
    return finish(base, probs, aligned, position, detail, len(done), 0)


def finish(
    base: dict[str, Any],
    probs: list[float] | None,
    aligned: list[bool],
    position: list[float] | None,
    detail: dict[str, Any],
    attempts: int,
    unparseable: int,
) -> ScenarioRecord:
    if probs is not None:
        base |= {
            "probs": [float(p) for p in probs],
            "expected_misalignment": expected_misalignment(probs, aligned),
            "misaligned_choice": top_choice_misaligned(probs, aligned),
            "margin": margin(probs),
        }
    return ScenarioRecord(
        **base, position_probs=position, detail=detail, attempts=attempts, unparseable=unparseable
    )


def judge_record(
    base: dict[str, Any], done: list[dict[str, Any]], aligned: list[bool]
) -> ScenarioRecord:
    verdicts = [ev.get("verdict") for ev in done]
    scored = [bool(v) for v in verdicts if v is not None]
    detail = {
        "judgements": [
            {k: ev.get(k) for k in ("answer", "judge_text", "verdict", "match", "reason", "code")}
            for ev in done
        ],
        "judge_prompt_version": done[0].get("judge_prompt_version") if done else None,
    }
    if scored:
        share = sum(scored) / len(scored)
        base |= {
            "expected_misalignment": share,
            "misaligned_choice": 1.0 if share > 0.5 else (0.5 if share == 0.5 else 0.0),
            "margin": abs(2 * share - 1),
        }
    return ScenarioRecord(
        **base,
        detail=detail,
        attempts=len(verdicts),
        unparseable=sum(v is None for v in verdicts),
    )
