"""The `teachwhy` Inspect model provider: the embedded model, local GGUF files and local folders.

Registered through the `inspect_ai` entry point (teachwhy._registry), so the same names work
in teachwhy and in Inspect's own command line:

    inspect eval task.py --model teachwhy/smollm2-135m
    inspect eval task.py --model teachwhy//abs/path/to/trained-model
"""

from __future__ import annotations

from typing import Any

import anyio
from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from teachwhy.models.embedded import EMBEDDED_MODELS, embedded_gguf_path
from teachwhy.models.local_backends import (
    DEFAULT_CONTEXT,
    LlamaCppBackend,
    LocalBackend,
    LocalRequest,
    TransformersBackend,
)
from teachwhy.models.messages import from_inspect_messages, tools_as_system_text
from teachwhy.models.names import LOCAL_PROVIDER, ModelRef, parse_model

DEFAULT_MAX_TOKENS = 512
_NO_CONFIG = GenerateConfig()


def local_ref(model_name: str) -> ModelRef:
    """The model a `teachwhy/<model_name>` string names."""
    qualified = f"{LOCAL_PROVIDER}/{model_name}"
    return parse_model(qualified if qualified in EMBEDDED_MODELS else model_name)


def backend_for(ref: ModelRef, n_ctx: int = DEFAULT_CONTEXT) -> LocalBackend:
    """llama.cpp for the embedded model and GGUF files; transformers for folders and adapters."""
    if ref.kind == "embedded":
        return LlamaCppBackend(embedded_gguf_path(ref.name), n_ctx)
    if ref.kind == "gguf":
        assert ref.path is not None
        return LlamaCppBackend(ref.path, n_ctx)
    assert ref.path is not None
    return TransformersBackend(ref.name, ref.path)


class TeachwhyModelAPI(ModelAPI):
    """Inspect provider for models that run inside this process."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = _NO_CONFIG,
        n_ctx: int = DEFAULT_CONTEXT,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        self.ref = local_ref(model_name)
        self.backend = backend_for(self.ref, int(n_ctx))

    def canonical_name(self) -> str:
        return self.ref.name

    def max_connections(self) -> int:
        # local models are serialised in-process; more connections would only queue threads
        return 1

    def max_tokens(self) -> int | None:
        return DEFAULT_MAX_TOKENS

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        messages = from_inspect_messages(input)
        if tools:
            messages = _with_tools_in_system(messages, tools_as_system_text(tools))
        request = LocalRequest(
            messages=messages,
            # no temperature given means greedy: reproducible, and what evaluations want
            temperature=config.temperature if config.temperature is not None else 0.0,
            max_tokens=config.max_tokens or DEFAULT_MAX_TOKENS,
            seed=config.seed,
            top_p=config.top_p,
            stop=tuple(config.stop_seqs or ()),
        )
        completion = await anyio.to_thread.run_sync(self.backend.complete, request)
        output = ModelOutput.from_content(
            model=self.ref.name, content=completion.text, stop_reason=completion.stop_reason
        )
        output.usage = ModelUsage(
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
            total_tokens=completion.input_tokens + completion.output_tokens,
        )
        return output


def _with_tools_in_system(messages: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    if messages and messages[0]["role"] == "system":
        first = dict(messages[0], content=f"{messages[0]['content']}\n\n{text}")
        return [first, *messages[1:]]
    return [{"role": "system", "content": text}, *messages]
