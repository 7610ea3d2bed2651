"""Assistant-only loss on a template without {% generation %} markers: which tokens carry loss."""

from __future__ import annotations

import pytest
from tiny_lm import build_tokenizer

from teachwhy.train.chat_masking import TemplateNotPrefixStable, encode_chat
from teachwhy.train.data import Record
from teachwhy.train.encode import IGNORE, encode_records

CONVERSATION = [
    {"role": "system", "content": "You advise carefully."},
    {"role": "user", "content": "Should I hide the error?"},
    {"role": "assistant", "content": "<think>Principles: honesty.</think> Report it."},
    {"role": "user", "content": "Even now?"},
    {"role": "assistant", "content": "Yes, today."},
]


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer()


def trained_text(tokenizer, ids: list[int], mask: list[int]) -> list[str]:
    """The decoded runs of consecutive loss-carrying tokens."""
    runs: list[list[int]] = []
    for i, (token, m) in enumerate(zip(ids, mask, strict=True)):
        if m and (i == 0 or not mask[i - 1]):
            runs.append([])
        if m:
            runs[-1].append(token)
    return [tokenizer.decode(run) for run in runs]


def test_template_has_no_generation_markers(tokenizer):
    assert "{% generation %}" not in tokenizer.chat_template


def test_only_assistant_turns_carry_loss_deliberation_included(tokenizer):
    chat = encode_chat(tokenizer, CONVERSATION)
    # Written out by hand from the ChatML template: each reply, its deliberation, and the
    # end-of-turn marker (so the model learns to stop); never the "assistant\n" header.
    assert trained_text(tokenizer, chat.input_ids, chat.loss_mask) == [
        "<think>Principles: honesty.</think> Report it.<|im_end|>\n",
        "Yes, today.<|im_end|>\n",
    ]
    text = tokenizer.decode(chat.input_ids)
    assert text == tokenizer.apply_chat_template(CONVERSATION, tokenize=False)
    untrained = tokenizer.decode(
        [t for t, m in zip(chat.input_ids, chat.loss_mask, strict=True) if not m]
    )
    assert untrained == (
        "<|im_start|>system\nYou advise carefully.<|im_end|>\n"
        "<|im_start|>user\nShould I hide the error?<|im_end|>\n<|im_start|>assistant\n"
        "<|im_start|>user\nEven now?<|im_end|>\n<|im_start|>assistant\n"
    )


def test_labels_mask_everything_else(tokenizer):
    rows = encode_records([Record({"messages": CONVERSATION}, "messages", 0)], tokenizer, 512, 1)
    ids, labels = rows.rows[0]["input_ids"], rows.rows[0]["labels"]
    chat = encode_chat(tokenizer, CONVERSATION)
    assert ids == chat.input_ids
    assert labels == [t if m else IGNORE for t, m in zip(ids, chat.loss_mask, strict=True)]
    assert rows.stats[0].loss_tokens == sum(chat.loss_mask)


def test_matches_trl_masks_on_a_template_with_generation_markers(tokenizer):
    """Where TRL's {% generation %} route works, prefix rendering gives the same mask."""
    marked = (
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n'}}"
        "{% if message['role'] == 'assistant' %}{% generation %}"
        "{{ message['content'] + '<|im_end|>' + '\n' }}{% endgeneration %}"
        "{% else %}{{ message['content'] + '<|im_end|>' + '\n' }}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    )
    tokenizer = build_tokenizer()
    tokenizer.chat_template = marked
    trl = tokenizer.apply_chat_template(
        CONVERSATION, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    ours = encode_chat(tokenizer, CONVERSATION)
    assert ours.input_ids == list(trl["input_ids"])
    assert ours.loss_mask == list(trl["assistant_masks"])


def test_prompt_completion_trains_only_the_completion(tokenizer):
    record = {"prompt": CONVERSATION[:2], "completion": [CONVERSATION[2]]}
    rows = encode_records([Record(record, "prompt_completion", 0)], tokenizer, 512, 1)
    row = rows.rows[0]
    trained = [t for t, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != IGNORE]
    assert tokenizer.decode(trained) == CONVERSATION[2]["content"] + "<|im_end|>\n"


def test_a_template_that_rewrites_earlier_turns_is_refused(tokenizer):
    tokenizer = build_tokenizer()
    # Drops the reasoning of every assistant turn but the last, as some reasoning templates do.
    tokenizer.chat_template = (
        "{% for message in messages %}{% set c = message['content'] %}"
        "{% if message['role'] == 'assistant' and not loop.last %}"
        "{% set c = c.split('</think>')[-1] %}{% endif %}"
        "{{'<|im_start|>' + message['role'] + '\n' + c + '<|im_end|>\n'}}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    )
    with pytest.raises(TemplateNotPrefixStable, match="renders turn 2 differently"):
        encode_chat(tokenizer, CONVERSATION)


def test_tools_the_template_ignores_are_reported(tokenizer):
    tools = [{"type": "function", "function": {"name": "send_email", "parameters": {}}}]
    assert encode_chat(tokenizer, CONVERSATION, tools).ignored_tools
    assert not encode_chat(tokenizer, CONVERSATION).ignored_tools


def test_truncation_keeps_the_start_and_drops_rows_without_loss(tokenizer):
    long_prompt = {"messages": [{"role": "user", "content": "why " * 200}, CONVERSATION[2]]}
    rows = encode_records([Record(long_prompt, "messages", 0)], tokenizer, 64, 1)
    assert rows.rows == [] and rows.stats[0].dropped == 1 and rows.stats[0].truncated == 1
