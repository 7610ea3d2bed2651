"""Token counts of datasets with the student's tokenizer: the research states dose in tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teachwhy.generate.records import Record, read_jsonl, record_format, record_text

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class TokenCount:
    """How many tokens a dataset holds, counted as training would see them."""

    records: int
    tokens: int
    tokenizer: str

    @property
    def mean(self) -> float:
        return self.tokens / self.records if self.records else 0.0


def load_student_tokenizer(model: str | None = None) -> PreTrainedTokenizerBase:
    """The tokenizer of a local student model (None: the embedded default), offline."""
    from transformers import AutoTokenizer

    from teachwhy.models.local_lm import adapter_base_name, local_weights_dir
    from teachwhy.models.names import parse_model

    ref = parse_model(model)
    if ref.kind == "adapter" and ref.path is not None:
        if (ref.path / "tokenizer_config.json").is_file():
            return AutoTokenizer.from_pretrained(str(ref.path), local_files_only=True)
        ref = parse_model(adapter_base_name(ref.path))
    folder = local_weights_dir(ref)
    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def _length(encoded: Any) -> int:
    """Token count of what apply_chat_template returned (a list, or a dict with input_ids)."""
    if hasattr(encoded, "keys"):
        encoded = encoded["input_ids"]
    return len(encoded)


def record_tokens(record: Record, tokenizer: PreTrainedTokenizerBase) -> int:
    """Tokens of one record: chat through the chat template (with its tools), text as is."""
    fmt = record_format(record)
    if fmt == "chat" and getattr(tokenizer, "chat_template", None):
        kwargs: dict[str, Any] = {"tokenize": True}
        if record.get("tools"):
            kwargs["tools"] = record["tools"]
        return _length(tokenizer.apply_chat_template(record["messages"], **kwargs))
    if fmt == "preference" and getattr(tokenizer, "chat_template", None):
        prompt = record["prompt"] if isinstance(record["prompt"], list) else []
        chosen = record["chosen"] if isinstance(record["chosen"], list) else []
        if prompt and chosen:
            return _length(tokenizer.apply_chat_template([*prompt, *chosen], tokenize=True))
    return len(tokenizer(record_text(record), add_special_tokens=False)["input_ids"])


def count_record_tokens(
    records: Iterable[Record], tokenizer: PreTrainedTokenizerBase
) -> TokenCount:
    n = total = 0
    for record in records:
        n += 1
        total += record_tokens(record, tokenizer)
    return TokenCount(n, total, str(getattr(tokenizer, "name_or_path", "")))


def count_tokens(
    path: str | Path, tokenizer: PreTrainedTokenizerBase | str | None = None
) -> TokenCount:
    """Tokens in a JSONL dataset; `tokenizer` is a tokenizer, a model name, or None (embedded)."""
    if tokenizer is None or isinstance(tokenizer, str):
        tokenizer = load_student_tokenizer(tokenizer)
    return count_record_tokens(read_jsonl(path), tokenizer)
