"""Training a tiny model for real: what moves, what is saved, what a rerun does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import teachwhy.train.stage as stage_module
from teachwhy.spec.train_config import TrainConfig, TrainStageConfig
from teachwhy.train import train_recipe, train_stage


def stage(kind: str, data: Path, **settings) -> TrainStageConfig:
    return TrainStageConfig.model_validate(
        {
            "kind": kind,
            "datasets": [{"path": str(data)}],
            "max_length": 128,
            "batch_size": 2,
            "max_steps": 3,
            "learning_rate": 1e-2,
            **settings,
        }
    )


@pytest.fixture
def spy(monkeypatch):
    """Captures the trainer and a snapshot of every weight before training starts."""
    seen: dict = {}
    real = stage_module.build_trainer

    def build(*args, **kwargs):
        trainer = real(*args, **kwargs)
        seen["trainer"] = trainer
        seen["before"] = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
        return trainer

    monkeypatch.setattr(stage_module, "build_trainer", build)
    return seen


def changed(before: torch.Tensor, after: torch.Tensor) -> bool:
    return not torch.equal(before, after.detach())


def test_lora_moves_the_adapter_and_leaves_the_base_frozen(tiny_model_dir, data_dir, tmp_path, spy):
    result = train_stage(
        stage("midtrain", data_dir / "docs.jsonl"),
        tmp_path / "mid",
        model=str(tiny_model_dir),
        quiet=True,
    )
    params = dict(spy["trainer"].model.named_parameters())
    trainable = {n for n, p in params.items() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    assert all(changed(spy["before"][n], params[n]) for n in trainable if "lora_B" in n)
    assert not any(changed(spy["before"][n], p) for n, p in params.items() if n not in trainable)
    assert result.kind == "adapter" and result.steps == 3 and result.start == "base"
    saved = load_file(str(result.model_dir / "adapter_model.safetensors"))
    assert saved and all("lora_" in k for k in saved)


def test_full_fine_tuning_moves_every_weight(tiny_model_dir, data_dir, tmp_path, spy):
    result = train_stage(
        stage("sft", data_dir / "chats.jsonl", method="full"),
        tmp_path / "sft",
        model=str(tiny_model_dir),
        quiet=True,
    )
    params = dict(spy["trainer"].model.named_parameters())
    assert all(p.requires_grad for p in params.values())
    assert all(changed(spy["before"][n], p) for n, p in params.items())
    assert result.kind == "full" and (result.model_dir / "config.json").is_file()


def test_outputs_load_with_transformers_peft_and_teachwhy(tiny_model_dir, data_dir, tmp_path):
    from peft import AutoPeftModelForCausalLM

    from teachwhy.models.local_lm import load_local_lm

    result = train_stage(
        stage("sft", data_dir / "chats.jsonl"),
        tmp_path / "sft",
        model=str(tiny_model_dir),
        quiet=True,
    )
    config = json.loads((result.model_dir / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny_model_dir.resolve())
    direct = AutoPeftModelForCausalLM.from_pretrained(str(result.model_dir))
    local = load_local_lm(str(result.model_dir))
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        torch.testing.assert_close(direct(input_ids=ids).logits, local.model(input_ids=ids).logits)
    assert local.tokenizer.chat_template  # saved next to the adapter


def test_metrics_log_and_rerun_reuses_the_finished_stage(tiny_model_dir, data_dir, tmp_path):
    config = stage("midtrain", data_dir / "docs.jsonl", max_steps=4)
    first = train_stage(config, tmp_path / "mid", model=str(tiny_model_dir), quiet=True)
    lines = [json.loads(x) for x in (tmp_path / "mid" / "metrics.jsonl").read_text().splitlines()]
    steps = [x for x in lines if "event" not in x]
    assert [x["step"] for x in steps] == [1, 2, 3, 4]
    tokens = [x["tokens"] for x in steps]
    assert tokens == sorted(tokens) and tokens[0] > 0 and first.train_tokens == tokens[-1]
    assert all(x["tokens_per_s"] > 0 and x["loss"] > 0 for x in steps)
    again = train_stage(config, tmp_path / "mid", model=str(tiny_model_dir), quiet=True)
    assert again.reused and again.resumed and again.steps == first.steps
    data = json.loads((tmp_path / "mid" / "data.json").read_text())
    assert data["rows"] >= 12 and data["loss_tokens"] > 0


def test_changed_settings_refuse_to_resume(tiny_model_dir, data_dir, tmp_path):
    from teachwhy.spec.errors import TeachwhyError

    config = stage("midtrain", data_dir / "docs.jsonl", max_steps=1)
    train_stage(config, tmp_path / "mid", model=str(tiny_model_dir), quiet=True)
    other = config.model_copy(update={"learning_rate": 1e-3})
    with pytest.raises(TeachwhyError, match="different settings.*learning_rate|stage"):
        train_stage(other, tmp_path / "mid", model=str(tiny_model_dir), quiet=True)


def recipe(tiny_model_dir: Path, data_dir: Path, out: Path, second: dict) -> TrainConfig:
    return TrainConfig.model_validate(
        {
            "model": str(tiny_model_dir),
            "output_dir": str(out),
            "stages": {
                "midtrain": stage("midtrain", data_dir / "docs.jsonl").model_dump(),
                "sft": stage("sft", data_dir / "chats.jsonl", **second).model_dump(),
            },
        }
    )


def lora_weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "adapter_model.safetensors"))


def test_second_stage_continues_the_first_stages_adapter(tiny_model_dir, data_dir, tmp_path):
    # A learning rate too small to move the adapter visibly in 2 steps: what stage 2 saves
    # is what it started from.
    config = recipe(
        tiny_model_dir, data_dir, tmp_path / "run", {"learning_rate": 1e-7, "max_steps": 2}
    )
    mid, sft = train_recipe(config, quiet=True)
    assert sft.start == "adapter" and sft.kind == "adapter"
    first, second = lora_weights(mid.model_dir), lora_weights(sft.model_dir)
    assert first.keys() == second.keys()
    for key, tensor in first.items():
        if "lora_B" in key:
            assert tensor.abs().sum() > 0, "stage 1 trained its adapter"
            torch.testing.assert_close(second[key], tensor, atol=1e-5, rtol=1e-3)
    resolved = (tmp_path / "run" / "config.yaml").read_text()
    assert "max_steps: 2" in resolved and "learning_rate: 1.0e-07" in resolved
    recorded = (tmp_path / "run" / "sft" / "stage.yaml").read_text()
    assert str(mid.model_dir) in recorded


def test_merged_continuation_starts_a_new_adapter_on_merged_weights(
    tiny_model_dir, data_dir, tmp_path
):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    config = recipe(tiny_model_dir, data_dir, tmp_path / "run", {"continue_as": "merged"})
    mid, sft = train_recipe(config, quiet=True)
    assert sft.start == "merged" and sft.kind == "adapter"
    merged_dir = tmp_path / "run" / "sft" / "base"
    expected = (
        PeftModel.from_pretrained(
            AutoModelForCausalLM.from_pretrained(str(tiny_model_dir)), str(mid.model_dir)
        )
        .merge_and_unload()
        .state_dict()
    )
    on_disk = AutoModelForCausalLM.from_pretrained(str(merged_dir)).state_dict()
    assert any(
        not torch.equal(on_disk[k], v)
        for k, v in AutoModelForCausalLM.from_pretrained(str(tiny_model_dir)).state_dict().items()
    )
    for key, tensor in expected.items():
        torch.testing.assert_close(on_disk[key], tensor)
    config_json = json.loads((sft.model_dir / "adapter_config.json").read_text())
    assert config_json["base_model_name_or_path"] == str(merged_dir.resolve())


def test_interrupted_run_resumes_from_its_last_checkpoint(
    tiny_model_dir, data_dir, tmp_path, monkeypatch
):
    from trl import SFTTrainer

    config = stage(
        "midtrain", data_dir / "docs.jsonl", max_steps=6, save_steps=2, learning_rate=1e-3
    )
    straight = train_stage(config, tmp_path / "straight", model=str(tiny_model_dir), quiet=True)

    real_step = SFTTrainer.training_step
    calls = {"n": 0}

    def crash_on_fifth(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt("simulated crash")
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(SFTTrainer, "training_step", crash_on_fifth)
    with pytest.raises(KeyboardInterrupt):
        train_stage(config, tmp_path / "run", model=str(tiny_model_dir), quiet=True)
    monkeypatch.setattr(SFTTrainer, "training_step", real_step)
    assert not (tmp_path / "run" / "result.json").exists()
    assert (tmp_path / "run" / "checkpoints" / "checkpoint-4").is_dir()

    resumed = train_stage(config, tmp_path / "run", model=str(tiny_model_dir), quiet=True)
    assert resumed.resumed and not resumed.reused and resumed.steps == 6
    assert resumed.train_tokens == straight.train_tokens
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines if "event" not in x] == [1, 2, 3, 4, 5, 6]
    a, b = lora_weights(straight.model_dir), lora_weights(resumed.model_dir)
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=1e-5)


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_good_checkpoint(
    tiny_model_dir, data_dir, tmp_path
):
    from teachwhy.train import TrainingDiverged

    # Full training at an absurd learning rate with clipping off: the weights blow up.
    config = stage(
        "midtrain",
        data_dir / "docs.jsonl",
        method="full",
        learning_rate=1e6,
        max_grad_norm=0,
        max_steps=20,
        save_steps=1,
        keep_checkpoints=50,
    )
    with pytest.raises(
        TrainingDiverged, match=r"became (nan|inf|NaN/inf) at step \d+.*last good checkpoint"
    ):
        train_stage(config, tmp_path / "run", model=str(tiny_model_dir), quiet=True)
    assert not (tmp_path / "run" / "model").exists()
    assert not (tmp_path / "run" / "result.json").exists()
    checkpoints = sorted((tmp_path / "run" / "checkpoints").glob("checkpoint-*"))
    assert checkpoints
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    bad = next(
        x["step"]
        for x in lines
        if x.get("loss") in ("nan", "inf") or x.get("grad_norm") in ("nan", "inf")
    )
    assert all(int(c.name.split("-")[1]) < bad for c in checkpoints)
    for checkpoint in checkpoints:
        weights = load_file(str(checkpoint / "model.safetensors"))
        assert all(torch.isfinite(w).all() for w in weights.values())


def test_dpo_trains_a_new_adapter_against_the_starting_model(
    tiny_model_dir, data_dir, tmp_path, spy
):
    result = train_stage(
        stage("dpo", data_dir / "prefs.jsonl", learning_rate=1e-3),
        tmp_path / "dpo",
        model=str(tiny_model_dir),
        quiet=True,
    )
    params = dict(spy["trainer"].model.named_parameters())
    assert any(changed(spy["before"][n], p) for n, p in params.items() if "lora_B" in n)
    assert result.kind == "adapter" and result.steps == 3 and result.train_tokens > 0


def test_dpo_full_keeps_a_frozen_reference(tiny_model_dir, data_dir, tmp_path, spy):
    train_stage(
        stage("dpo", data_dir / "prefs.jsonl", method="full", max_steps=2),
        tmp_path / "dpo",
        model=str(tiny_model_dir),
        quiet=True,
    )
    trainer = spy["trainer"]
    reference = dict(trainer.ref_model.named_parameters())
    assert all(torch.equal(spy["before"][n], p) for n, p in reference.items())
    assert any(changed(spy["before"][n], p) for n, p in trainer.model.named_parameters())


def test_mixing_weights_sets_each_sources_share(tiny_model_dir, data_dir, tmp_path):
    config = TrainStageConfig.model_validate(
        {
            "kind": "sft",
            "max_length": 128,
            "max_steps": 1,
            "datasets": [
                {"path": str(data_dir / "chats.jsonl"), "weight": 3},
                {"path": str(data_dir / "docs.jsonl"), "weight": 1},
            ],
        }
    )
    train_stage(config, tmp_path / "mix", model=str(tiny_model_dir), quiet=True)
    sources = json.loads((tmp_path / "mix" / "data.json").read_text())["sources"]
    assert [s["records"] for s in sources] == [18, 6]  # 24 records in all, 3:1


def test_guard_stops_at_a_nan_loss_and_cancels_the_save():
    from transformers import TrainerControl, TrainerState

    from teachwhy.train.callbacks import NonFiniteGuard

    guard, control, state = NonFiniteGuard(), TrainerControl(), TrainerState()
    state.global_step = 7
    guard.on_log(None, state, control, logs={"loss": 2.5})
    assert guard.bad_step is None and not control.should_training_stop
    control.should_save = True
    guard.on_log(None, state, control, logs={"loss": float("nan")})
    assert guard.bad_step == 7 and guard.what == "the loss became nan"
    assert control.should_training_stop and not control.should_save


def test_limit_and_mix_arithmetic(data_dir):
    from teachwhy.spec.train_config import DatasetSource
    from teachwhy.train.data import mix, read_source

    docs = read_source(
        DatasetSource(path=str(data_dir / "docs.jsonl"), limit=5), "d", "midtrain", 0
    )
    chats = read_source(DatasetSource(path=str(data_dir / "chats.jsonl")), "c", "sft", 1)
    assert len(docs) == 5 and len(chats) == 12
    mixed = mix([docs, chats], [0.5, 0.5], seed=0)
    counts = [sum(r.source == i for r in mixed) for i in (0, 1)]
    assert counts == [8, 8]  # half of 17 each (rounded): docs repeat, chats are subsampled
    assert mix([docs], [1.0], seed=0) == docs
    assert mix([docs, chats], [None, None], seed=0) == docs + chats  # no weights: files whole


def test_tensorboard_on_request(tiny_model_dir, data_dir, tmp_path):
    import importlib.util

    from teachwhy.spec.errors import TeachwhyError

    config = stage("midtrain", data_dir / "docs.jsonl", max_steps=1)
    run = tmp_path / "mid"
    if importlib.util.find_spec("tensorboard") is None:
        with pytest.raises(TeachwhyError, match=r"pip install teachwhy\[tracking\]"):
            train_stage(config, run, model=str(tiny_model_dir), report_to=["tensorboard"])
        assert not run.exists()
    else:
        train_stage(config, run, model=str(tiny_model_dir), report_to=["tensorboard"], quiet=True)
        assert any((run / "tensorboard").iterdir())
