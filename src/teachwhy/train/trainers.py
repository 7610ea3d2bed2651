"""TRL trainers built from a stage config: SFTTrainer for midtrain and sft, DPOTrainer for dpo.

The trainers are used as they are; teachwhy only chooses their arguments and callbacks.
"""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.train_config import TrainStageConfig
from teachwhy.train.callbacks import MetricsLog
from teachwhy.train.processes import cpu_only
from teachwhy.train.student import Student


def common_args(
    config: TrainStageConfig, checkpoints: Path, seed: int, precision: str, report_to: Sequence[str]
) -> dict[str, Any]:
    """transformers.TrainingArguments shared by every stage kind."""
    import torch

    return {
        "output_dir": str(checkpoints),
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps or -1,
        "per_device_train_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum,
        "learning_rate": config.learning_rate,
        "lr_scheduler_type": config.lr_scheduler,
        "warmup_steps": config.warmup if config.warmup < 1 else int(config.warmup),
        "weight_decay": config.weight_decay,
        "max_grad_norm": config.max_grad_norm,
        "logging_steps": config.logging_steps,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        "save_total_limit": config.keep_checkpoints,
        "seed": seed,
        "data_seed": seed,
        "bf16": precision == "bf16",
        "fp16": precision == "fp16",
        checkpointing_arg(): config.gradient_checkpointing,
        "report_to": ["wandb"] if "wandb" in report_to else "none",
        "disable_tqdm": True,  # our ProgressBar replaces the Trainer's
        "logging_nan_inf_filter": False,  # a NaN loss must reach the log, not be averaged away
        "dataloader_num_workers": 0,
        "dataloader_pin_memory": torch.cuda.is_available(),
        "use_cpu": cpu_only(),
        "max_length": config.max_length,
    }


def checkpointing_arg() -> str:
    """transformers 5 renamed gradient_checkpointing to activation_checkpointing."""
    from transformers import TrainingArguments

    fields = TrainingArguments.__dataclass_fields__
    return (
        "activation_checkpointing"
        if "activation_checkpointing" in fields
        else "gradient_checkpointing"
    )


def check_tracking(report_to: Sequence[str]) -> None:
    """Fail before any work when a requested metrics sink is not installed."""
    for sink in report_to:
        if importlib.util.find_spec(sink) is None:
            raise TeachwhyError(
                f"report_to: {sink} needs the '{sink}' package: pip install teachwhy[tracking]"
            )


def tracking_callbacks(report_to: Sequence[str], stage_dir: Path) -> list[Any]:
    """TensorBoard writes into the stage folder; W&B goes through the Trainer's own integration."""
    check_tracking(report_to)
    if "tensorboard" not in report_to:
        return []
    from torch.utils.tensorboard import SummaryWriter
    from transformers.integrations import TensorBoardCallback

    return [TensorBoardCallback(SummaryWriter(log_dir=str(stage_dir / "tensorboard")))]


