"""Inspect entry point (`[project.entry-points.inspect_ai]`): registers the `teachwhy` provider.

Kept import-light: Inspect imports this module when it resolves a `teachwhy/...` model name,
and the provider's own module (llama.cpp, transformers) loads only when a model is created.
"""

from __future__ import annotations

from inspect_ai.model import ModelAPI, modelapi


@modelapi(name="teachwhy")
def teachwhy() -> type[ModelAPI]:
    """The embedded SmolLM2 model, local GGUF files and local Hugging Face or adapter folders."""
    from teachwhy.models.provider import TeachwhyModelAPI

    return TeachwhyModelAPI


# Tasks, so `inspect eval teachwhy/scenario_misalignment` and
# `inspect eval teachwhy/constitution_adherence` work (their heavy imports happen when they run).
from teachwhy.evaluate.adherence import constitution_adherence  # noqa: E402, F401
from teachwhy.evaluate.tasks import scenario_misalignment  # noqa: E402, F401
