"""`curate`: rules, then the optional judge (and critique-and-revise rounds), then dedup.

Records are grouped by kind (and variant: advice and advice.no_reasoning are separate
datasets). For each group, in `out_dir`:
    <group>.jsonl            accepted records, in input order
    <group>.rejected.jsonl   rejected records, each with `rejection: {check, reason, all}`
    advice.no_reasoning.jsonl  for reasoning advice: the accepted records without <think>
and for the whole run report.json and report.md (diversity, dose, rejection reasons).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Any

from teachwhy.curate.checks import Rejection, check_record
from teachwhy.curate.dedup import Embedder, find_duplicates
from teachwhy.curate.judge import JudgeScore, ajudge
from teachwhy.curate.report import CurationReport, GroupReport, fill_diversity
from teachwhy.curate.revise import arevise
from teachwhy.generate.deliberation import strip_reasoning
from teachwhy.generate.records import (
    Record,
    iter_jsonl_paths,
    read_jsonl,
    record_id,
    record_kind,
    write_json,
    write_jsonl,
)
from teachwhy.generate.teacher import Teacher, as_teacher
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.curation import CurationSettings
from teachwhy.spec.errors import TeachwhyError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

Progress = Callable[[str, int, int], None]
"""Called as (step, done, total)."""

MAIN_VARIANTS = (None, "reasoning", "reasons")


def group_name(record: Record) -> str:
    variant = (record.get("meta") or {}).get("variant")
    kind = record_kind(record)
    return kind if variant in MAIN_VARIANTS else f"{kind}.{variant}"


class _Pending:
    """A record moving through the stages, with what happened to it."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.rejections: list[Rejection] = []
        self.scores: list[float | None] = []


