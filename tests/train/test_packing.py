"""Packed samples do not attend to each other: the packed forward equals separate forwards."""

from __future__ import annotations

import pytest
import torch
from tiny_lm import build_tokenizer
from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

from teachwhy.spec.train_config import TrainStageConfig
from teachwhy.train.student import load_student


@pytest.fixture(scope="module")
def model(tiny_model_dir, tmp_path_factory):
    stage = TrainStageConfig(kind="midtrain", datasets=[{"path": "x.jsonl"}], method="full")
    student = load_student(stage, str(tiny_model_dir), None, tmp_path_factory.mktemp("merged"))
    return student.model.eval()


def samples() -> list[list[int]]:
    tokenizer = build_tokenizer()
    texts = ["Report the error to the doctor now.", "Once upon a time a careful robot asked."]
    return [tokenizer(t)["input_ids"] for t in texts]


def packed_batch(pieces: list[list[int]]) -> dict[str, torch.Tensor]:
    """What TRL's BFD packing + padding-free collator feed the model for one packed row."""
    row = {"input_ids": sum(pieces, []), "seq_lengths": [len(p) for p in pieces]}
    collator = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)
    return collator([row])


def test_collator_restarts_positions_and_sends_no_attention_mask():
    pieces = samples()
    batch = packed_batch(pieces)
    assert "attention_mask" not in batch
    first, second = len(pieces[0]), len(pieces[1])
    assert batch["position_ids"][0].tolist() == list(range(first)) + list(range(second))
    # The first token of each sample is never a target (it would be predicted across samples).
    assert batch["labels"][0, first].item() == -100


@torch.no_grad()
def test_packed_forward_equals_separate_forwards(model):
    pieces = samples()
    batch = packed_batch(pieces)
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    packed = model(**inputs).logits[0]  # (total_len, vocab)
    alone = [model(input_ids=torch.tensor([p])).logits[0] for p in pieces]
    torch.testing.assert_close(packed, torch.cat(alone), atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_without_restarted_positions_the_second_sample_would_see_the_first(model):
    """The control that shows the test above can fail."""
    pieces = samples()
    joined = torch.tensor([sum(pieces, [])])
    leaky = model(input_ids=joined).logits[0, len(pieces[0]) :]
    alone = model(input_ids=torch.tensor([pieces[1]])).logits[0]
    assert not torch.allclose(leaky, alone, atol=1e-3)


@torch.no_grad()
def test_packed_rows_stay_rows_and_samples_stay_apart(model):
    """teachwhy's collator for sdpa/eager attention: a batch of packed rows, not one long row."""
    from teachwhy.train.trainers import PackedRowsCollator

    pieces = samples()
    rows = [
        {"input_ids": sum(pieces, []), "seq_lengths": [len(p) for p in pieces]},
        {"input_ids": pieces[1], "seq_lengths": [len(pieces[1])]},
    ]
    collator = PackedRowsCollator(pad_token_id=0)
    batch = collator(rows)
    assert "attention_mask" not in batch
    assert batch["input_ids"].shape == (2, len(rows[0]["input_ids"]))
    first = len(pieces[0])
    assert batch["labels"][0, first].item() == -100  # not predicted from the other sample
    assert (batch["labels"][1, len(pieces[1]) :] == -100).all()  # padding carries no loss
    counting = collator.count_forwarded_tokens(model)
    model.train()  # only training passes are counted (dropout is 0 in the tiny model)
    try:
        logits = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"]).logits
    finally:
        model.eval()
        counting.remove()
    assert collator.count() == sum(len(r["input_ids"]) for r in rows)  # padding not counted
    alone = [model(input_ids=torch.tensor([p])).logits[0] for p in pieces]
    torch.testing.assert_close(logits[0], torch.cat(alone), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(logits[1, : len(pieces[1])], alone[1], atol=1e-5, rtol=1e-4)
