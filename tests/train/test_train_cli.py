"""`teachwhy train` and `teachwhy check` on training recipes: bad input exits 2 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cli_helpers import run_cli
from teachwhy.spec.examples import EXAMPLES_DIR

SHIPPED_RECIPES = sorted((EXAMPLES_DIR / "train").glob("*.yaml"))


def write_recipe(folder: Path, data: dict) -> Path:
    path = folder / "recipe.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def good_recipe(model: Path, data: Path, out: Path) -> dict:
    return {
        "model": str(model),
        "output_dir": str(out),
        "stages": {
            "sft": {
                "kind": "sft",
                "datasets": [{"path": str(data)}],
                "max_length": 128,
                "max_steps": 2,
                "batch_size": 2,
            }
        },
    }


@pytest.mark.parametrize("path", SHIPPED_RECIPES, ids=lambda p: p.name)
def test_shipped_recipes_open_with_the_command_that_runs_them(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# teachwhy train train/{path.name}"


def test_quickstart_uses_the_starter_corpus_and_the_embedded_model(capsys):
    result = run_cli(capsys, "check", str(EXAMPLES_DIR / "train" / "quickstart.yaml"))
    assert result.exit_code == 0, result.err
    assert "the embedded model: midtrain (lora) -> sft (lora)" in result.out
    recipe = yaml.safe_load((EXAMPLES_DIR / "train" / "quickstart.yaml").read_text())
    for stage in recipe["stages"].values():
        for source in stage["datasets"]:
            assert (EXAMPLES_DIR / "train" / source["path"]).resolve().is_file(), source


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "sfft"}, "stages.sft.kind", "'sfft' is not allowed"),
        ({"epochs": -1}, "stages.sft.epochs", "greater than 0"),
        ({"lora": {"alpah": 8}}, "stages.sft.lora.alpah", "did you mean 'alpha'"),
        ({"beta": 0.5}, "stages.sft.beta", "applies only to dpo"),
        ({"datasets": []}, "stages.sft.datasets", "empty"),
        (
            {"datasets": [{"path": "a.jsonl", "weight": 2}, {"path": "b.jsonl"}]},
            "stages.sft.datasets[1].weight",
            "some datasets have a weight",
        ),
        ({"kind": "dpo", "continue_as": "adapter"}, "stages.sft.continue_as", "reference"),
    ],
)
def test_invalid_recipes_exit_2_naming_the_field(capsys, tmp_path, change, field, message):
    data = good_recipe(tmp_path, tmp_path / "x.jsonl", tmp_path / "out")
    data["stages"]["sft"].update(change)
    path = write_recipe(tmp_path, data)
    for command in ("check", "train"):
        result = run_cli(capsys, command, str(path))
        assert result.exit_code == 2, result
        assert f"{path}: {field}: " in result.err and message in result.err, result.err
        assert "Traceback" not in result.err


def test_a_bad_override_names_the_field(capsys, tmp_path):
    path = write_recipe(tmp_path, good_recipe(tmp_path, tmp_path / "x.jsonl", tmp_path / "out"))
    result = run_cli(capsys, "train", str(path), "stages.sft.max_length=long")
    assert result.exit_code == 2
    assert "stages.sft.max_length: " in result.err and "integer" in result.err


def test_missing_data_file_names_the_field(capsys, tiny_model_dir, tmp_path):
    data = good_recipe(tiny_model_dir, tmp_path / "nowhere.jsonl", tmp_path / "out")
    result = run_cli(capsys, "train", str(write_recipe(tmp_path, data)), "--quiet")
    assert result.exit_code == 2
    assert f"{tmp_path / 'recipe.yaml'}: stages.sft.datasets[0].path: no such file: " in result.err


def test_records_of_the_wrong_format_name_file_and_line(capsys, tiny_model_dir, data_dir, tmp_path):
    data = good_recipe(tiny_model_dir, data_dir / "chats.jsonl", tmp_path / "out")
    data["stages"]["sft"]["kind"] = "midtrain"
    result = run_cli(capsys, "train", str(write_recipe(tmp_path, data)), "--quiet")
    assert result.exit_code == 2
    assert (
        f"{data_dir / 'chats.jsonl'}: line 1: a midtrain stage needs records with text"
        in result.err
    )


def test_broken_jsonl_names_the_line(capsys, tiny_model_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": oops}\n', encoding="utf-8")
    data = good_recipe(tiny_model_dir, bad, tmp_path / "out")
    data["stages"]["sft"]["kind"] = "midtrain"
    result = run_cli(capsys, "train", str(write_recipe(tmp_path, data)), "--quiet")
    assert result.exit_code == 2 and f"{bad}: line 2: not JSON" in result.err


def test_train_runs_writes_the_resolved_config_and_resumes(
    capsys, tiny_model_dir, data_dir, tmp_path
):
    out = tmp_path / "out"
    path = write_recipe(tmp_path, good_recipe(tiny_model_dir, data_dir / "chats.jsonl", out))
    result = run_cli(capsys, "train", str(path), "stages.sft.learning_rate=0.001", "--quiet")
    assert result.exit_code == 0, result.err
    assert "sft: trained, 2 steps" in result.out and f"model: {out / 'sft' / 'model'}" in result.out
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    assert resolved["stages"]["sft"]["learning_rate"] == 0.001  # the override
    assert resolved["stages"]["sft"]["lora"]["r"] == 16  # a default, filled in
    assert json.loads((out / "result.json").read_text())[0]["steps"] == 2
    again = run_cli(capsys, "train", str(path), "stages.sft.learning_rate=0.001", "--quiet")
    assert again.exit_code == 0 and "sft: reused, 2 steps" in again.out
    changed = run_cli(capsys, "train", str(path), "stages.sft.learning_rate=0.01", "--quiet")
    assert changed.exit_code == 2 and "different settings (stage)" in changed.err