async def _gather(items: Sequence[Any], fn: Callable[[Any], Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(item: Any) -> Any:
        async with gate:
            return await fn(item)

    return list(await asyncio.gather(*(one(i) for i in items)))


async def _score_all(
    pending: list[_Pending], constitution: Constitution, judge: Teacher, concurrency: int
) -> list[JudgeScore]:
    async def score(p: _Pending) -> JudgeScore:
        return await ajudge(p.record, constitution, judge)

    scores: list[JudgeScore] = await _gather(pending, score, concurrency)
    for p, s in zip(pending, scores, strict=True):
        p.scores.append(s.score)
    return scores


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(mean(present), 3) if present else None


async def _judge_and_revise(
    pending: list[_Pending],
    constitution: Constitution,
    settings: CurationSettings,
    judge: Teacher,
    reviser: Teacher,
    group: GroupReport,
    concurrency: int,
) -> None:
    scores = await _score_all(pending, constitution, judge, concurrency)
    rounds = [{"round": 0, "mean_score": _mean([s.score for s in scores]), "revised": 0}]
    for round_index in range(1, settings.revise_rounds + 1):

        async def revise(p: _Pending, r: int = round_index) -> bool:
            new = await arevise(p.record, constitution, reviser, r, settings)
            if new is not None:
                p.record = new
            return new is not None

        revised = await _gather(pending, revise, concurrency)
        scores = await _score_all(pending, constitution, judge, concurrency)
        rounds.append(
            {
                "round": round_index,
                "mean_score": _mean([s.score for s in scores]),
                "revised": sum(revised),
            }
        )
    if settings.revise_rounds:
        group.revise_rounds = rounds
    errors = 0
    for p, s in zip(pending, scores, strict=True):
        meta = p.record.setdefault("meta", {})
        meta["judge_score"] = s.score
        if s.score is None:
            errors += 1
            p.rejections.append(Rejection("judge", s.error or "no score"))
        elif s.score < settings.min_judge_score:
            p.rejections.append(
                Rejection("judge", f"score {s.score:g} below {settings.min_judge_score:g}")
            )
    group.judge = {
        "model": judge.name,
        "threshold": settings.min_judge_score,
        "mean": _mean([s.score for s in scores]),
        "min": min((s.score for s in scores if s.score is not None), default=None),
        "max": max((s.score for s in scores if s.score is not None), default=None),
        "rejected": sum(bool(p.rejections) for p in pending),
        "errors": errors,
    }


def _rejected_record(p: _Pending) -> Record:
    first = p.rejections[0]
    return {
        **p.record,
        "rejection": {
            "check": first.check,
            "reason": first.reason,
            "all": [str(r) for r in p.rejections],
        },
    }


async def acurate(
    inputs: str | Path | Sequence[str | Path],
    constitution: Constitution,
    out_dir: str | Path,
    *,
    settings: CurationSettings | None = None,
    judge: Teacher | str | None = None,
    reviser: Teacher | str | None = None,
    tokenizer: PreTrainedTokenizerBase | str | None = None,
    count_tokens: bool = True,
    embedder: Embedder | None = None,
    concurrency: int = 8,
    limit: int | None = None,
    progress: Progress | None = None,
) -> CurationReport:
    """Async `curate` (same arguments)."""
    settings = settings or CurationSettings()
    paths = list(iter_jsonl_paths([inputs] if isinstance(inputs, (str, Path)) else inputs))
    out = Path(out_dir)
    judge_model: Teacher | None = None
    if judge is not None or settings.judge is not None:
        judge_model = as_teacher(judge if judge is not None else settings.judge, role="judge")
    reviser_model = (
        as_teacher(reviser if reviser is not None else settings.reviser, role="teacher")
        if (reviser is not None or settings.reviser is not None)
        else judge_model
    )
    groups: dict[str, list[_Pending]] = {}
    for path in paths:
        for record in read_jsonl(path, strict=True):
            groups.setdefault(group_name(record), []).append(_Pending(record))
    report = CurationReport(
        inputs=[str(p) for p in paths], settings=settings.model_dump(mode="json")
    )
    tok: Any = None
    if count_tokens:
        from teachwhy.generate.tokens import load_student_tokenizer

        try:
            tok = tokenizer if hasattr(tokenizer, "encode") else load_student_tokenizer(tokenizer)
        except TeachwhyError as e:  # curation still runs; only the dose is unknown
            report.notes.append(f"tokens not counted: {e}")

    for name, pending in groups.items():
        group = GroupReport(name=name, inputs=len(pending))
        for i, p in enumerate(pending):
            p.rejections = check_record(p.record, constitution, settings)
            if progress:
                progress(f"{name}: checks", i + 1, len(pending))
        alive = [p for p in pending if not p.rejections]
        if judge_model is not None and alive:
            assert reviser_model is not None
            await _judge_and_revise(
                alive, constitution, settings, judge_model, reviser_model, group, concurrency
            )
            alive = [p for p in alive if not p.rejections]
        if settings.dedup and len(alive) > 1:
            if progress:
                progress(f"{name}: dedup", 0, len(alive))
            result = find_duplicates([p.record for p in alive], settings.dedup_threshold, embedder)
            for d in result.duplicates:
                alive[d.index].rejections.append(
                    Rejection(
                        "near_duplicate",
                        f"of {record_id(alive[d.of_index].record, d.of_index)} "
                        f"(cosine {d.similarity:.3f} >= {settings.dedup_threshold})",
                    )
                )
            group.dedup = {
                "threshold": settings.dedup_threshold,
                "removed": result.removed,
                "sweep": result.sweep,
            }
        accepted = [p.record for p in pending if not p.rejections]
        if limit is not None and len(accepted) > limit:
            group.surplus = len(accepted) - limit
            accepted = accepted[:limit]
        rejected = [_rejected_record(p) for p in pending if p.rejections]
        group.accepted, group.rejected = len(accepted), len(rejected)
        group.rejections_by_check = dict(Counter(r["rejection"]["check"] for r in rejected))
        group.rejection_reasons = dict(
            Counter(
                f"{r['rejection']['check']}: {r['rejection']['reason'][:100]}" for r in rejected
            ).most_common(8)
        )
        fill_diversity(group, accepted)
        group.files["accepted"] = str(write_jsonl(out / f"{name}.jsonl", accepted))
        group.files["rejected"] = str(write_jsonl(out / f"{name}.rejected.jsonl", rejected))
        if name == "advice":
            group.files["no_reasoning"] = str(
                write_jsonl(
                    out / "advice.no_reasoning.jsonl", [strip_reasoning(r) for r in accepted]
                )
            )
        if tok is not None:
            from teachwhy.generate.tokens import count_record_tokens

            group.tokens = count_record_tokens(accepted, tok).tokens
        report.groups[name] = group

    write_json(out / "report.json", report.to_json())
    (out / "report.md").write_text(report.to_markdown(), encoding="utf-8")
    return report


def curate(
    inputs: str | Path | Sequence[str | Path],
    constitution: Constitution,
    out_dir: str | Path,
    **kwargs: Any,
) -> CurationReport:
    """Curate JSONL files (or folders of them) into `out_dir`; see the module docstring.

    Keyword arguments: `settings` (CurationSettings), `judge` and `reviser` (model names or
    Teachers; override settings.judge / settings.reviser), `tokenizer` (the student, default
    the embedded model), `count_tokens`, `embedder` (texts -> unit vectors; default MiniLM),
    `concurrency`, `limit` (keep at most this many accepted records per group; the rest are
    counted as surplus), `progress`.
    """
    from teachwhy.models.generation import run_sync

    return run_sync(acurate(inputs, constitution, out_dir, **kwargs))
