"""In-process generation for local models: llama.cpp for GGUF files, transformers for folders.

Neither backend is safe to call from two threads at once, and both already use every core,
so every call into a local model is serialised behind one process-wide lock.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from llama_cpp import Llama

    from teachwhy.models.local_lm import LocalLM

LOCAL_LOCK = threading.Lock()
"""Held around every local forward pass or generation in this process."""

DEFAULT_CONTEXT = 4096


@dataclass(frozen=True)
class LocalRequest:
    """One chat completion request to a local model."""

    messages: list[dict[str, Any]]
    temperature: float
    max_tokens: int
    seed: int | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocalCompletion:
    """What a local model answered, and how many tokens it read and wrote."""

    text: str
    input_tokens: int
    output_tokens: int
    stop_reason: Literal["stop", "max_tokens"]


class LocalBackend(Protocol):
    """Something that answers chat requests in-process."""

    def complete(self, request: LocalRequest) -> LocalCompletion: ...


_llamas: dict[str, Llama] = {}


def llama_model(gguf: Path, n_ctx: int = DEFAULT_CONTEXT) -> Llama:
    """One shared llama.cpp instance per GGUF file (loading takes ~0.3 s, memory ~100 MB);
    a file rewritten since it was loaded is loaded again."""
    from teachwhy.models.cache import weights_fingerprint

    key = f"{gguf.resolve()}:{weights_fingerprint(gguf)}:{n_ctx}"
    with LOCAL_LOCK:
        if key not in _llamas:
            from llama_cpp import Llama

            threads = int(os.environ.get("TEACHWHY_THREADS", 0)) or (os.cpu_count() or 2)
            _llamas[key] = Llama(
                model_path=str(gguf), n_ctx=n_ctx, n_threads=threads, verbose=False
            )
        return _llamas[key]


class LlamaCppBackend:
    """A GGUF file answered by llama-cpp-python with the chat template stored in the file."""

    def __init__(self, gguf: Path, n_ctx: int = DEFAULT_CONTEXT) -> None:
        self.gguf = gguf
        self.n_ctx = n_ctx

    def complete(self, request: LocalRequest) -> LocalCompletion:
        llama = llama_model(self.gguf, self.n_ctx)
        kwargs: dict[str, Any] = {
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "stop": list(request.stop) or None,
        }
        if request.top_p is not None:
            kwargs["top_p"] = request.top_p
        if request.seed is not None:
            kwargs["seed"] = request.seed
        messages: Any = [
            {"role": m["role"], "content": m.get("content", "")} for m in request.messages
        ]
        with LOCAL_LOCK:
            # the KV cache of the previous call must not leak into this one
            llama.reset()
            response: Any = llama.create_chat_completion(messages=messages, **kwargs)
        choice = response["choices"][0]
        usage = response["usage"]
        return LocalCompletion(
            text=choice["message"]["content"] or "",
            input_tokens=int(usage["prompt_tokens"]),
            output_tokens=int(usage["completion_tokens"]),
            stop_reason="max_tokens" if choice.get("finish_reason") == "length" else "stop",
        )


class TransformersBackend:
    """A Hugging Face folder or PEFT adapter answered by `model.generate` (slower: ~20 tok/s)."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self._lm: LocalLM | None = None
        self._fingerprint = ""

    def _load(self) -> LocalLM:
        """The model, loaded again if its folder changed (a training run saved into it)."""
        from teachwhy.models.cache import weights_fingerprint
        from teachwhy.models.local_lm import load_local_lm

        fingerprint = weights_fingerprint(self.path)
        if self._lm is None or fingerprint != self._fingerprint:
            self._lm = load_local_lm(self.name)
            self._fingerprint = fingerprint
        return self._lm

    def complete(self, request: LocalRequest) -> LocalCompletion:
        import torch

        with LOCAL_LOCK:
            lm = self._load()
            tokenizer: Any = lm.tokenizer
            ids = tokenizer.apply_chat_template(
                request.messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )["input_ids"].to(lm.device)
            sample = request.temperature > 0
            options: dict[str, Any] = {"max_new_tokens": request.max_tokens, "do_sample": sample}
            if sample:
                options["temperature"] = request.temperature
                options["top_p"] = request.top_p if request.top_p is not None else 1.0
                if request.seed is not None:
                    torch.manual_seed(request.seed)
            else:
                options.update(temperature=None, top_p=None, top_k=None)
            with torch.no_grad():
                out = lm.model.generate(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    pad_token_id=lm.tokenizer.pad_token_id,
                    **options,
                )
        new = out[0, ids.shape[1] :]
        text = str(lm.tokenizer.decode(new, skip_special_tokens=True))
        stop_reason: Literal["stop", "max_tokens"] = (
            "max_tokens" if len(new) >= request.max_tokens else "stop"
        )
        for stop in request.stop:
            if stop in text:
                text, stop_reason = text[: text.index(stop)], "stop"
        return LocalCompletion(text, int(ids.shape[1]), int(len(new)), stop_reason)
