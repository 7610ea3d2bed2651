"""Every generation call in teachwhy: one path for API models, local servers and local models.

Async core (`agenerate_text`, `agenerate_many`) with a synchronous boundary (`generate_text`,
`generate_many`) that runs on one background event loop, so repeated calls share Inspect's
clients and concurrency limits. Every call goes through the response cache and is counted in
a usage ledger; failures come back as `GenerationResult.error` after retries, never raised,
so a stage can count and report them.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from teachwhy.models.cache import cache_key, model_identity, response_cache
from teachwhy.models.messages import (
    check_messages,
    to_inspect_messages,
    to_inspect_tools,
    tool_calls_to_dicts,
)
from teachwhy.models.names import ModelRef, parse_model
from teachwhy.models.usage import UsageLedger, global_ledger
from teachwhy.spec.errors import TeachwhyError

if TYPE_CHECKING:
    from inspect_ai.model import Model

T = TypeVar("T")

RETRIES = 2
"""Attempts after the first, for failures Inspect did not already retry."""
RETRY_BACKOFF_S = 2.0
"""First wait between attempts, doubled each time (tests set it to 0)."""


@dataclass(frozen=True)
class TokenUsage:
    """Tokens a call read and wrote (for a cache hit, those of the call that was cached)."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class GenerationResult:
    """What a model answered, or why it did not."""

    text: str
    usage: TokenUsage = field(default_factory=TokenUsage)
    cached: bool = False
    """True when the answer came from the response cache (no model was called)."""
    error: str | None = None
    """Why the call failed after its retries (then `text` is empty)."""
    model: str = ""
    stop_reason: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """Tool calls the model made: `{"id", "function", "arguments"}`."""

    @property
    def ok(self) -> bool:
        return self.error is None


def get_model(name: str | None = None, role: str = "student", **model_args: Any) -> Model:
    """An Inspect model for generation (None: the embedded default, whatever the role).

    Takes Inspect `provider/model` strings, `teachwhy/smollm2-135m` (llama.cpp in-process),
    a Hugging Face or PEFT adapter folder (transformers in-process), or a .gguf file.
    `role` (student, teacher, judge) only documents intent: every role takes every model.
    """
    from inspect_ai._util.error import PrerequisiteError
    from inspect_ai.model import get_model as inspect_get_model

    import teachwhy._registry  # noqa: F401  (the teachwhy provider, even without entry points)

    ref = parse_model(name)
    try:
        return inspect_get_model(ref.inspect_name, **{**ref.model_args, **model_args})
    except PrerequisiteError as e:
        raise TeachwhyError(f"model '{ref.name}' ({role}): {e.message}") from None


# API clients hold connections bound to the event loop that opened them: one Model per loop
_loop_models: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Model]] = (
    weakref.WeakKeyDictionary()
)


def _ref_and_model(model: str | Model | None, role: str) -> tuple[ModelRef, Model]:
    if model is not None and not isinstance(model, str):
        return parse_model(str(model), check=False), model
    ref = parse_model(model)
    if ref.kind != "provider":  # in-process models hold no connections
        return ref, get_model(ref.name, role)
    models = _loop_models.setdefault(asyncio.get_running_loop(), {})
    if ref.name not in models:
        models[ref.name] = get_model(ref.name, role, memoize=False)
    return ref, models[ref.name]


def _settings(temperature: float, max_tokens: int, seed: int | None) -> dict[str, Any]:
    return {"temperature": temperature, "max_tokens": max_tokens, "seed": seed}


async def agenerate_text(
    model: str | Model | None,
    messages: list[dict[str, Any]],
    *,
    role: str,
    stage: str,
    temperature: float = 0.0,
    max_tokens: int = 512,
    tools: list[dict[str, Any]] | None = None,
    seed: int | None = None,
    sample_index: int = 0,
    cache: bool = True,
    ledger: UsageLedger | None = None,
    retries: int | None = None,
) -> GenerationResult:
    """Generate one reply to chat `messages` (async; see `generate_text`)."""
    from inspect_ai.model import GenerateConfig

    check_messages(messages)
    ref, inspect_model = _ref_and_model(model, role)
    ledger = ledger or global_ledger()
    settings = _settings(temperature, max_tokens, seed)
    identity = model_identity(ref, dict(getattr(inspect_model, "model_args", {}) or {}))
    key = cache_key(identity, messages, tools, settings, sample_index)
    store = response_cache() if cache else None
    hit = store.get(key) if store is not None else None
    if hit is not None:
        ledger.record(role=role, stage=stage, model=ref.name, cached=True)
        return GenerationResult(
            text=hit["text"],
            usage=TokenUsage(**hit["usage"]),
            cached=True,
            model=ref.name,
            stop_reason=hit.get("stop_reason"),
            tool_calls=hit.get("tool_calls", []),
        )
    retries = RETRIES if retries is None else retries
    config = GenerateConfig(
        temperature=temperature,
        max_tokens=max_tokens,
        seed=seed,
        max_retries=retries,
        max_connections=1 if ref.provider == "teachwhy" else None,
    )
    inspect_messages, inspect_tools = to_inspect_messages(messages), to_inspect_tools(tools)
    error = "not attempted"
    for attempt in range(retries + 1):
        if attempt:
            await asyncio.sleep(RETRY_BACKOFF_S * 2 ** (attempt - 1))
        try:
            output = await inspect_model.generate(
                inspect_messages, tools=inspect_tools, config=config, cache=False
            )
        except Exception as e:  # noqa: BLE001  (returned to the caller, who counts failures)
            error = f"{type(e).__name__}: {e}"
            continue
        if output.error:
            error = output.error
            continue
        usage = TokenUsage(
            output.usage.input_tokens if output.usage else 0,
            output.usage.output_tokens if output.usage else 0,
        )
        message = output.choices[0].message if output.choices else None
        result = GenerationResult(
            text=output.completion,
            usage=usage,
            model=ref.name,
            stop_reason=output.stop_reason,
            tool_calls=tool_calls_to_dicts(message.tool_calls if message else None),
        )
        if store is not None:
            store.put(key, {
                "text": result.text,
                "usage": {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens},
                "stop_reason": result.stop_reason,
                "tool_calls": result.tool_calls,
                "model": ref.name,
            })
        ledger.record(role=role, stage=stage, model=ref.name, input_tokens=usage.input_tokens,
                      output_tokens=usage.output_tokens)
        return result
    ledger.record(role=role, stage=stage, model=ref.name, error=True)
    return GenerationResult(text="", error=error, model=ref.name)


