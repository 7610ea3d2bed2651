"""Real runs with the embedded teacher: weak, but every generator must run end to end offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import run_cli
from teachwhy.generate.records import read_jsonl


@pytest.fixture(autouse=True)
def fresh_response_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real calls every time: answers cached by an earlier run would prove nothing."""
    monkeypatch.setenv("TEACHWHY_CACHE_DIR", str(tmp_path / "cache"))


def generate(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str, count: int) -> Path:
    out = tmp_path / f"{kind}.jsonl"
    result = run_cli(
        capsys, "generate", kind, "-n", str(count), "-o", str(out), "-q", "--no-token-count",
        "--max-failure-share", "1.0",
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    assert f"{kind}: " in result.out and "teacher teachwhy/smollm2-135m" in result.out
    assert ", 0 from the cache" in result.out
    return out


def test_documents_with_the_embedded_teacher(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = generate(capsys, tmp_path, "documents", 1)
    records = read_jsonl(out)
    assert len(records) == 1 and records[0]["text"].strip()
    assert records[0]["meta"]["teacher"] == "teachwhy/smollm2-135m"


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "count"), [("advice", 2), ("stories", 1), ("direct", 1)])
def test_every_other_kind_with_the_embedded_teacher(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str, count: int
) -> None:
    out = generate(capsys, tmp_path, kind, count)
    failed = read_jsonl(out.with_name(f"{kind}.failed.jsonl"))
    assert len(read_jsonl(out)) == count, failed
