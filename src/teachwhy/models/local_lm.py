"""Local causal-LM handles (transformers) for training and log-likelihood scoring."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teachwhy.models.embedded import (
    EMBEDDED_MODELS,
    converted_gguf_dir,
    embedded_gguf_available,
    embedded_gguf_path,
    embedded_model_dir,
)
from teachwhy.models.names import ModelRef, parse_model
from teachwhy.spec.errors import TeachwhyError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

DTYPES = ("float32", "bfloat16", "float16", "auto")


@dataclass
class LocalLM:
    """A transformers causal LM in eval mode, its tokenizer, and where it came from."""

    model: Any
    """A transformers `PreTrainedModel`, or a `PeftModel` when loaded from an adapter folder."""
    tokenizer: PreTrainedTokenizerBase
    name: str
    """Canonical model name (see `resolve_model_name`)."""
    path: Path
    """Folder the weights were loaded from (the adapter folder for adapters)."""

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device


def _torch_dtype(dtype: str) -> Any:
    import torch

    if dtype not in DTYPES:
        raise TeachwhyError(f"dtype '{dtype}': expected one of {', '.join(DTYPES)}")
    return "auto" if dtype == "auto" else getattr(torch, dtype)


def local_weights_dir(ref: ModelRef) -> Path:
    """The Hugging Face folder holding a local model's weights (converting GGUFs once)."""
    if ref.kind == "embedded":
        return embedded_model_dir(ref.name)
    if ref.kind == "gguf":
        assert ref.path is not None
        for name in EMBEDDED_MODELS:  # the shipped file by its path: the same converted folder
            if embedded_gguf_available(name) and embedded_gguf_path(name).resolve() == ref.path:
                return embedded_model_dir(name)
        return converted_gguf_dir(ref.path)
    if ref.kind in ("hf_folder", "adapter"):
        assert ref.path is not None
        return ref.path
    if ref.provider == "hf":
        # hf/<hub id>: only what is already in the local Hugging Face cache (no downloads)
        return Path(ref.name.partition("/")[2])
    raise TeachwhyError(
        f"model '{ref.name}' is served by the {ref.provider} API and has no local weights; "
        "log-likelihood scoring and training need a local model: the embedded "
        "teachwhy/smollm2-135m, a Hugging Face folder, a PEFT adapter folder or a .gguf file"
    )


def adapter_base_name(adapter_dir: Path) -> str:
    """The base model an adapter was trained on (may itself be the embedded name or a path)."""
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    base = config.get("base_model_name_or_path")
    if not base:
        raise TeachwhyError(
            f"{adapter_dir / 'adapter_config.json'}: base_model_name_or_path is empty; "
            "set it to the base model (e.g. teachwhy/smollm2-135m or its folder)"
        )
    return str(base)


def _load_tokenizer(*folders: Path) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    for folder in folders:
        if (folder / "tokenizer_config.json").is_file() or (folder / "tokenizer.json").is_file():
            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            break
    else:
        raise TeachwhyError(f"no tokenizer found in {', '.join(str(f) for f in folders)}")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_local_lm(name: str | None = None, dtype: str = "float32") -> LocalLM:
    """Load a local model for training or scoring: the embedded default when `name` is None.

    Takes `teachwhy/smollm2-135m` (converted once from the shipped GGUF), `hf/<folder>`, a
    Hugging Face folder, a .gguf file, or a PEFT adapter folder (its base model is loaded
    from `base_model_name_or_path`, which may be the embedded name or a path, then the
    adapter on top). Loads on CPU; move it with `.model.to(device)`.
    """
    from transformers import AutoModelForCausalLM

    ref = parse_model(name, check=False)  # an API model fails below: no local weights
    torch_dtype = _torch_dtype(dtype)
    if ref.kind == "adapter":
        from peft import PeftModel

        assert ref.path is not None
        base = load_local_lm(_base_relative_to(ref.path), dtype)
        adapted = PeftModel.from_pretrained(base.model, str(ref.path))
        adapted.eval()
        return LocalLM(adapted, _load_tokenizer(ref.path, base.path), ref.name, ref.path)
    folder = local_weights_dir(ref)
    try:
        model = AutoModelForCausalLM.from_pretrained(
            str(folder), dtype=torch_dtype, local_files_only=True
        )
    except OSError as e:
        raise TeachwhyError(f"model '{ref.name}': cannot load from {folder}: {e}") from e
    model.eval()
    return LocalLM(model, _load_tokenizer(folder), ref.name, folder)


def _base_relative_to(adapter_dir: Path) -> str:
    """An adapter's base name; a relative base path is taken relative to the adapter folder."""
    base = adapter_base_name(adapter_dir)
    if base.startswith(("./", "../")) and not Path(base).exists():
        return str((adapter_dir / base).resolve())
    return base