def generate_text(
    model: str | Model | None,
    messages: list[dict[str, Any]],
    *,
    role: str,
    stage: str,
    temperature: float = 0.0,
    max_tokens: int = 512,
    tools: list[dict[str, Any]] | None = None,
    seed: int | None = None,
    sample_index: int = 0,
    cache: bool = True,
    ledger: UsageLedger | None = None,
    retries: int | None = None,
) -> GenerationResult:
    """Generate one reply to chat `messages` with any model (None: the embedded default).

    `role` (student/teacher/judge) and `stage` (e.g. "generate", "curate", "evaluate") label
    the call in the usage ledger. With `temperature > 0`, `sample_index` picks which cached
    sample this is, so asking for samples 0..n-1 gives n independent (and cached) answers.
    Errors are returned in `.error` after `retries`, never raised; a bad model name, a missing
    key or a missing package raise TeachwhyError before any call.
    """
    return run_sync(agenerate_text(
        model, messages, role=role, stage=stage, temperature=temperature,
        max_tokens=max_tokens, tools=tools, seed=seed, sample_index=sample_index, cache=cache,
        ledger=ledger, retries=retries,
    ))


async def agenerate_many(
    model: str | Model | None,
    conversations: Sequence[list[dict[str, Any]]],
    *,
    role: str,
    stage: str,
    max_concurrency: int = 16,
    sample_indices: Sequence[int] | None = None,
    on_result: Callable[[int, GenerationResult], None] | None = None,
    **options: Any,
) -> list[GenerationResult]:
    """Generate replies to many conversations concurrently, results in input order.

    `on_result(index, result)` is called as each finishes (to write output incrementally or
    advance a progress bar). Local models run one call at a time whatever `max_concurrency`.
    """
    if sample_indices is not None and len(sample_indices) != len(conversations):
        raise TeachwhyError("sample_indices: needs one index per conversation")
    ref, inspect_model = _ref_and_model(model, role)
    limit = asyncio.Semaphore(max(1, max_concurrency))

    async def one(i: int) -> GenerationResult:
        async with limit:
            result = await agenerate_text(
                inspect_model if ref.kind == "provider" else ref.name, conversations[i],
                role=role, stage=stage,
                sample_index=sample_indices[i] if sample_indices is not None else 0, **options,
            )
        if on_result is not None:
            on_result(i, result)
        return result

    return list(await asyncio.gather(*(one(i) for i in range(len(conversations)))))


def generate_many(
    model: str | Model | None,
    conversations: Sequence[list[dict[str, Any]]],
    *,
    role: str,
    stage: str,
    max_concurrency: int = 16,
    sample_indices: Sequence[int] | None = None,
    on_result: Callable[[int, GenerationResult], None] | None = None,
    **options: Any,
) -> list[GenerationResult]:
    """Synchronous `agenerate_many`; `options` are those of `generate_text`."""
    return run_sync(agenerate_many(
        model, conversations, role=role, stage=stage, max_concurrency=max_concurrency,
        sample_indices=sample_indices, on_result=on_result, **options,
    ))


class _BackgroundLoop:
    """One event loop in a daemon thread that every synchronous call runs on."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="teachwhy-models",
                                       daemon=True)
        self.thread.start()


_background: _BackgroundLoop | None = None
_background_lock = threading.Lock()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on teachwhy's background loop and wait for its result."""
    global _background
    with _background_lock:
        if _background is None:
            _background = _BackgroundLoop()
    if threading.current_thread() is _background.thread:
        coro.close()
        raise RuntimeError("generate_text called from async code: await agenerate_text instead")
    return asyncio.run_coroutine_threadsafe(coro, _background.loop).result()
