"""Fixtures for training tests: a tiny model folder and small JSONL datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tiny_lm import dialogue, document, preference, save_tiny_model, write_jsonl

# Tiny models run faster on one thread; two threads contend on a shared 2-core machine.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    write_jsonl(folder / "docs.jsonl", [document(i) for i in range(12)])
    write_jsonl(folder / "chats.jsonl", [dialogue(i) for i in range(12)])
    write_jsonl(folder / "prefs.jsonl", [preference(i) for i in range(8)])
    return folder
