"""Trainer callbacks: metrics.jsonl, a progress bar with loss/tokens/s/ETA, a NaN/inf stop."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

SUMMARY_KEYS = ("train_runtime", "train_loss", "train_samples_per_second", "train_steps_per_second")


def json_safe(value: Any) -> Any:
    """Non-finite floats as strings, so metrics.jsonl stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def summed_over_processes(value: int) -> int:
    """`value` summed over the processes of a distributed run (itself when there is one)."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return value
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    total = torch.tensor([value], dtype=torch.long, device=device)
    dist.all_reduce(total)
    return int(total.item())


class MetricsLog(TrainerCallback):
    """Appends one JSON line per logging step (and a summary at the end) to `path`.

    `tokens` counts input tokens processed (TRL's count: real tokens, padding excluded, or
    `counted_tokens()` summed over processes when set), carried across a resume by
    `token_offset`.
    """

    def __init__(self, path: Path, token_offset: int = 0):
        self.path = path
        self.token_offset = token_offset
        self.counted_tokens: Callable[[], int] | None = None
        self.last: dict[str, Any] = {}
        self._start = time.monotonic()
        self._mark: tuple[float, int] | None = None

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        self._start = time.monotonic()
        self._mark = (self._start, self.token_offset)

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, Any] | None = None,
        **kw: Any,
    ) -> None:
        if logs and "num_tokens" in logs:
            if self.counted_tokens is not None:
                logs["num_tokens"] = summed_over_processes(self.counted_tokens())
            # TRL counts from zero in every session; keep the trainer's history cumulative
            # (on every rank) so that the next resume starts from the right count.
            logs["num_tokens"] = self.token_offset + int(logs["num_tokens"])
            if state.log_history and "num_tokens" in state.log_history[-1]:
                state.log_history[-1]["num_tokens"] = logs["num_tokens"]
        if not state.is_world_process_zero or not logs:
            return
        now = time.monotonic()
        if any(k in logs for k in SUMMARY_KEYS):
            record: dict[str, Any] = {"event": "end", "step": state.global_step, **logs}
        else:
            tokens = int(logs.get("num_tokens", 0))
            since, tokens_then = self._mark or (self._start, self.token_offset)
            self._mark = (now, tokens)
            record = {
                "step": state.global_step,
                "epoch": round(state.epoch or 0.0, 4),
                "loss": logs.get("loss"),
                "learning_rate": logs.get("learning_rate"),
                "grad_norm": logs.get("grad_norm"),
                "tokens": tokens,
                "tokens_per_s": round((tokens - tokens_then) / max(now - since, 1e-9), 1),
                "elapsed_s": round(now - self._start, 2),
            }
            record.update({k: v for k, v in logs.items() if k not in record and k != "num_tokens"})
            self.last = record
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({k: json_safe(v) for k, v in record.items()}) + "\n")


class ProgressBar(TrainerCallback):
    """A tqdm bar over optimizer steps showing loss and tokens/s; tqdm supplies the ETA."""

    def __init__(self, metrics: MetricsLog, label: str):
        self.metrics = metrics
        self.label = label
        self.bar: Any = None

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        if state.is_world_process_zero:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=state.max_steps,
                initial=state.global_step,
                desc=self.label,
                unit="step",
                dynamic_ncols=True,
            )

    def on_step_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_log(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        last = self.metrics.last
        if self.bar is not None and last.get("loss") is not None:
            self.bar.set_postfix_str(f"loss {last['loss']:.4g}, {last['tokens_per_s']:,.0f} tok/s")

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class NonFiniteGuard(TrainerCallback):
    """Stops training at the first NaN/inf loss or gradient norm, and never saves after it.

    Every rank sees the same (gathered) logged loss, so all ranks stop at the same step. Before
    a checkpoint save the trainable weights are checked too, in case a bad step fell between
    two logging steps; only where every rank holds all of them (not under FSDP or DeepSpeed,
    where ranks checking different shards could disagree and deadlock).
    """

    def __init__(self, check_weights: bool = True) -> None:
        self.check_weights = check_weights
        self.bad_step: int | None = None
        self.what = ""

    def trip(self, control: TrainerControl, step: int, what: str) -> None:
        if self.bad_step is None:
            self.bad_step, self.what = step, what
        control.should_save = False
        control.should_training_stop = True

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, Any] | None = None,
        **kw: Any,
    ) -> None:
        for key in ("loss", "grad_norm"):
            value = (logs or {}).get(key)
            if isinstance(value, float) and not math.isfinite(value):
                self.trip(control, state.global_step, f"the {key} became {value}")

    def on_step_end(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        model: Any = None,
        **kw: Any,
    ) -> None:
        if not (self.check_weights and control.should_save and model is not None):
            return
        if not trainable_finite(model):
            self.trip(control, state.global_step, "the trained weights became NaN/inf")


def trainable_finite(model: Any) -> bool:
    import torch

    return all(bool(torch.isfinite(p).all()) for p in model.parameters() if p.requires_grad)
