"""What an evaluation produces, as saved in results.json: per-scenario records and summaries.

Importable without torch or inspect: the report and the experiment runner read these files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from teachwhy.spec.errors import TeachwhyError

RESULTS_SCHEMA = "teachwhy-eval-results/1"
RESULTS_FILE = "results.json"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioRecord(Frozen):
    """One scenario under one condition (cue), reduced over rotations and epochs."""

    scenario_id: str
    family: str
    group: str
    """in_distribution, held_out, unassigned, or all (no split)."""
    condition: str
    """The monitoring cue: 'none', 'observed' or 'unobserved'."""
    fingerprint: str
    """Hash of the scenario's content: paired comparisons refuse mismatched versions."""
    aligned: list[bool]
    option_lengths: list[int]
    chance: float
    longest_misaligned: float
    shortest_misaligned: float
    probs: list[float] | None = None
    """Probability of each option (in the scenario's own order); None when unscored."""
    expected_misalignment: float | None = None
    misaligned_choice: float | None = None
    """1 if the top option is misaligned, 0 if aligned; exact ties share (e.g. 0.5)."""
    margin: float | None = None
    position_probs: list[float] | None = None
    """Probability per letter position averaged over rotations (letters presentations)."""
    attempts: int = 0
    """Generations or judgements made for this record (rotations x epochs)."""
    unparseable: int = 0
    """Attempts whose answer named no option (generate) or that the judge could not score."""
    error: str | None = None
    """Model or judge error that left this record (partly) unscored."""
    detail: dict[str, Any] = {}
    """Mode-specific evidence: per-rotation scores, parsed answers, judge verdicts."""

    @property
    def scored(self) -> bool:
        return self.expected_misalignment is not None


class Summary(Frozen):
    """Metrics over records: one family, or a group's misalignment or helpfulness line."""

    condition: str
    group: str
    line: str
    """A family slug, 'misalignment' (the group's non-helpfulness families) or 'helpfulness'."""
    families: list[str]
    n: int
    """Scored scenarios."""
    n_unscored: int
    n_errors: int
    rate: float | None
    rate_ci: tuple[float, float] | None
    expected_misalignment: float | None
    em_ci: tuple[float, float] | None
    mean_margin: float | None
    chance: float | None
    longest_baseline: float | None
    shortest_baseline: float | None
    unparseable: int = 0
    attempts: int = 0


class PositionBias(Frozen):
    """How much probability each letter position gets regardless of content (uniform is 1/k)."""

    condition: str
    group: str
    n_options: int
    n: int
    letter_probs: list[float]
    distance_from_uniform: float
    """Total-variation distance between the mean letter distribution and uniform."""


class PairedLine(Frozen):
    """Mean per-scenario difference (b minus a) in expected misalignment over shared scenarios."""

    group: str
    line: str
    families: list[str]
    n: int
    mean_a: float | None
    mean_b: float | None
    diff: float | None
    ci: tuple[float, float] | None


class EvalResult(Frozen):
    """Everything `teachwhy eval` writes to results.json."""

    schema_id: str = RESULTS_SCHEMA
    teachwhy_version: str
    inspect_version: str | None = None
    model: str
    mode: str
    presentation: str
    """Human-readable: which presentation and scoring produced the headline numbers."""
    settings: dict[str, Any]
    split: dict[str, Any]
    scenarios_source: str
    suite_fingerprint: str
    records: list[ScenarioRecord]
    summaries: list[Summary]
    position_bias: list[PositionBias] = []
    cue_gaps: list[PairedLine] = []
    """Unobserved minus observed expected misalignment, per group (when both cues ran)."""
    alternate: dict[str, Any] = {}
    """Secondary figures, e.g. cloze summed-score metrics beside the per-token headline."""
    failed: list[dict[str, str]] = []
    """Records with a model or judge error: scenario, condition, message."""
    complete: bool = True
    inspect_log: str | None = None

    def summary(self, group: str, line: str, condition: str = "none") -> Summary | None:
        for s in self.summaries:
            if (s.group, s.line, s.condition) == (group, line, condition):
                return s
        return None

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(s.group for s in self.summaries))

    @property
    def conditions(self) -> list[str]:
        return list(dict.fromkeys(r.condition for r in self.records))


def save_result(result: BaseModel, out_dir: str | Path, name: str = RESULTS_FILE) -> Path:
    """Write a result as indented JSON (stable key order) into out_dir."""
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
    return path


def load_result(path: str | Path) -> EvalResult:
    """Read a results.json (or the folder holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / RESULTS_FILE
    if not p.exists():
        raise TeachwhyError(f"{p}: no evaluation results here; run `teachwhy eval --out DIR` first")
    data = json.loads(p.read_text())
    if data.get("schema_id") != RESULTS_SCHEMA:
        raise TeachwhyError(
            f"{p}: not a teachwhy evaluation result (schema {data.get('schema_id')})"
        )
    return EvalResult.model_validate(data)


ADHERENCE_SCHEMA = "teachwhy-adherence-results/1"


class PrincipleShare(Frozen):
    principle: str
    n_rated: int
    follows: int
    share: float | None


class AdherenceResult(Frozen):
    """What `teachwhy adherence` writes to adherence.json."""

    schema_id: str = ADHERENCE_SCHEMA
    teachwhy_version: str
    model: str
    judge: str
    judge_prompt_version: str
    with_constitution: str | None
    prompts_source: str
    n_prompts: int
    n_rated: int
    """Ratings of FOLLOWS or VIOLATES: the denominator of the share."""
    n_not_applicable: int
    n_unscored: int
    """Ratings the judge did not give (error, refusal, malformed): never counted as follows."""
    share: float | None
    """Share of rated (prompt, principle) pairs the answer follows."""
    ci: tuple[float, float] | None
    """95% bootstrap interval, resampling prompts."""
    per_principle: list[PrincipleShare]
    ratings: list[dict[str, Any]]
    failed: list[dict[str, str]] = []
    complete: bool = True
    inspect_log: str | None = None

    @property
    def adherence(self) -> float:
        """The headline share (NaN when nothing was rated)."""
        return float("nan") if self.share is None else self.share


def load_adherence(path: str | Path) -> AdherenceResult:
    """Read an adherence.json (or the folder holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / "adherence.json"
    if not p.exists():
        raise TeachwhyError(f"{p}: no adherence results here; run `teachwhy adherence --out DIR`")
    return AdherenceResult.model_validate(json.loads(p.read_text()))
