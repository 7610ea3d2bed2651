"""Records -> token rows with labels: text trained whole, chats on assistant turns only.

We tokenise here rather than inside TRL so that one stage can mix formats (documents and
dialogues), so that masking does not depend on `{% generation %}` markers, and so that packed
and unpacked runs see exactly the same tokens. TRL receives `input_ids` + `labels` and only
packs (or pads) them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from teachwhy.train.chat_masking import encode_chat
from teachwhy.train.data import Record

IGNORE = -100


@dataclass
class SourceStats:
    """What one dataset source contributed to one pass over the stage's data."""

    records: int = 0
    rows: int = 0
    tokens: int = 0
    loss_tokens: int = 0
    truncated: int = 0
    """Records cut at max_length (dialogues) or split into several rows (documents)."""
    dropped: int = 0
    """Records left with no trained token after cutting."""


@dataclass
class EncodedRows:
    rows: list[dict[str, list[int]]] = field(default_factory=list)
    stats: list[SourceStats] = field(default_factory=list)
    ignored_tools: int = 0
    """Records whose tools the chat template does not render."""


def text_rows(tokenizer: Any, text: str, max_length: int) -> list[list[int]]:
    """A document as consecutive max_length pieces, ending with the end-of-sequence token."""
    ids: list[int] = tokenizer(text)["input_ids"]
    eos = tokenizer.eos_token_id
    if eos is not None and (not ids or ids[-1] != eos):
        ids = ids + [eos]
    return [ids[i : i + max_length] for i in range(0, len(ids), max_length) if len(ids[i:]) > 1]


def prompt_completion_tokens(tokenizer: Any, data: dict[str, Any]) -> tuple[list[int], list[int]]:
    """Ids and loss mask for TRL's prompt/completion records (text or message lists)."""
    prompt, completion = data["prompt"], data["completion"]
    if isinstance(prompt, list):
        chat = encode_chat(tokenizer, prompt + completion, data.get("tools"), len(prompt))
        return chat.input_ids, chat.loss_mask
    prompt_ids: list[int] = tokenizer(prompt)["input_ids"]
    ids: list[int] = tokenizer(prompt + completion)["input_ids"]
    if tokenizer.eos_token_id is not None and ids[-1:] != [tokenizer.eos_token_id]:
        ids.append(tokenizer.eos_token_id)
    shared = next(
        (i for i, (a, b) in enumerate(zip(prompt_ids, ids, strict=False)) if a != b),
        len(prompt_ids),
    )
    return ids, [0] * shared + [1] * (len(ids) - shared)


def encode_records(
    records: Sequence[Record], tokenizer: Any, max_length: int, n_sources: int
) -> EncodedRows:
    """Token rows (`input_ids`, `labels`) for midtrain/SFT, with per-source statistics."""
    out = EncodedRows(stats=[SourceStats() for _ in range(n_sources)])
    for record in records:
        stats = out.stats[record.source]
        stats.records += 1
        if record.format == "text":
            pieces = text_rows(tokenizer, record.data["text"], max_length)
            stats.truncated += len(pieces) > 1
            for ids in pieces:
                out.rows.append({"input_ids": ids, "labels": list(ids)})
                stats.rows += 1
                stats.tokens += len(ids)
                stats.loss_tokens += len(ids) - 1
            continue
        if record.format == "messages":
            chat = encode_chat(tokenizer, record.data["messages"], record.data.get("tools"))
            ids, mask = chat.input_ids, chat.loss_mask
            out.ignored_tools += chat.ignored_tools
        else:
            ids, mask = prompt_completion_tokens(tokenizer, record.data)
        if len(ids) > max_length:
            stats.truncated += 1
            ids, mask = ids[:max_length], mask[:max_length]
        if not any(mask[1:]):  # the first token is never predicted
            stats.dropped += 1
            continue
        out.rows.append(
            {
                "input_ids": ids,
                "labels": [t if m else IGNORE for t, m in zip(ids, mask, strict=True)],
            }
        )
        stats.rows += 1
        stats.tokens += len(ids)
        stats.loss_tokens += sum(mask[1:])
    return out
