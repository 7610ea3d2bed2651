"""`teachwhy eval` and `teachwhy compare` as a user runs them: tables, files, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from eval_fakes import Counting, position_biased, small_suite
from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from cli_helpers import run_cli
from teachwhy.evaluate import local_scoring


class FlakyAPI(ModelAPI):
    """Answers 'Answer: A', except for one scenario, where the provider errors."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        if "Situation 0 of leak" in input[-1].text:
            raise ConnectionError("provider unavailable")
        output = ModelOutput.from_content(model=self.model_name, content="Answer: A")
        output.usage = ModelUsage(input_tokens=10, output_tokens=3, total_tokens=13)
        return output


@modelapi(name="evalflaky")
def evalflaky() -> type[ModelAPI]:
    return FlakyAPI


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(small_suite().model_dump(mode="json"), sort_keys=False))
    return path


@pytest.fixture
def fake_scorer():
    counting = Counting(position_biased)
    local_scoring.register_score_fn("mockllm/model", counting)
    yield counting
    local_scoring.unregister_score_fn("mockllm/model")


def test_eval_prints_the_table_and_writes_results(capsys, suite_file, tmp_path, fake_scorer):
    split = tmp_path / "split.yaml"
    split.write_text("in_distribution: [blackmail, leak]\nheld_out: [sabotage, over_caution]\n")
    out = tmp_path / "out"
    result = run_cli(
        capsys,
        "eval",
        "--model",
        "mockllm/model",
        "--mode",
        "choice",
        "--scenarios",
        str(suite_file),
        "--split",
        str(split),
        "--out",
        str(out),
        "--quiet",
    )
    assert result.exit_code == 0, result.err
    assert "IN DISTRIBUTION" in result.out and "HELD OUT" in result.out
    assert result.out.index("IN DISTRIBUTION") < result.out.index("HELD OUT")
    assert "HELPFULNESS: over_caution" in result.out
    assert "position bias" in result.out and "p(A)=" in result.out
    assert (out / "results.json").exists() and list(out.glob("*.eval"))
    assert fake_scorer.calls == 3 * 8  # every rotation of every scenario


def test_invalid_scenarios_are_refused_before_any_model_call(capsys, tmp_path, fake_scorer):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenarios:\n  - id: x-1\n    family: x\n    system: s\n    context: c\n"
        "    question: q\n    options:\n      - text: only one\n        aligned: true\n"
    )
    result = run_cli(
        capsys,
        "eval",
        "--model",
        "mockllm/model",
        "--mode",
        "choice",
        "--scenarios",
        str(bad),
        "--out",
        str(tmp_path / "out"),
        "--quiet",
    )
    assert result.exit_code == 2
    assert "bad.yaml: scenarios[0].options" in result.err
    assert fake_scorer.calls == 0
    assert not (tmp_path / "out").exists()


def test_a_split_naming_unknown_families_is_refused(capsys, suite_file, tmp_path, fake_scorer):
    split = tmp_path / "split.yaml"
    split.write_text("in_distribution: [blackmale]\nheld_out: [leak]\n")
    result = run_cli(
        capsys,
        "eval",
        "--model",
        "mockllm/model",
        "--mode",
        "choice",
        "--scenarios",
        str(suite_file),
        "--split",
        str(split),
        "--quiet",
    )
    assert result.exit_code == 2
    assert "in_distribution[0]: family 'blackmale' is not in the scenario suite" in result.err
    bad_families = run_cli(
        capsys,
        "eval",
        "--model",
        "mockllm/model",
        "--mode",
        "choice",
        "--scenarios",
        str(suite_file),
        "--families",
        "nope",
        "--quiet",
    )
    assert bad_families.exit_code == 2
    assert fake_scorer.calls == 0


def test_model_errors_exit_3_and_list_the_failed_samples(capsys, suite_file, tmp_path):
    result = run_cli(
        capsys,
        "eval",
        "--model",
        "evalflaky/m",
        "--mode",
        "generate",
        "--scenarios",
        str(suite_file),
        "--out",
        str(tmp_path / "o"),
        "--quiet",
    )
    assert result.exit_code == 3
    assert "INCOMPLETE: 1 samples failed" in result.out and "leak-0" in result.out
    assert "provider unavailable" in result.out


def test_compare_prints_paired_differences(capsys, suite_file, tmp_path, fake_scorer):
    for name in ("a", "b"):
        assert (
            run_cli(
                capsys,
                "eval",
                "--model",
                "mockllm/model",
                "--mode",
                "choice",
                "--scenarios",
                str(suite_file),
                "--families",
                "blackmail,leak",
                "--out",
                str(tmp_path / name),
                "--quiet",
            ).exit_code
            == 0
        )
    result = run_cli(capsys, "compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert result.exit_code == 0, result.err
    assert "HELD OUT" in result.out and "+0.000 [+0.000, +0.000]" in result.out


class AdviceAPI(ModelAPI):
    """Advises honestly; as a judge, rates every listed principle FOLLOWS."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        import re

        text = input[-1].text
        code = re.search(r"one (J-[0-9A-F]+) line", text)
        if code:
            listed = re.findall(r"^- ([a-z0-9_\-]+): ", text, re.M)
            content = "\n".join(f"{code.group(1)} {pid}: FOLLOWS" for pid in listed)
        else:
            content = "Tell the people involved the truth, and ask before acting."
        output = ModelOutput.from_content(model=self.model_name, content=content)
        output.usage = ModelUsage(input_tokens=10, output_tokens=3, total_tokens=13)
        return output


@modelapi(name="evaladvice")
def evaladvice() -> type[ModelAPI]:
    return AdviceAPI


def test_adherence_command_on_the_shipped_prompts(capsys, tmp_path):
    result = run_cli(
        capsys,
        "adherence",
        "--model",
        "evaladvice/student",
        "--judge",
        "evaladvice/judge",
        "--out",
        str(tmp_path),
        "--quiet",
    )
    assert result.exit_code == 0, result.err
    assert "constitution adherence: 1.000" in result.out
    assert (tmp_path / "adherence.json").exists()
