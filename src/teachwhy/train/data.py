"""Read a stage's JSONL sources, check each record's format, and mix the sources by weight."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from teachwhy.spec.errors import Problem, SpecError
from teachwhy.spec.examples import EXAMPLES_DIR
from teachwhy.spec.train_config import DatasetSource, StageKind

RecordFormat = Literal["text", "messages", "prompt_completion", "preference"]

# Which record formats each stage kind trains on (TRL's dataset conventions).
ACCEPTED_FORMATS: dict[str, tuple[RecordFormat, ...]] = {
    "midtrain": ("text",),
    "sft": ("messages", "prompt_completion", "text"),
    "dpo": ("preference",),
}
FORMAT_KEYS = {
    "text": "text",
    "messages": "messages (+ optional tools)",
    "prompt_completion": "prompt + completion",
    "preference": "prompt + chosen + rejected",
}


@dataclass(frozen=True)
class Record:
    """One training record, tagged with its format and where it came from."""

    data: dict[str, Any]
    format: RecordFormat
    source: int
    """Index of the stage's dataset source the record came from."""


def resolve_data_path(path: str, config_dir: Path | None = None) -> Path | None:
    """A source path: as given, else next to the config file, else a shipped example."""
    p = Path(path).expanduser()
    candidates = [p] if p.is_absolute() else [p, *([config_dir / p] if config_dir else [])]
    candidates.append(EXAMPLES_DIR / path)
    return next((c.resolve() for c in candidates if c.is_file()), None)


def record_format(record: Any) -> RecordFormat | None:
    if not isinstance(record, dict):
        return None
    if "chosen" in record and "rejected" in record:
        return "preference"
    if isinstance(record.get("messages"), list):
        return "messages"
    if "prompt" in record and "completion" in record:
        return "prompt_completion"
    if isinstance(record.get("text"), str):
        return "text"
    return None


def read_source(
    source: DatasetSource,
    field: str,
    kind: StageKind,
    index: int,
    config_dir: Path | None = None,
    config_file: str = "training config",
) -> list[Record]:
    """All records of one JSONL source, or a SpecError naming the field, file and line."""
    path = resolve_data_path(source.path, config_dir)
    if path is None:
        raise SpecError(
            [
                Problem(
                    config_file,
                    f"{field}.path",
                    f"no such file: {source.path}",
                    "give a JSONL path relative to the working folder or the config file",
                )
            ]
        )
    accepted = ACCEPTED_FORMATS[kind]
    records: list[Record] = []
    problems: list[Problem] = []
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"line {line_no}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(
                    Problem(str(path), where, f"not JSON ({e.msg})", "one JSON object a line")
                )
                continue
            fmt = record_format(data)
            if fmt is None or fmt not in accepted:
                wanted = " or ".join(FORMAT_KEYS[a] for a in accepted)
                problems.append(
                    Problem(
                        str(path),
                        where,
                        f"a {kind} stage needs records with {wanted}",
                        f"fix the record or use this file in another stage ({field})",
                    )
                )
            elif records and fmt != records[0].format:
                problems.append(
                    Problem(
                        str(path),
                        where,
                        f"record is {fmt}, earlier ones are {records[0].format}",
                        "keep one format per file",
                    )
                )
            else:
                problems += content_problems(data, fmt, str(path), where)
                records.append(Record(data, fmt, index))
            if len(problems) >= 10:
                break
            if source.limit and len(records) >= source.limit:
                break
    if problems:
        raise SpecError(problems)
    if not records:
        raise SpecError([Problem(str(path), "", "no records", f"fill the file or remove {field}")])
    return records


def content_problems(
    data: dict[str, Any], fmt: RecordFormat, file: str, where: str
) -> list[Problem]:
    """Field-level checks TRL would otherwise fail on deep inside tokenisation."""
    problems = []
    if fmt == "messages":
        for i, message in enumerate(data["messages"]):
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                problems.append(
                    Problem(
                        file,
                        f"{where}: messages[{i}]",
                        "a message needs a role",
                        'write {"role": ..., "content": ...}',
                    )
                )
            elif not isinstance(message.get("content", ""), str | None):
                problems.append(
                    Problem(
                        file,
                        f"{where}: messages[{i}].content",
                        "content must be text",
                        "multimodal parts are not supported",
                    )
                )
        if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in data["messages"]):
            problems.append(
                Problem(
                    file,
                    f"{where}: messages",
                    "no assistant turn to train on",
                    "add the assistant's reply",
                )
            )
    if fmt == "preference":
        prompt, chosen, rejected = data.get("prompt"), data["chosen"], data["rejected"]
        if isinstance(prompt, str) and not (isinstance(chosen, str) and isinstance(rejected, str)):
            problems.append(
                Problem(
                    file,
                    where,
                    "a text prompt needs text chosen and rejected",
                    "use strings for all three, or message lists",
                )
            )
    return problems


def normalise_preference(data: dict[str, Any]) -> dict[str, Any]:
    """TRL's preference conventions: a message-list prompt needs message-list answers."""
    out: dict[str, Any] = {
        k: data[k] for k in ("prompt", "chosen", "rejected", "tools") if k in data
    }
    if isinstance(out.get("prompt"), list):
        for key in ("chosen", "rejected"):
            if isinstance(out[key], str):
                out[key] = [{"role": "assistant", "content": out[key]}]
    return out


def mix(
    sources: Sequence[Sequence[Record]], weights: Sequence[float | None], seed: int
) -> list[Record]:
    """Records drawn so each source's share equals its weight; the total is the sources' sum.

    A source asked for more records than it has is repeated (whole passes, then a random
    remainder); one asked for fewer is subsampled without replacement. Without weights (or
    with one source) every file is used whole, as it is.
    """
    assert len(sources) == len(weights) and sources, "one weight per source"
    if len(sources) == 1 or all(w is None for w in weights):
        return [record for records in sources for record in records]
    assert all(w is not None for w in weights), "weights on every source or none"
    shares = [float(w or 0.0) for w in weights]
    rng = random.Random(seed)
    total = sum(len(s) for s in sources)
    mixed: list[Record] = []
    for records, share in zip(sources, shares, strict=True):
        want = max(1, round(total * share / sum(shares)))
        passes, rest = divmod(want, len(records))
        mixed += list(records) * passes + rng.sample(list(records), rest)
    rng.shuffle(mixed)
    return mixed
