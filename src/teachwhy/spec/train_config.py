"""Training recipes: an ordered set of stages (midtrain, SFT, DPO), each a TRL run on one model."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from teachwhy.spec.base import SLUG_PATTERN, FieldProblem, UserModel

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]

StageKind = Literal["midtrain", "sft", "dpo"]


class DatasetSource(UserModel):
    """One JSONL file of training records, with its share of the stage's mixture."""

    path: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    """JSONL file: relative to the working folder, the config's folder, or a shipped example."""
    weight: float | None = Field(default=None, gt=0)
    """Share of the mixture in records, normalised over the sources (none: use each file whole)."""
    limit: int | None = Field(default=None, gt=0)
    """Use at most this many records of the file (the first ones), before mixing."""


class LoraSettings(UserModel):
    """Shape of a new LoRA adapter (a continued adapter keeps its own shape)."""

    r: int = Field(default=16, gt=0)
    """LoRA rank."""
    alpha: int = Field(default=32, gt=0)
    """LoRA alpha; the update is scaled by alpha / r."""
    dropout: float = Field(default=0.05, ge=0, lt=1)
    """Dropout on the adapter's input during training."""
    target_modules: list[str] | Literal["all-linear"] = "all-linear"
    """Module names to adapt (e.g. [q_proj, v_proj]), or all-linear for every linear layer."""


class TrainStageConfig(UserModel):
    """One training stage: what data, which objective, and how long."""

    kind: StageKind
    """midtrain (causal LM on text), sft (chat, assistant turns only) or dpo (preference pairs)."""
    datasets: list[DatasetSource] = Field(min_length=1)
    """The stage's data: one or more JSONL files, each with a path and an optional weight."""
    method: Literal["lora", "full"] = "lora"
    """lora trains a small adapter; full trains every weight."""
    lora: LoraSettings = LoraSettings()
    """Rank, alpha, dropout and target modules of a new adapter."""
    continue_as: Literal["adapter", "merged"] | None = None
    """How to start from a previous adapter: keep training it, or merge it and start a new one."""
    epochs: float = Field(default=1.0, gt=0)
    """Passes over the stage's mixed data (ignored when max_steps is set)."""
    max_steps: int | None = Field(default=None, gt=0)
    """Stop after this many optimizer steps instead of a number of epochs."""
    learning_rate: float = Field(default=2e-4, gt=0)
    """Peak learning rate (AdamW)."""
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = "linear"
    """Learning-rate schedule after warm-up."""
    warmup: float = Field(default=0.0, ge=0)
    """Warm-up length: a fraction of the steps if below 1, else a number of steps."""
    weight_decay: float = Field(default=0.0, ge=0)
    """AdamW weight decay."""
    max_grad_norm: float = Field(default=1.0, ge=0)
    """Clip gradients to this norm (0 turns clipping off)."""
    batch_size: int = Field(default=4, gt=0)
    """Sequences per optimizer micro-step on each device (with packing: packed rows)."""
    grad_accum: int = Field(default=1, gt=0)
    """Micro-steps accumulated into one optimizer step."""
    max_length: int = Field(default=512, gt=8)
    """Longest sequence in tokens: longer texts are split (midtrain) or cut (dialogues)."""
    packing: bool | None = None
    """Pack several samples into each row without cross-attention (default: on, except dpo)."""
    beta: float = Field(default=0.1, gt=0)
    """DPO only: strength of the pull towards the reference model."""
    save_steps: int = Field(default=50, gt=0)
    """Save a checkpoint every this many steps; rerunning the command resumes from the last."""
    keep_checkpoints: int = Field(default=2, gt=0)
    """How many recent checkpoints to keep on disk."""
    logging_steps: int = Field(default=1, gt=0)
    """Log loss, learning rate and tokens/s every this many steps."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass: less memory, about a third slower."""

    @property
    def uses_packing(self) -> bool:
        return self.kind != "dpo" if self.packing is None else self.packing

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        weighted = [d.weight is not None for d in self.datasets]
        if any(weighted) and not all(weighted):
            index = weighted.index(False)
            problems.append(
                FieldProblem(
                    f"datasets[{index}].weight",
                    "some datasets have a weight and this one has none",
                    "give every dataset of the stage a weight, or none (each file used whole)",
                )
            )
        if self.kind == "dpo" and self.packing:
            problems.append(
                FieldProblem("packing", "dpo stages cannot pack", "remove packing or set it false")
            )
        if self.kind in ("midtrain", "sft") and "beta" in self.model_fields_set:
            problems.append(
                FieldProblem(
                    "beta", f"beta applies only to dpo stages, not {self.kind}", "remove it"
                )
            )
        if self.continue_as == "adapter" and self.method == "full":
            problems.append(
                FieldProblem(
                    "continue_as",
                    "a full fine-tuning stage cannot continue an adapter",
                    "use continue_as: merged, or method: lora",
                )
            )
        if self.continue_as == "adapter" and self.kind == "dpo":
            problems.append(
                FieldProblem(
                    "continue_as",
                    "dpo's reference is the model the stage starts from; continuing an adapter "
                    "would make the base without it the reference",
                    "use continue_as: merged (the default for dpo)",
                )
            )
        return problems


class TrainConfig(UserModel):
    """A training recipe: a student model and the stages that train it, in order."""

    model: str | None = None
    """Student model: empty for the embedded SmolLM2-135M-Instruct, or a model/adapter folder."""
    output_dir: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    """Run folder: one sub-folder per stage, with checkpoints, metrics and the trained model."""
    stages: dict[Slug, TrainStageConfig] = Field(min_length=1)
    """The stages by name, run in the order written; each starts from the previous one's output."""
    seed: int = 0
    """Random seed for adapter initialisation, data mixing and shuffling."""
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"
    """Training precision: fp32 on CPU; bf16 mixed precision on recent GPUs."""
    attn_implementation: (
        Literal["sdpa", "eager", "flash_attention_2", "flash_attention_3"] | None
    ) = None
    """Attention kernel; empty keeps the model's default (sdpa). Packing works with all of them."""
    report_to: list[Literal["tensorboard", "wandb"]] = []
    """Extra metric sinks besides the run's metrics.jsonl (needs pip install teachwhy[tracking])."""

    def field_problems(self) -> list[FieldProblem]:
        problems = []
        for name, stage in self.stages.items():
            problems += [
                FieldProblem(f"stages.{name}.{p.path}", p.message, p.fix)
                for p in stage.field_problems()
            ]
        return problems

    def summary(self) -> str:
        chain = " -> ".join(
            f"{name} ({s.method})" if name == s.kind else f"{name} ({s.kind}, {s.method})"
            for name, s in self.stages.items()
        )
        return f"{self.model or 'the embedded model'}: {chain}"
