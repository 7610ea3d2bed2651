"""generate_text: the response cache, retries, error results and usage accounting.

A counting Inspect provider (registered here, like any plugin) stands in for an API model:
the model is not the point, the call path is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo
from models_tiny import build_tiny_model

from teachwhy.models import UsageLedger, generate_many, generate_text
from teachwhy.models.cache import cache_key

CALLS: list[dict[str, Any]] = []


class CountingAPI(ModelAPI):
    """Echoes the last user message with the settings it was called with; counts calls."""

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig | None = None, **model_args: Any) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo],
                       tool_choice: ToolChoice, config: GenerateConfig) -> ModelOutput:
        CALLS.append({"model": self.model_name, "tools": [t.name for t in tools],
                      "temperature": config.temperature})
        if self.model_name == "broken":
            raise ConnectionError("server went away")
        text = f"{input[-1].text} (t={config.temperature}, call {len(CALLS)})"
        output = ModelOutput.from_content(model=self.model_name, content=text)
        output.usage = ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15)
        return output


@modelapi(name="counting")
def counting() -> type[ModelAPI]:
    return CountingAPI


MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]


@pytest.fixture(autouse=True)
def fresh(response_cache_dir: Path) -> None:
    CALLS.clear()


def test_second_identical_call_makes_no_model_call() -> None:
    first = generate_text("counting/a", MESSAGES, role="teacher", stage="generate")
    second = generate_text("counting/a", MESSAGES, role="teacher", stage="generate")
    assert len(CALLS) == 1
    assert not first.cached and second.cached
    assert second.text == first.text and second.usage == first.usage
    # anything that changes the output is a new call
    generate_text("counting/a", MESSAGES, role="teacher", stage="generate", max_tokens=20)
    generate_text("counting/b", MESSAGES, role="teacher", stage="generate")
    generate_text("counting/a", [*MESSAGES[:1], {"role": "user", "content": "Hi"}],
                  role="teacher", stage="generate")
    generate_text("counting/a", MESSAGES, role="teacher", stage="generate",
                  tools=[{"name": "send_email", "description": "Send an email."}])
    assert len(CALLS) == 5
    assert CALLS[-1]["tools"] == ["send_email"]
    # cache=False always calls
    generate_text("counting/a", MESSAGES, role="teacher", stage="generate", cache=False)
    assert len(CALLS) == 6


def test_sample_index_matters_only_when_sampling() -> None:
    greedy = [generate_text("counting/a", MESSAGES, role="judge", stage="curate", sample_index=i)
              for i in range(3)]
    assert len(CALLS) == 1 and all(r.cached for r in greedy[1:])
    sampled = [generate_text("counting/a", MESSAGES, role="judge", stage="curate",
                             temperature=0.7, sample_index=i) for i in range(3)]
    assert len(CALLS) == 4 and not any(r.cached for r in sampled)
    again = generate_text("counting/a", MESSAGES, role="judge", stage="curate", temperature=0.7,
                          sample_index=1)
    assert again.cached and again.text == sampled[1].text


def test_cache_key_ignores_how_calls_are_made() -> None:
    settings = {"temperature": 0.0, "max_tokens": 10, "seed": None}
    base = cache_key("m", MESSAGES, None, settings)
    assert cache_key("m", MESSAGES, [], dict(settings)) == base
    assert cache_key("m", MESSAGES, None, settings, sample_index=4) == base
    assert cache_key("m", MESSAGES, None, {**settings, "seed": 1}) != base


def test_errors_are_returned_after_retries_and_not_cached() -> None:
    ledger = UsageLedger()
    result = generate_text("counting/broken", MESSAGES, role="teacher", stage="generate",
                           retries=2, ledger=ledger)
    assert result.error is not None and "server went away" in result.error
    assert result.text == "" and not result.ok
    assert len(CALLS) == 3  # the first attempt and two retries
    generate_text("counting/broken", MESSAGES, role="teacher", stage="generate", retries=0,
                  ledger=ledger)
    assert len(CALLS) == 4
    assert ledger.summary()["by_role"]["teacher"]["errors"] == 2


def test_usage_is_counted_by_role_and_stage(tmp_path: Path) -> None:
    ledger = UsageLedger()
    for _ in range(2):
        generate_text("counting/a", MESSAGES, role="teacher", stage="generate", ledger=ledger)
    generate_text("counting/b", MESSAGES, role="judge", stage="curate", ledger=ledger)
    summary = ledger.summary()
    teacher = summary["by_role"]["teacher"]
    assert (teacher["calls"], teacher["cached_calls"]) == (2, 1)
    assert (teacher["input_tokens"], teacher["output_tokens"]) == (10, 5)
    assert summary["by_stage"]["curate"]["calls"] == 1
    assert summary["total"]["input_tokens"] == 20
    # no price is known for the counting provider, so the cost is unknown, not zero
    assert summary["total"]["cost_usd"] is None
    assert summary["total"]["unpriced_models"] == ["counting/a", "counting/b"]
    written = json.loads(ledger.write(tmp_path / "run").read_text())
    assert written["by_role"]["judge"]["calls"] == 1


def test_generate_many_keeps_order_and_reports_each_result() -> None:
    conversations = [[{"role": "user", "content": f"question {i}"}] for i in range(6)]
    seen: list[int] = []
    results = generate_many("counting/a", conversations, role="teacher", stage="generate",
                            max_concurrency=3, on_result=lambda i, r: seen.append(i))
    assert [r.text.split(" (")[0] for r in results] == [f"question {i}" for i in range(6)]
    assert sorted(seen) == list(range(6)) and len(CALLS) == 6


def test_local_folder_generates_through_the_same_call(tiny_model_dir: Path) -> None:
    """A Hugging Face folder (here a tiny random model) is served in-process by transformers."""
    ledger = UsageLedger()
    result = generate_text(str(tiny_model_dir), MESSAGES, role="student", stage="evaluate",
                           max_tokens=6, ledger=ledger)
    assert result.error is None, result.error
    assert result.model == str(tiny_model_dir.resolve())
    assert 0 < result.usage.output_tokens <= 6 and result.usage.input_tokens > 10
    again = generate_text(str(tiny_model_dir), MESSAGES, role="student", stage="evaluate",
                          max_tokens=6, ledger=ledger)
    assert again.cached and again.text == result.text
    assert ledger.summary()["total"]["cost_usd"] == 0.0  # local models cost nothing


def test_retraining_into_the_same_folder_is_a_new_model(tiny_model_dir: Path,
                                                        tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "student"
    shutil.copytree(tiny_model_dir, folder)
    first = generate_text(str(folder), MESSAGES, role="student", stage="evaluate", max_tokens=3)
    assert generate_text(str(folder), MESSAGES, role="student", stage="evaluate",
                         max_tokens=3).cached
    vocab = json.loads((folder / "config.json").read_text())["vocab_size"]
    build_tiny_model(vocab, seed=1).save_pretrained(str(folder))  # a new training run
    again = generate_text(str(folder), MESSAGES, role="student", stage="evaluate", max_tokens=3)
    assert first.ok and again.ok and not again.cached
    assert again.text != first.text  # the new weights answered, not the ones loaded before