def build_trainer(
    config: TrainStageConfig,
    student: Student,
    dataset: Any,
    args: dict[str, Any],
    callbacks: list[Any],
) -> Any:
    """A ready TRL trainer for the stage's kind."""
    if config.kind == "dpo":
        from trl import DPOConfig, DPOTrainer

        # The reference is the model this stage starts from: with a new adapter, the model with
        # the adapter switched off; for full training, a frozen copy made before any update.
        ref_model = None
        if student.peft_config is None:
            ref_model = copy.deepcopy(student.model).eval().requires_grad_(False)
        return quiet_printer(
            DPOTrainer(
                model=student.model,
                ref_model=ref_model,
                args=DPOConfig(**args, beta=config.beta),
                train_dataset=dataset,
                processing_class=student.tokenizer,
                peft_config=student.peft_config,
                callbacks=callbacks,
            )
        )
    from trl import SFTConfig, SFTTrainer

    # The dataset arrives tokenised (input_ids + labels), so TRL only pads or packs it. BFD
    # packing turns on padding-free batches with position_ids restarting at each sample,
    # which transformers turns into a block-diagonal mask: packed samples do not attend to
    # each other (tests/train/test_packing.py checks this).
    sft_args = SFTConfig(
        **args, packing=config.uses_packing, packing_strategy="bfd", shuffle_dataset=False
    )
    trainer = SFTTrainer(
        model=student.model,
        args=sft_args,
        train_dataset=dataset,
        processing_class=student.tokenizer,
        peft_config=student.peft_config,
        callbacks=callbacks,
    )
    if config.uses_packing and not flash_attention(student.model):
        collator = PackedRowsCollator(int(student.tokenizer.pad_token_id or 0))
        trainer.data_collator = collator
        collator.count_forwarded_tokens(student.model)
        for callback in callbacks:  # TRL would count one row's width per batch
            if isinstance(callback, MetricsLog):
                callback.counted_tokens = collator.count
    return quiet_printer(trainer)


def flash_attention(model: Any) -> bool:
    """Whether the model attends with a varlen kernel (flash attention) that takes packed
    sequences as one flattened row at no extra cost."""
    config = getattr(model, "config", None)
    return "flash" in str(getattr(config, "_attn_implementation", "") or "")


class PackedRowsCollator:
    """Packed rows batched as rows (batch x max_length), not flattened into one long row.

    TRL's padding-free collator concatenates a micro-batch into a single row, which suits flash
    attention's varlen kernels; with sdpa or eager attention (CPU) that row's block-diagonal
    mask costs attention over batch x max_length tokens. Measured on the embedded model,
    midtrain at batch 8 x 512 on CPU: one flattened row 68 s/step for 4,086 tokens, slower per
    token than unpacked; as rows, packing is 1.77x unpacked at batch 2 and 1.69x at batch 4
    (benchmarks/train_throughput.py). Here each row keeps its own
    positions, restarting at every packed sample, and no attention mask is sent, so
    transformers still builds the per-row block-diagonal mask: packed samples do not attend to
    each other. Padding gets position 0 (its own one-token sequence) and no loss.
    """

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id
        self.tokens = 0

    def count(self) -> int:
        """Real tokens (padding excluded) the model was trained on in this process so far."""
        return self.tokens

    def count_forwarded_tokens(self, model: Any) -> Any:
        """Count the tokens of every training forward pass (batches skipped on resume or
        collated ahead by the data loader are not counted). A row's real tokens end at its
        last non-zero position: padding is at position 0, and a sample starts at 0 and has at
        least two tokens whenever it carries any loss."""
        import torch

        def hook(module: Any, args: Any, kwargs: dict[str, Any]) -> None:
            positions = kwargs.get("position_ids")
            if module.training and positions is not None:
                columns = torch.arange(1, positions.shape[-1] + 1, device=positions.device)
                self.tokens += int(((positions > 0) * columns).amax(dim=-1).sum())

        return model.register_forward_pre_hook(hook, with_kwargs=True)

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(len(e["input_ids"]) for e in examples)
        ids = torch.full((len(examples), width), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(examples), width), -100, dtype=torch.long)
        positions = torch.zeros((len(examples), width), dtype=torch.long)
        for row, example in enumerate(examples):
            n = len(example["input_ids"])
            ids[row, :n] = torch.tensor(example["input_ids"])
            labels[row, :n] = torch.tensor(example.get("labels", example["input_ids"]))
            lengths = example.get("seq_lengths") or [n]
            positions[row, :n] = torch.cat([torch.arange(k) for k in lengths])
        labels[positions == 0] = -100  # a sample's first token is never predicted across samples
        return {"input_ids": ids, "labels": labels, "position_ids": positions}


def quiet_printer(trainer: Any) -> Any:
    """Our metrics log and progress bar replace the Trainer's printing of every log dict."""
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    return trainer
