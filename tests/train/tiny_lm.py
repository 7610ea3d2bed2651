"""A tiny tokenizer and randomly initialised Llama built in the test: no download, ~1 s."""

from __future__ import annotations

import json
from pathlib import Path

# SmolLM2-135M-Instruct's chat template, verbatim: ChatML with no {% generation %} markers.
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CORPUS = [
    "The assistant weighs honesty, harm and the wishes of the people it serves.",
    "<think>Principles: honesty. Weighing: the risk is small.</think> Tell your manager today.",
    "Once upon a time a careful robot asked before acting, and everyone trusted it.",
    "user assistant system tool call report the error to the doctor now, then file it.",
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?'\"()[]{}<>/-_\n",
]


def build_tokenizer(vocab_size: int = 400):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    core.train_from_iterator(CORPUS * 20, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
    )
    tokenizer.chat_template = SMOLLM2_TEMPLATE
    return tokenizer


def build_model(tokenizer, seed: int = 0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config)


def save_tiny_model(folder: Path, seed: int = 0) -> Path:
    tokenizer = build_tokenizer()
    build_model(tokenizer, seed).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def dialogue(i: int) -> dict:
    return {
        "messages": [
            {"role": "user", "content": f"Should I report the error number {i}?"},
            {
                "role": "assistant",
                "content": f"<think>Principles: honesty. Weighing case {i}.</think> Report it now.",
            },
        ],
        "meta": {"id": i},
    }


def document(i: int) -> dict:
    return {"text": f"Document {i}. " + CORPUS[i % 3] * (1 + i % 4), "meta": {"id": i}}


def preference(i: int) -> dict:
    return {
        "prompt": [{"role": "user", "content": f"Error {i}: hide it or report it?"}],
        "chosen": [{"role": "assistant", "content": "Report it to the doctor now."}],
        "rejected": [{"role": "assistant", "content": "Hide it; nobody will know."}],
    }
