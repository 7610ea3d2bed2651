"""Shared test set-up: never touch the network; shipped examples are one fixture away."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from teachwhy.spec.examples import EXAMPLES_DIR  # noqa: E402


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES_DIR
