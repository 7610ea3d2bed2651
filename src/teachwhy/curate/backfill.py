"""Backfill: generate and curate until the target count of accepted samples, with a cap.

Each round extends the same resumable candidates file (earlier items and their model calls are
reused), re-curates it (judge calls come from the cache), and asks for more candidates in
proportion to the acceptance rate so far. It stops at the target, or when `cap` items were
tried, whichever comes first; the curated output keeps the first `target` accepted records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from teachwhy.curate.pipeline import Progress, acurate
from teachwhy.curate.report import CurationReport
from teachwhy.generate.base import get_generator
from teachwhy.generate.dataset import DatasetInfo, agenerate_dataset
from teachwhy.generate.pipeline import Progress as GenerationProgress
from teachwhy.generate.teacher import Teacher
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.curation import CurationSettings
from teachwhy.spec.errors import TeachwhyError

MIN_RATE = 0.2
"""Below this acceptance rate, a round asks for at most 1/MIN_RATE candidates per missing one."""


@dataclass
class BackfillResult:
    """Where backfill stopped, and the last generation and curation it ran."""

    target: int
    accepted: int
    reached_target: bool
    rounds: int
    candidates: int
    attempted: int
    info: DatasetInfo
    report: CurationReport
    curated_dir: Path


async def abackfill(
    kind: str,
    constitution: Constitution,
    *,
    target: int,
    work_dir: str | Path,
    cap: int | None = None,
    teacher: Teacher | str | None = None,
    seed: int = 0,
    settings: CurationSettings | None = None,
    judge: Teacher | str | None = None,
    generation: dict[str, Any] | None = None,
    tokenizer: Any = None,
    count_tokens: bool = True,
    progress: GenerationProgress | None = None,
    curate_progress: Progress | None = None,
) -> BackfillResult:
    """Async `backfill` (same arguments)."""
    generator = get_generator(kind)
    cap = cap if cap is not None else 3 * target + 4
    if cap < target:
        raise TeachwhyError(f"cap ({cap}) is below the target ({target}); raise --cap")
    work = Path(work_dir)
    candidates = work / f"{kind}.candidates.jsonl"
    curated = work / "curated"
    count = target
    rounds = 0
    while True:
        rounds += 1
        info = await agenerate_dataset(
            kind,
            constitution,
            count=count,
            out_path=candidates,
            teacher=teacher,
            seed=seed,
            max_attempts=cap,
            count_tokens=False,
            progress=progress,
            **(generation or {}),
        )
        report = await acurate(
            candidates,
            constitution,
            curated,
            settings=settings,
            judge=judge,
            count_tokens=False,
            progress=curate_progress,
        )
        group = report.groups.get(generator.record_kind)
        accepted = group.accepted if group else 0
        if accepted >= target or info.attempted >= cap or info.records < count:
            break
        rate = max(MIN_RATE, accepted / max(1, info.records))
        count = info.records + math.ceil((target - accepted) / rate)
    report = await acurate(
        candidates,
        constitution,
        curated,
        settings=settings,
        judge=judge,
        tokenizer=tokenizer,
        count_tokens=count_tokens,
        limit=target,
    )
    group = report.groups.get(generator.record_kind)
    final = group.accepted if group else 0
    return BackfillResult(
        target=target,
        accepted=final,
        reached_target=final >= target,
        rounds=rounds,
        candidates=info.records,
        attempted=info.attempted,
        info=info,
        report=report,
        curated_dir=curated,
    )


def backfill(kind: str, constitution: Constitution, **kwargs: Any) -> BackfillResult:
    """Generate `kind` into `work_dir` and curate it into `work_dir/curated` until `target`
    accepted samples exist or `cap` items were tried (default 3 x target + 4).

    Other keyword arguments: `teacher`, `seed`, `settings` (CurationSettings), `judge`,
    `generation` (extra `generate_dataset` arguments), `tokenizer`, `count_tokens`, `progress`.
    """
    from teachwhy.models.generation import run_sync

    return run_sync(abackfill(kind, constitution, **kwargs))
