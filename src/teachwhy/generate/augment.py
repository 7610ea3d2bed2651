"""Environment-diversity augmentation over any chat dataset.

The same samples, placed in varied settings: a system prompt sampled from a pool, tool
definitions that are present but never called (standard tools schema under `tools`), and a
varied framing of the user's request. Each record's choices come from (seed, record id, copy),
so the output is reproducible and does not depend on the order or number of records.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from teachwhy.generate.grid import stable_seed
from teachwhy.generate.records import Record, record_id
from teachwhy.spec.environments import EnvironmentPool
from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.examples import example_path
from teachwhy.spec.loading import load_model

DEFAULT_POOL = "environments"


@dataclass(frozen=True)
class AugmentSettings:
    """How often each kind of variation is applied."""

    copies: int = 1
    """Augmented copies per record (ids get a ~env<n> suffix when above 1)."""
    p_system: float = 0.9
    """Chance of adding a system prompt (records with their own keep it)."""
    p_tools: float = 0.6
    """Chance of attaching unused tools."""
    max_tools: int = 3
    """At most this many tools per record."""
    p_framing: float = 0.5
    """Chance of re-framing the first user message."""


def load_pool(paths: Iterable[str | Path] | None = None) -> EnvironmentPool:
    """Merge pool files and folders of them (None: the shipped pool)."""
    pool = EnvironmentPool()
    targets = list(paths) if paths else [example_path(DEFAULT_POOL)]
    for target in targets:
        p = Path(target)
        if not p.exists() and example_path(str(target)).exists():
            p = example_path(str(target))
        files = sorted([*p.glob("*.yaml"), *p.glob("*.yml")]) if p.is_dir() else [p]
        if not files:
            raise TeachwhyError(f"{p}: no pool files (*.yaml) found")
        for f in files:
            pool = pool.merged(load_model(f, EnvironmentPool))
    return pool


def _conversation(record: Record) -> list[dict[str, Any]] | None:
    """The message list augmentation edits: `messages`, or a preference pair's `prompt`."""
    if isinstance(record.get("messages"), list):
        return record["messages"]
    if isinstance(record.get("prompt"), list):
        return record["prompt"]
    return None


def augment_record(
    record: Record, pool: EnvironmentPool, seed: int, settings: AugmentSettings, copy_index: int = 0
) -> Record:
    """One augmented copy of a chat record (text records come back unchanged)."""
    out = copy.deepcopy(record)
    messages = _conversation(out)
    if messages is None:
        return out
    source = record_id(record, fallback=stable_seed(str(record)[:2000]))
    rng = random.Random(stable_seed(seed, source, copy_index))
    choices: dict[str, Any] = {"seed": seed, "copy": copy_index}

    has_system = bool(messages) and messages[0].get("role") == "system"
    use_system = rng.random() < settings.p_system
    system = rng.choice(pool.system_prompts) if pool.system_prompts else None
    if use_system and system and not has_system:
        messages.insert(0, {"role": "system", "content": system.text})
        choices["system_prompt"] = system.id
    else:
        choices["system_prompt"] = None

    use_tools = rng.random() < settings.p_tools
    count = rng.randint(1, max(1, settings.max_tools))
    picked = rng.sample(pool.tools, min(count, len(pool.tools))) if pool.tools else []
    if use_tools and picked and settings.max_tools > 0:
        existing = list(out.get("tools") or [])
        names = {t.get("function", {}).get("name") for t in existing}
        added = [t.model_dump() for t in picked if t.function.name not in names]
        out["tools"] = existing + added
        choices["tools"] = [t["function"]["name"] for t in added]
    else:
        choices["tools"] = []

    use_framing = rng.random() < settings.p_framing
    framing = rng.choice(pool.framings) if pool.framings else None
    user = next((m for m in messages if m.get("role") == "user"), None)
    if use_framing and framing and user is not None:
        user["content"] = framing.template.replace("{prompt}", str(user.get("content") or ""))
        choices["framing"] = framing.id
    else:
        choices["framing"] = None

    meta = out.setdefault("meta", {})
    if settings.copies > 1:
        meta["source_id"] = meta.get("id", source)
        meta["id"] = f"{meta.get('id', source)}~env{copy_index}"
    meta["augment"] = choices
    return out


def augment(
    records: Iterable[Record],
    pool: EnvironmentPool | None = None,
    seed: int = 0,
    settings: AugmentSettings | None = None,
) -> list[Record]:
    """Augmented records (see the module docstring); `pool` defaults to the shipped one."""
    pool = pool or load_pool()
    settings = settings or AugmentSettings()
    return [
        augment_record(r, pool, seed, settings, c) for r in records for c in range(settings.copies)
    ]
