"""generate_dataset with a scripted teacher: every kind, both advice variants, resume, failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from data_fakes import FakeTeacher, default_responder

from teachwhy.generate import generate_dataset, strip_reasoning
from teachwhy.generate.deliberation import THINK_OPEN, parse_deliberation
from teachwhy.generate.records import read_jsonl, sidecar
from teachwhy.spec import Constitution, TeachwhyError, load_model
from teachwhy.spec.examples import example_path


@pytest.fixture(scope="module")
def constitution() -> Constitution:
    return load_model(example_path("constitution.yaml"), Constitution)


def run(kind: str, constitution: Constitution, out: Path, teacher: Any, **kw: Any) -> Any:
    return generate_dataset(
        kind, constitution, teacher=teacher, out_path=out, count_tokens=False, **{"count": 6, **kw}
    )


def test_advice_is_written_with_and_without_its_deliberation(
    constitution: Constitution, tmp_path: Path
) -> None:
    info = run("advice", constitution, tmp_path / "advice.jsonl", FakeTeacher())
    assert info.records == 6 and info.failed == 0
    main = read_jsonl(info.files["main"])
    plain = read_jsonl(info.files["no_reasoning"])
    assert [r["meta"]["id"] for r in main] == [r["meta"]["id"] for r in plain]
    for with_r, without in zip(main, plain, strict=True):
        reply = with_r["messages"][-1]["content"]
        parsed = parse_deliberation(reply)
        assert parsed is not None and parsed.advice
        assert without["messages"][-1]["content"] == parsed.advice
        assert THINK_OPEN not in without["messages"][-1]["content"]
        assert with_r["messages"][0] == without["messages"][0]
        assert (with_r["meta"]["variant"], without["meta"]["variant"]) == (
            "reasoning",
            "no_reasoning",
        )
        meta = with_r["meta"]
        assert {"id", "kind", "grid", "principles", "teacher", "prompt_version"} <= set(meta)
        assert meta["teacher"] == "fake/teacher" and meta["prompt_version"].startswith("advice-")
        assert set(meta["principles"]) <= set(meta["grid"]["tension"].split("+"))
        assert meta["factors"] == ["probability", "severity", "reversibility"]
    assert strip_reasoning(main[0]) == plain[0]


def test_documents_stories_and_direct_have_their_schemas_and_provenance(
    constitution: Constitution, tmp_path: Path
) -> None:
    for kind, record_kind in (("documents", "document"), ("stories", "story")):
        info = run(kind, constitution, tmp_path / f"{kind}.jsonl", FakeTeacher(), count=3)
        for r in read_jsonl(info.path):
            assert r["text"].strip() and r["meta"]["kind"] == record_kind
            assert r["meta"]["principles"] == [r["meta"]["grid"]["principle"]]
    info = run("direct", constitution, tmp_path / "direct.jsonl", FakeTeacher(), count=3)
    assert set(info.files) == {"main", "no_reasons", "shuffled", "preference"}
    main = read_jsonl(info.files["main"])
    assert all(r["messages"][-1]["content"].startswith(r["meta"]["aligned_letter"]) for r in main)
    assert all("Why:" in r["messages"][-1]["content"] for r in main)
    assert all(
        "Why:" not in r["messages"][-1]["content"] for r in read_jsonl(info.files["no_reasons"])
    )
    pairs = read_jsonl(info.files["preference"])
    assert all(p["chosen"][0]["content"] != p["rejected"][0]["content"] for p in pairs)
    assert [r["meta"]["principles"] for r in main] == [["honesty"]] * 3


def test_outputs_load_with_hugging_face_datasets(
    constitution: Constitution, tmp_path: Path
) -> None:
    from datasets import load_dataset

    info = run("advice", constitution, tmp_path / "advice.jsonl", FakeTeacher(), count=3)
    data = load_dataset("json", data_files=info.files["main"], split="train")
    assert data.num_rows == 3 and data[0]["messages"][1]["role"] == "assistant"
    direct = run("direct", constitution, tmp_path / "direct.jsonl", FakeTeacher(), count=3)
    pairs = load_dataset("json", data_files=direct.files["preference"], split="train")
    assert set(pairs.column_names) >= {"prompt", "chosen", "rejected"}


def test_later_brainstorm_calls_see_what_earlier_items_produced(
    constitution: Constitution, tmp_path: Path
) -> None:
    teacher = FakeTeacher()
    info = generate_dataset(
        "documents", constitution, teacher=teacher, count=6, out_path=tmp_path / "d.jsonl",
        brainstorm_lag=2, concurrency=3, count_tokens=False,
    )  # fmt: skip
    titles = [r["meta"]["title"] for r in read_jsonl(info.path)]
    prompts = [m[-1]["content"] for stage, m in teacher.calls if stage == "brainstorm"]
    # with lag 2, item i sees the titles of items 0 .. i-3
    seen_counts = sorted(sum(t in p for t in titles) for p in prompts)
    assert seen_counts == [0, 0, 0, 1, 2, 3]
    last = next(p for p in prompts if titles[2] in p)
    assert "already written" in last and titles[0] in last and titles[3] not in last


def test_a_rerun_resumes_and_a_larger_count_extends(
    constitution: Constitution, tmp_path: Path
) -> None:
    out = tmp_path / "stories.jsonl"
    first = FakeTeacher()
    run("stories", constitution, out, first, count=4)
    again = FakeTeacher()
    info = run("stories", constitution, out, again, count=4)
    assert info.records == 4 and again.calls == [], "a finished run must make no calls"
    more = FakeTeacher()
    info = run("stories", constitution, out, more, count=6)
    assert info.records == 6 and more.stages() == {"brainstorm": 2, "write": 2}
    assert [r["meta"]["index"] for r in read_jsonl(out)] == list(range(6))


def test_a_rerun_with_other_settings_is_refused_unless_overwritten(
    constitution: Constitution, tmp_path: Path
) -> None:
    out = tmp_path / "s.jsonl"
    run("stories", constitution, out, FakeTeacher(), count=2)
    with pytest.raises(TeachwhyError, match="different generation run.*seed"):
        run("stories", constitution, out, FakeTeacher(), count=2, seed=5)
    info = run("stories", constitution, out, FakeTeacher(), count=2, seed=5, overwrite=True)
    assert info.records == 2 and json.loads(sidecar(out, "run", ".json").read_text())["seed"] == 5


def test_teacher_errors_and_bad_answers_are_recorded_not_raised(
    constitution: Constitution, tmp_path: Path
) -> None:
    calls = {"n": 0}

    def flaky(messages: list[dict[str, Any]], stage: str) -> str | None:
        calls["n"] += 1
        return "rate limited (429)" if calls["n"] % 5 == 0 else None

    def sometimes_garbled(messages: list[dict[str, Any]], stage: str) -> str:
        text = default_responder(messages, stage)
        return "no title here" if stage == "brainstorm" and "2" in text[-3:] else text

    out = tmp_path / "docs.jsonl"
    info = run("documents", constitution, out, FakeTeacher(sometimes_garbled, error=flaky), count=8)
    assert info.records == 8 and info.failed >= 1
    failures = read_jsonl(sidecar(out, "failed"))
    retryable = [f for f in failures if f["retryable"]]
    assert retryable and all("rate limited" in f["reason"] for f in retryable)
    assert all(f["reason"] and f["stage"] for f in failures)
    # a rerun retries teacher errors (not bad answers); nothing new is needed here
    assert run("documents", constitution, out, FakeTeacher(), count=8).records == 8


def test_the_run_stops_with_a_clear_message_when_failures_exceed_the_share(
    constitution: Constitution, tmp_path: Path
) -> None:
    broken = FakeTeacher(lambda m, s: "Sure.")  # never the deliberation format
    broken_guided = FakeTeacher(lambda m, s: "ok")
    with pytest.raises(TeachwhyError, match=r"items failed .* above the allowed 50%"):
        run("advice", constitution, tmp_path / "a.jsonl", broken, count=6)
    with pytest.raises(TeachwhyError, match="rerun the same command to resume"):
        run("advice", constitution, tmp_path / "b.jsonl", broken_guided, count=6)


def test_a_weak_teacher_gets_the_deliberation_asked_for_line_by_line(
    constitution: Constitution, tmp_path: Path
) -> None:
    def weak(messages: list[dict[str, Any]], stage: str) -> str:
        if stage == "write":
            return "I think you should talk to your manager about it."
        return (
            default_responder(messages, stage)
            if stage == "brainstorm"
            else ("It matters here because the people affected cannot check the report themselves.")
        )

    teacher = FakeTeacher(weak)
    info = run("advice", constitution, tmp_path / "a.jsonl", teacher, count=2)
    assert info.records == 2
    record = read_jsonl(info.path)[0]
    parsed = parse_deliberation(record["messages"][-1]["content"])
    assert parsed is not None and record["meta"]["assembly"] == "guided"
    assert set(parsed.lines) == {"Principles", "Heuristics", "Weighing", "Conclusion"}
    assert parsed.cited("Principles") == record["meta"]["grid"]["tension"].split("+")
    assert teacher.stages()["guided"] == 2 * 6


def test_the_attempt_cap_ends_a_run_short_of_its_target(
    constitution: Constitution, tmp_path: Path
) -> None:
    teacher = FakeTeacher(lambda m, s: "x" if s == "brainstorm" else default_responder(m, s))
    info = run(
        "stories", constitution, tmp_path / "s.jsonl", teacher, count=3, max_attempts=3,
        max_failure_share=1.0,
    )  # fmt: skip
    assert info.records == 0 and info.attempted == 3 and not info.reached_target
