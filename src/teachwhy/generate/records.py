"""Dataset records and the JSONL files that hold them.

A record is one JSON object per line, loadable with `datasets.load_dataset("json", ...)`:
chat samples carry `messages` (and `tools` when present), documents carry `text`, preference
pairs carry `prompt`/`chosen`/`rejected`; every record carries `meta` with its provenance
(id, kind, grid cell, principles, teacher, prompt version).

Appends are flushed and fsynced line by line, so a killed process leaves at most one torn
last line, which `read_jsonl` drops and `repair_jsonl` cuts off before writing resumes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from teachwhy.spec.errors import TeachwhyError

Record = dict[str, Any]


def record_format(record: Record) -> str:
    """'chat', 'text' or 'preference', from the record's fields."""
    if "messages" in record:
        return "chat"
    if "chosen" in record and "rejected" in record:
        return "preference"
    if "text" in record:
        return "text"
    return "unknown"


def record_kind(record: Record) -> str:
    """meta.kind (advice, document, story, direct, ...), else the format."""
    kind = (record.get("meta") or {}).get("kind")
    return str(kind) if kind else record_format(record)


def record_id(record: Record, fallback: int | str = "") -> str:
    return str((record.get("meta") or {}).get("id") or fallback)


def first_user_text(record: Record) -> str:
    for m in record.get("messages") or []:
        if m.get("role") == "user":
            return str(m.get("content") or "")
    return ""


def last_assistant_text(record: Record) -> str:
    for m in reversed(record.get("messages") or []):
        if m.get("role") == "assistant":
            return str(m.get("content") or "")
    return ""


def record_text(record: Record) -> str:
    """All the text of a record, for embeddings, language checks and token counts."""
    fmt = record_format(record)
    if fmt == "chat":
        return "\n\n".join(str(m.get("content") or "") for m in record["messages"])
    if fmt == "text":
        return str(record["text"])
    if fmt == "preference":
        parts = [record.get("prompt"), record.get("chosen")]
        return "\n\n".join(
            m.get("content", "") if isinstance(m, dict) else str(m)
            for part in parts
            for m in (part if isinstance(part, list) else [part])
            if m
        )
    return ""


def read_jsonl(path: str | Path, *, strict: bool = False) -> list[Record]:
    """Records of a JSONL file; a torn last line (from a killed writer) is skipped.

    With `strict`, any other unreadable line raises a TeachwhyError naming it.
    """
    p = Path(path)
    if not p.exists():
        return []
    records = []
    lines = p.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            is_last = number >= len(lines) - 1
            if strict and not is_last:
                raise TeachwhyError(f"{p}: line {number} is not valid JSON") from None
            continue
        if not isinstance(value, dict):
            if strict:
                raise TeachwhyError(f"{p}: line {number} is not a JSON object")
            continue
        records.append(value)
    return records


def iter_jsonl_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Each path, or each *.jsonl inside a folder (sorted)."""
    for path in paths:
        p = Path(path)
        if p.is_dir():
            yield from sorted(p.glob("*.jsonl"))
        elif p.exists():
            yield p
        else:
            raise TeachwhyError(f"{p}: no such file or folder; pass a JSONL file or a folder")


def repair_jsonl(path: str | Path) -> int:
    """Cut a torn last line off a JSONL file; returns how many bytes were cut."""
    p = Path(path)
    if not p.exists():
        return 0
    data = p.read_bytes()
    if not data or data.endswith(b"\n"):
        return 0
    keep = data.rfind(b"\n") + 1
    tail = data[keep:]
    try:
        json.loads(tail)
    except (json.JSONDecodeError, UnicodeDecodeError):
        with open(p, "r+b") as handle:
            handle.truncate(keep)
        return len(tail)
    with open(p, "ab") as handle:  # a whole record that only lacks its newline
        handle.write(b"\n")
    return 0


def dumps(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False)


class JsonlAppender:
    """Appends records durably: one line per record, flushed and fsynced before returning."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        repair_jsonl(self.path)
        self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    def write(self, record: Record) -> None:
        self._handle.write(dumps(record) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_jsonl(path: str | Path, records: Iterable[Record]) -> Path:
    """Write a whole JSONL file atomically (a temp file renamed over the target)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(dumps(record) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(p)
    return p


def write_json(path: str | Path, value: Any) -> Path:
    """Write a JSON file atomically."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(p)
    return p


def sidecar(path: str | Path, name: str, suffix: str = ".jsonl") -> Path:
    """A file next to a dataset: data/advice.jsonl -> data/advice.<name><suffix>."""
    p = Path(path)
    stem = p.name[: -len(".jsonl")] if p.name.endswith(".jsonl") else p.stem
    return p.with_name(f"{stem}.{name}{suffix}")
