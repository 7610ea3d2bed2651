"""`generate_dataset`: one call that writes a dataset of any kind, resumably.

Files for `--out data/advice.jsonl`:
    data/advice.jsonl               the records (written one by one, sorted by index at the end)
    data/advice.<variant>.jsonl     derived datasets (e.g. no_reasoning), written at the end
    data/advice.failed.jsonl        failed items and why
    data/advice.run.json            the settings that fix the outputs (checked on resume)
    data/advice.info.json           written last: counts, files, tokens, model usage
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teachwhy.generate.base import GenerationContext, get_generator
from teachwhy.generate.pipeline import GenerationRun, Progress, RunSettings
from teachwhy.generate.records import Record, read_jsonl, sidecar, write_json, write_jsonl
from teachwhy.generate.starter import STARTER_FILES, starter_records
from teachwhy.generate.teacher import ModelTeacher, Teacher
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import TeachwhyError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


@dataclass
class DatasetInfo:
    """What a generation run produced (also written as `<out>.info.json`)."""

    kind: str
    path: str
    records: int
    target: int
    reached_target: bool
    attempted: int
    failed: int
    failure_reasons: dict[str, int]
    files: dict[str, str]
    """Dataset name ('main' or a variant) -> path."""
    tokens: dict[str, int] | None
    """Dataset name -> tokens with the student's tokenizer (None when not counted)."""
    teacher: str
    prompt_version: str
    seed: int
    usage: dict[str, Any] = field(default_factory=dict)
    """Model calls of this invocation: calls, cached_calls, errors, tokens (see UsageLedger)."""
    notes: list[str] = field(default_factory=list)
    """Warnings, e.g. why tokens could not be counted."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_same_run(run_file: Path, header: dict[str, Any], out_path: Path) -> None:
    if not run_file.exists():
        return
    try:
        previous = json.loads(run_file.read_text())
    except json.JSONDecodeError:
        return
    differs = [k for k in header if previous.get(k) != header[k]]
    if differs:
        detail = "; ".join(f"{k}: was {previous.get(k)!r}, now {header[k]!r}" for k in differs)
        raise TeachwhyError(
            f"{out_path} was written by a different generation run ({detail}); rerun with the "
            "same settings to resume, pass --overwrite to start again, or choose another --out"
        )


def remove_outputs(out_path: Path, variant_names: list[str]) -> None:
    names = ["failed", *variant_names]
    for p in [out_path, *(sidecar(out_path, n) for n in names)]:
        p.unlink(missing_ok=True)
    for n in ("run", "info"):
        sidecar(out_path, n, ".json").unlink(missing_ok=True)


async def agenerate_dataset(
    kind: str,
    constitution: Constitution,
    *,
    count: int,
    out_path: str | Path,
    teacher: Teacher | str | None = None,
    seed: int = 0,
    grid: str | Path | None = None,
    exemplars: list[Record] | None = None,
    temperature: float = 0.8,
    concurrency: int = 8,
    brainstorm_lag: int = 16,
    max_attempts: int | None = None,
    max_failure_share: float = 0.5,
    overwrite: bool = False,
    tokenizer: PreTrainedTokenizerBase | str | None = None,
    count_tokens: bool = True,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> DatasetInfo:
    """Async `generate_dataset` (same arguments)."""
    from teachwhy.models.usage import UsageLedger

    generator = get_generator(kind)
    if count < 1:
        raise TeachwhyError(f"count must be at least 1, got {count}")
    out = Path(out_path)
    ledger = UsageLedger()
    if teacher is None or isinstance(teacher, str):
        teacher = ModelTeacher(teacher, ledger=ledger)
    if exemplars is None:
        exemplars = starter_records(kind) if kind in STARTER_FILES else []
    options = dict(options or {})
    variants = generator.variants(options)
    if overwrite:
        remove_outputs(out, list(variants))
    axes = generator.axes(constitution, grid)
    header = {
        "generator": generator.name,
        "prompt_version": generator.prompt_version,
        "teacher": teacher.name,
        "seed": seed,
        "temperature": temperature,
        "brainstorm_lag": brainstorm_lag,
        "constitution": _digest(constitution.model_dump()),
        "grid": _digest(axes),
        "exemplars": _digest(exemplars),
        "options": _digest(options),
    }
    run_file = sidecar(out, "run", ".json")
    _check_same_run(run_file, header, out)
    write_json(run_file, header)
    ctx = GenerationContext(constitution, teacher, temperature, tuple(exemplars), options)
    settings = RunSettings(
        count=count,
        seed=seed,
        max_attempts=max_attempts,
        concurrency=concurrency,
        brainstorm_lag=brainstorm_lag,
        max_failure_share=max_failure_share,
    )
    run = GenerationRun(generator, ctx, axes, out, settings, progress)
    await run.run()

    records = sorted(run.records.values(), key=lambda r: r["meta"]["index"])
    files = {"main": str(write_jsonl(out, records))}
    for name, transform in variants.items():
        derived = [d for d in (transform(r) for r in records) if d is not None]
        files[name] = str(write_jsonl(sidecar(out, name), derived))
    tokens, notes = None, []
    if count_tokens and records:
        from teachwhy.generate.tokens import count_tokens as count_file_tokens
        from teachwhy.generate.tokens import load_student_tokenizer

        try:
            tok = tokenizer if hasattr(tokenizer, "encode") else load_student_tokenizer(tokenizer)
            tokens = {name: count_file_tokens(path, tok).tokens for name, path in files.items()}
        except TeachwhyError as e:  # the data is fine; only the dose is unknown
            notes.append(f"tokens not counted: {e}")
    info = DatasetInfo(
        kind=generator.name,
        path=str(out),
        records=len(records),
        target=count,
        reached_target=len(records) >= count,
        attempted=len(run.records) + len(run.failures),
        failed=len(run.failures),
        failure_reasons=dict(run.failure_reasons),
        files=files,
        tokens=tokens,
        teacher=teacher.name,
        prompt_version=generator.prompt_version,
        seed=seed,
        usage=(getattr(teacher, "ledger", None) or ledger).summary()["total"],
        notes=notes,
    )
    write_json(sidecar(out, "info", ".json"), info.to_json())
    return info


def generate_dataset(kind: str, constitution: Constitution, **kwargs: Any) -> DatasetInfo:
    """Write a dataset of `kind` (advice, documents, stories, direct) to `out_path`.

    Takes `count`, `out_path` and optionally `teacher` (a model name, a Teacher, or None for
    the embedded default), `seed`, `grid` (a grid file over the shipped axes), `exemplars`
    (few-shot records; default the starter corpus), `temperature`, `concurrency`,
    `brainstorm_lag`, `max_attempts`, `max_failure_share`, `overwrite`, `tokenizer` (the
    student whose tokens are counted; default the embedded model), `count_tokens`, `progress`.
    Rerunning with the same arguments resumes; a larger `count` extends the dataset.
    """
    from teachwhy.models.generation import run_sync

    return run_sync(agenerate_dataset(kind, constitution, **kwargs))


def read_info(out_path: str | Path) -> dict[str, Any] | None:
    """The info file of a finished run, or None while it is unfinished."""
    p = sidecar(out_path, "info", ".json")
    return json.loads(p.read_text()) if p.exists() else None


__all__ = ["DatasetInfo", "agenerate_dataset", "generate_dataset", "read_info", "read_jsonl"]
