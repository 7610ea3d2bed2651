"""The real embedded model and starter corpus (slow: the model is converted once, ~20 s)."""

from __future__ import annotations

import json

import pytest

from cli_helpers import run_cli
from teachwhy.spec.examples import EXAMPLES_DIR
from teachwhy.train.chat_masking import encode_chat

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smollm2():
    from teachwhy.models.local_lm import load_local_lm

    return load_local_lm(None)


def test_smollm2_masks_exactly_the_assistant_turns_of_the_advice_corpus(smollm2):
    tokenizer = smollm2.tokenizer
    assert "{% generation %}" not in tokenizer.chat_template
    lines = (EXAMPLES_DIR / "corpus" / "advice_part1.jsonl").read_text().splitlines()
    for line in lines[:5]:
        messages = json.loads(line)["messages"]
        chat = encode_chat(tokenizer, messages)
        runs, current = [], []
        for token, m in zip(chat.input_ids, chat.loss_mask, strict=True):
            if m:
                current.append(token)
            elif current:
                runs.append(tokenizer.decode(current))
                current = []
        if current:
            runs.append(tokenizer.decode(current))
        replies = [m["content"] for m in messages if m["role"] == "assistant"]
        assert runs == [reply + "<|im_end|>\n" for reply in replies]
        assert all("<think>" in r for r in runs[:1])  # the deliberation is trained


def test_quickstart_runs_a_step_per_stage_and_eval_can_load_it(capsys, tmp_path, smollm2):
    from teachwhy.models.local_lm import load_local_lm

    out = tmp_path / "qs"
    result = run_cli(
        capsys,
        "train",
        "train/quickstart.yaml",
        f"output_dir={out}",
        "stages.midtrain.max_steps=1",
        "stages.sft.max_steps=1",
        "stages.sft.max_length=900",
        "--quiet",
    )
    assert result.exit_code == 0, result.err
    adapter = out / "sft" / "model"
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(smollm2.path.resolve())
    loaded = load_local_lm(str(adapter))
    assert loaded.tokenizer.chat_template == smollm2.tokenizer.chat_template
