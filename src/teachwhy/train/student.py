"""The model a stage starts from: a base model, a previous adapter (continued or merged), or a
previous full model; plus the LoRA settings of a new adapter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from teachwhy.models.local_lm import adapter_base_name, load_local_lm
from teachwhy.spec.train_config import LoraSettings, TrainStageConfig

if TYPE_CHECKING:
    from peft import LoraConfig
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

StartKind = Literal["base", "adapter", "merged", "full"]
"""base: the run's model; adapter: the previous adapter, trained further; merged: the previous
adapter merged into its base, then a new adapter or full training; full: a previous full model."""


@dataclass
class Student:
    model: PreTrainedModel
    """The model to hand to TRL (a trainable PeftModel when an adapter is continued)."""
    tokenizer: PreTrainedTokenizerBase
    peft_config: LoraConfig | None
    """A new adapter for TRL to create, or None (full training, or a continued adapter)."""
    start: StartKind
    base_dir: Path
    """The full-weight folder under any adapter: an adapter's base_model_name_or_path."""


def is_adapter(folder: Path) -> bool:
    return (folder / "adapter_config.json").is_file()


def adapter_base(adapter_dir: Path) -> str:
    """An adapter's base model name or folder (a ./relative folder is relative to the adapter)."""
    base = adapter_base_name(adapter_dir)
    if base.startswith(("./", "../")) and not Path(base).exists():
        return str((adapter_dir / base).resolve())
    return base


def lora_config(settings: LoraSettings) -> LoraConfig:
    from peft import LoraConfig

    targets = settings.target_modules
    return LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=targets if targets == "all-linear" else list(targets),
        task_type="CAUSAL_LM",
    )


def load_student(
    stage: TrainStageConfig,
    model: str | None,
    init_from: Path | None,
    merged_dir: Path,
    *,
    attn_implementation: str | None = None,
    is_main_process: bool = True,
) -> Student:
    """Load what the stage trains; `merged_dir` receives merged weights when an adapter is merged.

    `init_from` (a previous stage's output) wins over `model` (the run's base model).
    """
    start_from = str(init_from) if init_from is not None else model
    folder = Path(start_from).expanduser() if start_from else None
    peft_config = lora_config(stage.lora) if stage.method == "lora" else None
    if folder is not None and is_adapter(folder):
        base = load_local_lm(adapter_base(folder))
        base_dir = base.path
        tokenizer = saved_tokenizer(folder) or base.tokenizer
        continue_adapter = stage.continue_as == "adapter" or (
            stage.continue_as is None and stage.method == "lora" and stage.kind != "dpo"
        )
        if continue_adapter:
            from peft import PeftModel

            trained: Any = PeftModel.from_pretrained(base.model, str(folder), is_trainable=True)
            return finish(
                Student(trained, tokenizer, None, "adapter", base_dir), attn_implementation
            )
        merged = merge_adapter(base.model, folder)
        if is_main_process:
            merged.save_pretrained(str(merged_dir))
            tokenizer.save_pretrained(str(merged_dir))
        wait_for_everyone()
        return finish(
            Student(merged, tokenizer, peft_config, "merged", merged_dir.resolve()),
            attn_implementation,
        )
    lm = load_local_lm(start_from)
    start: StartKind = "base" if init_from is None else "full"
    return finish(Student(lm.model, lm.tokenizer, peft_config, start, lm.path), attn_implementation)


def merge_adapter(base_model: Any, adapter_dir: Path) -> Any:
    from peft import PeftModel

    return PeftModel.from_pretrained(base_model, str(adapter_dir)).merge_and_unload()


def saved_tokenizer(folder: Path) -> PreTrainedTokenizerBase | None:
    """The tokenizer saved next to an adapter (a stage may have changed its chat template)."""
    if not (folder / "tokenizer_config.json").is_file():
        return None
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def finish(student: Student, attn_implementation: str | None) -> Student:
    model = student.model
    if attn_implementation:
        model.set_attn_implementation(attn_implementation)
    # A KV cache during training would hide packed-sequence boundaries from the attention mask.
    model.config.use_cache = False
    if student.peft_config is None and student.start != "adapter":
        model.requires_grad_(True)
    return student


def wait_for_everyone() -> None:
    from teachwhy.train.processes import process_state

    process_state().wait_for_everyone()
