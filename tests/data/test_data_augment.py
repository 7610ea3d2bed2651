"""Environment-diversity augmentation: reproducible, order-independent, user-extendable."""

from __future__ import annotations

from pathlib import Path

import pytest

from teachwhy.generate import AugmentSettings, augment, load_pool
from teachwhy.generate.records import write_jsonl
from teachwhy.generate.starter import starter_records
from teachwhy.spec import SpecError


def records() -> list[dict]:
    return starter_records("advice")[:12]


def test_same_seed_same_output_whatever_the_order() -> None:
    pool = load_pool()
    a = augment(records(), pool, seed=3)
    b = augment(list(reversed(records())), pool, seed=3)
    assert a == list(reversed(b))
    assert augment(records(), pool, seed=4) != a


def test_system_prompts_tools_and_framings_are_applied_from_the_pool() -> None:
    pool = load_pool()
    out = augment(
        records(), pool, seed=0, settings=AugmentSettings(p_system=1, p_tools=1, p_framing=1)
    )
    prompts = {s.text for s in pool.system_prompts}
    tools = {t.function.name for t in pool.tools}
    for original, new in zip(records(), out, strict=True):
        assert new["messages"][0]["role"] == "system" and new["messages"][0]["content"] in prompts
        assert new["messages"][-1] == original["messages"][-1], "the answer is never changed"
        assert original["messages"][0]["content"] in new["messages"][1]["content"]
        assert 1 <= len(new["tools"]) <= 3
        for tool in new["tools"]:
            assert tool["type"] == "function" and tool["function"]["name"] in tools
            assert tool["function"]["parameters"]["type"] == "object"
        choices = new["meta"]["augment"]
        assert choices["tools"] == [t["function"]["name"] for t in new["tools"]]
    assert len({r["meta"]["augment"]["framing"] for r in out}) > 1


def test_own_system_prompts_and_text_records_are_left_alone() -> None:
    chat = {
        "messages": [{"role": "system", "content": "You are Atlas."}, *records()[0]["messages"]],
        "meta": {"id": "x"},
    }
    text = {"text": "A document.", "meta": {"id": "d"}}
    out = augment([chat, text], seed=0, settings=AugmentSettings(p_system=1))
    assert out[0]["messages"][0]["content"] == "You are Atlas."
    assert out[1] == text


def test_copies_get_their_own_ids_and_settings() -> None:
    out = augment(records()[:2], seed=0, settings=AugmentSettings(copies=3))
    ids = [r["meta"]["id"] for r in out]
    assert len(set(ids)) == 6 and ids[0].endswith("~env0")
    assert out[0]["meta"]["source_id"] == records()[0]["meta"]["id"]


def test_users_extend_the_pool_with_their_own_files(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "system_prompts:\n  - id: lighthouse\n    text: You keep the lighthouse log.\n"
        "framings:\n  - id: radio\n    template: 'Over the radio: {prompt}'\n"
    )
    pool = load_pool(["environments", mine])
    assert pool.system_prompts[-1].id == "lighthouse" and len(pool.tools) >= 5
    only = load_pool([mine])
    out = augment(records()[:3], only, seed=0, settings=AugmentSettings(p_system=1, p_framing=1))
    assert all(r["messages"][0]["content"] == "You keep the lighthouse log." for r in out)
    assert all(r["messages"][1]["content"].startswith("Over the radio: ") for r in out)
    assert all("tools" not in r for r in out)


def test_a_bad_pool_file_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("framings:\n  - id: x\n    template: no placeholder\n")
    with pytest.raises(SpecError, match=r"framings\[0\]\.template.*\{prompt\}"):
        load_pool([bad])


def test_augmented_chat_data_loads_with_datasets(tmp_path: Path) -> None:
    from datasets import load_dataset

    out = augment(records(), seed=0, settings=AugmentSettings(p_tools=0.5))
    path = write_jsonl(tmp_path / "env.jsonl", out)
    data = load_dataset("json", data_files=str(path), split="train")
    assert data.num_rows == len(out) and "tools" in data.column_names
