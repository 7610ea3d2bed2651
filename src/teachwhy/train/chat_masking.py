"""Which tokens of a rendered conversation are the assistant's: found by rendering prefixes.

Many chat templates (SmolLM2's among them) have no `{% generation %}` markers, so
`return_assistant_tokens_mask` cannot be used. Instead, for each assistant message i we render
the conversation up to i with the generation prompt (where the reply starts) and up to and
including i (where it ends, end-of-turn token included). Both must be prefixes of the full
rendering, which holds for any template that renders a conversation turn by turn; one that
rewrites earlier turns (e.g. strips old reasoning) is reported rather than silently mis-masked.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from teachwhy.spec.errors import TeachwhyError


class ChatTokens(NamedTuple):
    input_ids: list[int]
    loss_mask: list[int]
    """1 where the token is part of a trained assistant turn, else 0."""
    ignored_tools: bool
    """The record had tools but the chat template does not render them."""


class TemplateNotPrefixStable(TeachwhyError):
    """The chat template renders earlier turns differently once later turns are added."""


def render(
    tokenizer: Any, messages: list[dict[str, Any]], tools: Any, generation_prompt: bool
) -> str:
    text = tokenizer.apply_chat_template(
        messages, tools=tools, tokenize=False, add_generation_prompt=generation_prompt
    )
    assert isinstance(text, str), "apply_chat_template(tokenize=False) returns text"
    return text


def assistant_spans(
    tokenizer: Any, messages: list[dict[str, Any]], tools: Any = None, first_trained: int = 0
) -> tuple[str, list[tuple[int, int]]]:
    """The full rendering and the character spans of assistant turns at index >= first_trained."""
    full = render(tokenizer, messages, tools, generation_prompt=False)
    spans = []
    for i, message in enumerate(messages):
        if message.get("role") != "assistant" or i < first_trained:
            continue
        before = render(tokenizer, messages[:i], tools, generation_prompt=True) if i else ""
        through = render(tokenizer, messages[: i + 1], tools, generation_prompt=False)
        if not (full.startswith(through) and through.startswith(before)):
            raise TemplateNotPrefixStable(
                f"the chat template renders turn {i} differently once later turns follow, so "
                "assistant tokens cannot be located by prefix; give the tokenizer a chat template "
                "that renders each turn the same way, or split the conversation into one record "
                "per assistant turn"
            )
        spans.append((len(before), len(through)))
    return full, spans


def encode_chat(
    tokenizer: Any, messages: list[dict[str, Any]], tools: Any = None, first_trained: int = 0
) -> ChatTokens:
    """Token ids of the rendered conversation and a mask that is 1 on assistant turns only.

    The reply's text, any deliberation inside it and its end-of-turn marker carry loss; the
    generation prompt (e.g. `<|im_start|>assistant\\n`), system, user and tool turns do not.
    A token that starts inside an assistant span counts as the assistant's.
    """
    tools = json.loads(tools) if isinstance(tools, str) else tools
    tools = tools or None
    full, spans = assistant_spans(tokenizer, messages, tools, first_trained)
    if not getattr(tokenizer, "is_fast", False):
        raise TeachwhyError("assistant-only masking needs a fast (Rust) tokenizer with offsets")
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = encoded["input_ids"]
    mask = [0] * len(ids)
    for t, (start, end) in enumerate(encoded["offset_mapping"]):
        if end > start and any(s <= start < e for s, e in spans):
            mask[t] = 1
    ignored_tools = bool(tools) and full == render(tokenizer, messages, None, False)
    return ChatTokens(ids, mask, ignored_tools)
