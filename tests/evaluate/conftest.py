"""Fixtures for the evaluation tests (the fakes themselves live in eval_fakes.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_fakes import small_suite

from teachwhy.spec.scenarios import ScenarioSuite


@pytest.fixture
def suite() -> ScenarioSuite:
    return small_suite()


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own response cache, and retries do not wait."""
    from teachwhy.models import generation

    monkeypatch.setenv("TEACHWHY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(generation, "RETRY_BACKOFF_S", 0.0)
    yield
