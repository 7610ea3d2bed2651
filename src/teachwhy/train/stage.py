"""Run one training stage end to end: data, model, TRL trainer, checkpoints, the saved model."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from teachwhy.models.embedded import DEFAULT_MODEL
from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.train_config import TrainStageConfig
from teachwhy.train.callbacks import MetricsLog, NonFiniteGuard, ProgressBar
from teachwhy.train.checkpoints import last_checkpoint, prepare_resume
from teachwhy.train.consistency import write_rank_hash
from teachwhy.train.data import mix, normalise_preference, read_source
from teachwhy.train.encode import encode_records
from teachwhy.train.processes import is_sharded, process_state
from teachwhy.train.stage_files import (
    StageResult,
    check_same_inputs,
    read_result,
    write_inputs,
    write_result,
)
from teachwhy.train.student import Student, load_student
from teachwhy.train.trainers import (
    build_trainer,
    check_tracking,
    common_args,
    tracking_callbacks,
)

log = logging.getLogger("teachwhy.train")

# Settings that may change between an interrupted run and its resumption.
RESUMABLE_FIELDS = ("save_steps", "keep_checkpoints", "logging_steps")


class TrainingDiverged(TeachwhyError):
    """The loss (or gradient norm) became NaN or infinite; training stopped."""


def train_stage(
    config: TrainStageConfig,
    output_dir: Path,
    *,
    name: str | None = None,
    model: str | None = None,
    init_from: Path | None = None,
    seed: int = 0,
    precision: str = "fp32",
    attn_implementation: str | None = None,
    report_to: Sequence[str] = (),
    config_dir: Path | None = None,
    quiet: bool = False,
) -> StageResult:
    """Train one stage into `output_dir`; rerunning with the same inputs resumes or reuses it.

    `model` is the run's base model (None: the embedded default); `init_from`, a previous
    stage's model folder, takes precedence as the starting point. Dataset paths are resolved
    against the working folder, then `config_dir`, then the shipped examples.
    Works the same under `accelerate launch` (every process calls it).
    """
    from transformers import set_seed

    stage_dir = Path(output_dir)
    name = name or stage_dir.name
    inputs = {
        "stage": config.model_dump(mode="json", exclude=set(RESUMABLE_FIELDS)),
        "model": model or DEFAULT_MODEL,
        "init_from": str(init_from) if init_from else None,
        "seed": seed,
        "precision": precision,
        "attn_implementation": attn_implementation,
    }
    check_same_inputs(stage_dir, inputs)
    check_tracking(report_to)
    if quiet:
        silence_library_progress()
    done = read_result(stage_dir)
    if done is not None:
        return replace(done, resumed=True, reused=True)
    state = process_state()
    if state.is_main_process:
        write_inputs(stage_dir, inputs)
    state.wait_for_everyone()

    sources = [
        read_source(src, f"stages.{name}.datasets[{i}]", config.kind, i, config_dir)
        for i, src in enumerate(config.datasets)
    ]
    records = mix(sources, [src.weight for src in config.datasets], seed)
    student = load_student(
        config,
        model,
        init_from,
        stage_dir / "base",
        attn_implementation=attn_implementation,
        is_main_process=state.is_main_process,
    )
    dataset, data_stats = build_dataset(config, records, student, len(sources))
    if state.is_main_process:
        (stage_dir / "data.json").write_text(json.dumps(data_stats, indent=2), encoding="utf-8")

    checkpoints = stage_dir / "checkpoints"
    resume_from, token_offset = prepare_resume(
        checkpoints, stage_dir / "metrics.jsonl", state.is_main_process
    )
    metrics = MetricsLog(stage_dir / "metrics.jsonl", token_offset)
    guard = NonFiniteGuard(check_weights=not is_sharded(state))
    callbacks: list[Any] = [metrics, guard, *tracking_callbacks(report_to, stage_dir)]
    if not quiet:
        callbacks.append(ProgressBar(metrics, name))
    set_seed(seed)  # a new adapter's initialisation draws from the global generator
    args = common_args(config, checkpoints, seed, precision, report_to)
    trainer = build_trainer(config, student, dataset, args, callbacks)
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    if guard.bad_step is not None:
        raise diverged(name, config, guard, checkpoints)

    model_dir = stage_dir / "model"
    save_model(trainer, student, model_dir, state.is_main_process)
    write_rank_hash(trainer.model, stage_dir / "ranks", trainer.state.global_step)
    history = trainer.state.log_history
    result = StageResult(
        name=name,
        output_dir=stage_dir,
        model_dir=model_dir,
        kind="full" if student.peft_config is None and student.start != "adapter" else "adapter",
        start=student.start,
        base_model=model or DEFAULT_MODEL,
        steps=trainer.state.global_step,
        epochs=round(float(trainer.state.epoch or 0.0), 4),
        train_tokens=int(last_logged(history, "num_tokens") or 0),
        final_loss=last_logged(history, "loss"),
        resumed=resume_from is not None,
    )
    state.wait_for_everyone()
    if state.is_main_process:
        write_result(result)  # the completion marker: written last
    return result


def silence_library_progress() -> None:
    """No loading/packing bars from transformers and datasets (process-wide, as they are)."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()


