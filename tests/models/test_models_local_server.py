"""The OpenAI-compatible path against a real llama.cpp server serving the embedded GGUF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from teachwhy.models import embedded_gguf_path, generate_text, get_model
from teachwhy.models.local_server import LlamaServer


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """`python -m llama_cpp.server` on a free local port; yields its base URL, stops it after."""
    with LlamaServer(embedded_gguf_path(), alias="smollm2") as server:
        yield server.base_url


def test_openai_compatible_server_answers_through_generate_text(
    llama_server: str, monkeypatch: pytest.MonkeyPatch, response_cache_dir: Path
) -> None:
    monkeypatch.setenv("LOCAL_BASE_URL", llama_server)
    monkeypatch.delenv("LOCAL_API_KEY", raising=False)
    messages = [{"role": "user", "content": "Name one colour. Answer with one word."}]
    result = generate_text("openai-api/local/smollm2", messages, role="judge", stage="test",
                           max_tokens=16, retries=0)
    assert result.error is None, result.error
    assert result.text.strip()
    assert result.usage.input_tokens > 5 and 0 < result.usage.output_tokens <= 16
    assert not result.cached
    again = generate_text("openai-api/local/smollm2", messages, role="judge", stage="test",
                          max_tokens=16, retries=0)
    assert again.cached and again.text == result.text


def test_inspect_model_object_talks_to_the_server(
    llama_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    monkeypatch.setenv("LOCAL_BASE_URL", llama_server)
    model = get_model("openai-api/local/smollm2", role="student", memoize=False)
    output = asyncio.run(model.generate("Say hi.", config=_config(max_tokens=8)))
    assert output.completion.strip()
    assert output.usage is not None and output.usage.output_tokens <= 8


def _config(**kwargs: object) -> object:
    from inspect_ai.model import GenerateConfig

    return GenerateConfig(**kwargs)  # type: ignore[arg-type]
