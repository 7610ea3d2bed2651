"""Fixtures for the models tests: a tiny random causal LM and a counting Inspect provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from models_tiny import build_tiny_model, build_tiny_tokenizer


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random model saved as an ordinary Hugging Face folder."""
    out = tmp_path_factory.mktemp("tiny-lm")
    tokenizer = build_tiny_tokenizer()
    build_tiny_model(len(tokenizer)).save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out


@pytest.fixture
def response_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the response cache (and usage ledger) at a fresh folder; retries without waiting."""
    from teachwhy.models import generation

    monkeypatch.setenv("TEACHWHY_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(generation, "RETRY_BACKOFF_S", 0.0)
    yield tmp_path