def build_dataset(
    config: TrainStageConfig, records: list[Any], student: Student, n_sources: int
) -> tuple[Any, dict[str, Any]]:
    """The trainer's dataset and a summary of what one pass over it contains."""
    from datasets import Dataset

    if config.kind == "dpo":
        rows = [normalise_preference(r.data) for r in records]
        counts = [sum(r.source == i for r in records) for i in range(n_sources)]
        stats = {"records": len(rows), "sources": [{"records": c} for c in counts]}
        return Dataset.from_list(rows), stats
    encoded = encode_records(records, student.tokenizer, config.max_length, n_sources)
    if not encoded.rows:
        raise TeachwhyError(
            "no training rows left: every record was cut to nothing at max_length="
            f"{config.max_length}; raise max_length"
        )
    if encoded.ignored_tools:
        log.warning(
            "%d records carry tools that this model's chat template does not render; "
            "they are trained without their tool definitions",
            encoded.ignored_tools,
        )
    sources = [vars(s) for s in encoded.stats]
    stats = {
        "rows": len(encoded.rows),
        "tokens": sum(s["tokens"] for s in sources),
        "loss_tokens": sum(s["loss_tokens"] for s in sources),
        "sources": sources,
    }
    columns = {key: [row[key] for row in encoded.rows] for key in ("input_ids", "labels")}
    return Dataset.from_dict(columns), stats


def save_model(trainer: Any, student: Student, model_dir: Path, is_main: bool) -> None:
    """A folder transformers/peft load directly: an adapter that names its base, or full weights."""
    model = trainer.model
    peft_config = getattr(model, "peft_config", None)
    if peft_config:
        for adapter in peft_config.values():
            # An absolute folder: peft, transformers and teachwhy.models all resolve it offline.
            adapter.base_model_name_or_path = str(Path(student.base_dir).resolve())
    base = model.get_base_model() if peft_config else model
    base.config.use_cache = True  # training turned it off; generation wants it
    trainer.save_model(str(model_dir))
    if is_main:
        student.tokenizer.save_pretrained(str(model_dir))


def last_logged(history: list[dict[str, Any]], key: str) -> Any:
    return next((entry[key] for entry in reversed(history) if key in entry), None)


def diverged(
    name: str, config: TrainStageConfig, guard: NonFiniteGuard, checkpoints: Path
) -> TrainingDiverged:
    good = last_checkpoint(checkpoints)
    kept = (
        f"the last good checkpoint is {good}"
        if good is not None
        else "no checkpoint was saved before it"
    )
    return TrainingDiverged(
        f"stage {name}: {guard.what} at step {guard.bad_step}; training stopped and {kept}. "
        f"Lower learning_rate (now {config.learning_rate:g}), keep max_grad_norm on, or check "
        "the data; to retry with other settings, give a new output_dir=..."
    )
