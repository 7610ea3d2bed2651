"""`teachwhy generate`, `teachwhy augment` and `teachwhy curate` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data_fakes import base_url, fake_openai_server

from cli_helpers import run_cli
from teachwhy.generate.records import read_jsonl, write_jsonl
from teachwhy.generate.starter import starter_records


def test_direct_from_scenarios_writes_the_families_asked_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "direct_shuffled.jsonl"
    result = run_cli(
        capsys, "generate", "direct", "--from-scenarios", "scenarios",
        "--families", "power_seeking,sandbagging", "--shuffled", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    records = read_jsonl(out)
    assert {r["meta"]["grid"]["family"] for r in records} == {"power_seeking", "sandbagging"}
    assert all(r["meta"]["variant"] == "shuffled" for r in records)
    assert f"direct: {len(records)} records from 2 families" in result.out


def test_an_unknown_family_is_a_clean_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = run_cli(
        capsys, "generate", "direct", "--from-scenarios", "scenarios", "--families", "nope",
        "-o", str(tmp_path / "x.jsonl"),
    )  # fmt: skip
    assert result.exit_code == 2 and "unknown families nope" in result.err
    assert "Traceback" not in result.err


def test_an_unknown_teacher_is_a_clean_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = run_cli(
        capsys, "generate", "advice", "-t", "nosuchprovider/model", "-o", str(tmp_path / "a.jsonl")
    )
    assert result.exit_code == 2 and "unknown provider 'nosuchprovider'" in result.err


def test_generate_through_a_served_model_then_rerun_makes_no_calls(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from teachwhy.models import generation

    monkeypatch.setenv("TEACHWHY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(generation, "RETRY_BACKOFF_S", 0.0)
    out = tmp_path / "stories.jsonl"
    args = ("generate", "stories", "-t", "openai-api/fake/m", "-n", "3", "-o", str(out), "-q",
            "--no-token-count")  # fmt: skip
    with fake_openai_server() as server:
        monkeypatch.setenv("FAKE_BASE_URL", base_url(server))
        first = run_cli(capsys, *args)
        assert first.exit_code == 0, first.err
        assert "stories: 3 of 3 records (0 failed)" in first.out
        assert sum(server.requests.values()) == 6
        second = run_cli(capsys, *args)
        assert second.exit_code == 0 and sum(server.requests.values()) == 6
        info = json.loads((tmp_path / "stories.info.json").read_text())
        assert info["records"] == 3 and info["teacher"] == "openai-api/fake/m"


def test_starter_datasets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(capsys, "generate", "starter", "-o", str(tmp_path))
    assert result.exit_code == 0, result.err
    assert len(read_jsonl(tmp_path / "advice_no_reasoning.jsonl")) == 40
    assert len(read_jsonl(tmp_path / "midtrain.jsonl")) == len(starter_records("midtrain"))


def test_augment_is_reproducible_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", starter_records("advice")[:5])
    for name in ("a", "b"):
        result = run_cli(
            capsys, "augment", str(source), str(tmp_path / f"{name}.jsonl"), "--seed", "2"
        )
        assert result.exit_code == 0, result.err
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert "12 system prompts, 10 tools, 8 framings" in result.out


def test_curate_the_starter_corpus_and_strict_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = run_cli(
        capsys, "curate", "corpus", "-o", str(tmp_path / "c"), "--no-token-count", "--no-dedup"
    )
    assert result.exit_code == 0, result.err
    assert "accepted 72 of 72 records" in result.out
    assert (tmp_path / "c" / "report.md").exists()
    bad = dict(starter_records("stories")[0], text="Too short.")
    source = write_jsonl(tmp_path / "bad.jsonl", [bad])
    strict = run_cli(capsys, "curate", str(source), "-o", str(tmp_path / "d"), "--strict",
                     "--no-token-count", "--no-dedup")  # fmt: skip
    assert strict.exit_code == 1 and "rejected: length 1" in strict.out


def test_curate_with_a_bad_settings_file_names_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("curation:\n  dedup_treshold: 0.9\n")
    result = run_cli(capsys, "curate", "corpus", "-o", str(tmp_path / "o"), "--config", str(config))
    assert result.exit_code == 2
    assert "curation.dedup_treshold: unknown key; did you mean 'dedup_threshold'?" in result.err
