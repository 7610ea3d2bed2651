"""Experiment files: the shipped quickstart, the README's example, and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_helpers import run_cli
from teachwhy.experiment import load_inputs, plan_experiment
from teachwhy.spec.errors import SpecError
from teachwhy.spec.examples import example_path
from teachwhy.spec.experiment import ExperimentSpec
from teachwhy.spec.loading import load_model

README = Path(__file__).resolve().parents[2] / "README.md"


def test_quickstart_is_valid_and_plans_four_arms() -> None:
    path = example_path("quickstart.yaml")
    assert path.read_text().startswith("# Run: teachwhy run quickstart\n")
    spec = load_model(path, ExperimentSpec)
    inputs = load_inputs(spec, path)
    plan = plan_experiment(inputs)
    assert [a.name for a in plan.arms] == ["baseline", "prompted", "direct",
                                           "documents_then_advice"]
    assert len(inputs.suite.families) == 12
    assert set(inputs.split.in_distribution).isdisjoint(inputs.split.held_out)
    assert len(inputs.split.in_distribution) + len(inputs.split.held_out) == 12
    direct = plan.arms[2]
    assert [s.config["stage"]["kind"] for s in direct.train] == ["sft"]
    dta = plan.arms[3]
    assert [s.config["stage"]["kind"] for s in dta.train] == ["midtrain", "sft"]
    assert dta.train[1].inputs["init"] is dta.train[0]
    # the prompted arm differs from the baseline only by the constitution in the prompt
    assert plan.arms[0].evaluate.key != plan.arms[1].evaluate.key
    assert plan.arms[1].evaluate.config["constitution"]


def test_run_resolves_the_shipped_name(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "check", "quickstart")
    assert result.exit_code == 0, result.err
    assert "experiment" in result.out and "4 arms" in result.out


def readme_yaml(marker: str) -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S)
    return next(b for b in blocks if marker in b)


@pytest.mark.parametrize("marker", ["arms:", "thresholds:"])
def test_readme_examples_validate(
    marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(readme_yaml(marker))
    result = run_cli(capsys, "check", str(path))
    assert result.exit_code == 0, result.err


BASE = """
name: t
split: {in_distribution: [power_seeking], held_out: [sandbagging]}
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("arms:\n  - {name: direct, kind: direct}\n",
         "arms: no baseline arm: the paired differences need one"),
        ("arms:\n  - {name: baseline, kind: baseline}\n  - {name: mine}\n",
         "arms[1].stages: a custom arm needs stages"),
        ("arms:\n  - {name: baseline, kind: baseline}\n"
         "  - {name: mine, stages: [{kind: sft, datasets: [advise]}]}\n",
         "arms[1].stages[0].datasets[0]: no dataset named 'advise'"),
        ("arms:\n  - {name: baseline, kind: baseline}\n  - {name: baseline, kind: prompted}\n",
         "arms[1].name: duplicate arm name 'baseline'"),
        ("arms:\n  - {name: baseline, kind: baseline, training: {sft: {epochs: 2}}}\n",
         "arms[0].training: a baseline arm trains nothing"),
        ("arms:\n  - {name: baseline, kind: baseline}\n  - {name: d, kind: direkt}\n",
         "arms[1].kind: 'direkt' is not allowed"),
        ("datasets:\n  mine: {source: files}\narms:\n  - {name: baseline, kind: baseline}\n",
         "datasets.mine.paths: missing for source files"),
        ("training:\n  sft: {epoch: 3}\narms:\n  - {name: baseline, kind: baseline}\n",
         "training.sft.epoch: unknown key; did you mean 'epochs'?"),
    ],
)
def test_experiment_validation_errors(
    body: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "experiment.yaml"
    path.write_text(BASE + body)
    result = run_cli(capsys, "check", str(path))
    assert result.exit_code == 2
    assert f"{path}: {expected}" in result.err


def test_files_an_experiment_names_are_checked_before_running(tmp_path: Path) -> None:
    path = tmp_path / "experiment.yaml"
    path.write_text(
        "name: t\nsplit: {in_distribution: [power_seeking], held_out: [sandbaging]}\n"
        "datasets:\n  d: {source: scenarios, style: direct, families: [sandbagging]}\n"
        "arms:\n  - {name: baseline, kind: baseline}\n"
    )
    with pytest.raises(SpecError) as e:
        load_inputs(load_model(path, ExperimentSpec), path)
    text = str(e.value)
    assert "split.held_out[0]: family 'sandbaging' is not in the scenario suite" in text
    assert "datasets.d.families[0]: family 'sandbagging' is not an in-distribution family" in text


def test_run_command_reports_bad_files_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "experiment.yaml"
    path.write_text(BASE + "arms:\n  - {name: direct, kind: direct}\n")
    result = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "run"))
    assert result.exit_code == 2
    assert "no baseline arm" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "run").exists()
