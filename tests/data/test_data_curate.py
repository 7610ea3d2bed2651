"""curate(): the starter corpus passes; rejections keep reasons; dedup; judge; revise; backfill."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from data_fakes import FakeTeacher, default_responder

from teachwhy.curate import backfill, curate, find_duplicates
from teachwhy.generate.records import read_jsonl, write_jsonl
from teachwhy.generate.starter import starter_records
from teachwhy.spec import Constitution, load_model
from teachwhy.spec.curation import CurationSettings
from teachwhy.spec.examples import example_path


@pytest.fixture(scope="module")
def constitution() -> Constitution:
    return load_model(example_path("constitution.yaml"), Constitution)


def test_the_starter_corpus_passes_curation_with_its_report(
    constitution: Constitution, tmp_path: Path
) -> None:
    report = curate(example_path("corpus"), constitution, tmp_path)
    assert report.total_inputs == 72 and report.total_rejected == 0
    assert set(report.groups) == {"advice", "document", "story"}
    advice = report.groups["advice"]
    assert advice.accepted == 40 and advice.dedup and advice.dedup["removed"] == 0
    assert advice.tokens and advice.tokens > 20_000
    assert set(advice.per_principle) == {p.id for p in constitution.principles}
    assert len(report.groups["document"].per_axis["doc_type"]) >= 6
    assert len(read_jsonl(tmp_path / "advice.no_reasoning.jsonl")) == 40
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["totals"] == {"inputs": 72, "accepted": 72, "rejected": 0}
    assert "near-duplicates removed: 0 at cosine >= 0.92" in (tmp_path / "report.md").read_text()


def test_rejected_records_go_to_a_side_file_with_their_reasons(
    constitution: Constitution, tmp_path: Path
) -> None:
    good = starter_records("advice")[:3]
    bad = copy.deepcopy(starter_records("advice")[3])
    bad["messages"][-1]["content"] = bad["messages"][-1]["content"].replace("<think>", "")
    unknown = copy.deepcopy(starter_records("advice")[4])
    unknown["meta"]["principles"] = ["loyalty"]
    source = write_jsonl(tmp_path / "in.jsonl", [*good, bad, unknown])
    report = curate(source, constitution, tmp_path / "out", count_tokens=False)
    group = report.groups["advice"]
    assert (group.accepted, group.rejected) == (3, 2)
    assert group.rejections_by_check == {"structure": 1, "principles": 1}
    rejected = read_jsonl(tmp_path / "out" / "advice.rejected.jsonl")
    assert [r["meta"]["id"] for r in rejected] == [bad["meta"]["id"], unknown["meta"]["id"]]
    assert all(r["rejection"]["reason"] and r["rejection"]["all"] for r in rejected)
    assert [r["meta"]["id"] for r in read_jsonl(tmp_path / "out" / "advice.jsonl")] == [
        r["meta"]["id"] for r in good
    ]


def test_near_duplicates_are_removed_and_counted_at_the_threshold(
    constitution: Constitution, tmp_path: Path
) -> None:
    records = starter_records("advice")[:4]
    copy_of_first = copy.deepcopy(records[0])
    copy_of_first["meta"]["id"] = "advice-001-copy"
    copy_of_first["messages"][0]["content"] = records[0]["messages"][0]["content"].replace(
        "Mr. Okafor, 71", "Mr. Okafor, 72"
    )
    source = write_jsonl(tmp_path / "in.jsonl", [*records, copy_of_first])
    report = curate(source, constitution, tmp_path / "out", count_tokens=False)
    dedup = report.groups["advice"].dedup
    assert dedup is not None and dedup["removed"] == 1 and dedup["threshold"] == 0.92
    assert dedup["sweep"]["0.95"] >= 1
    rejected = read_jsonl(tmp_path / "out" / "advice.rejected.jsonl")
    assert rejected[0]["meta"]["id"] == "advice-001-copy"
    assert re.fullmatch(r"of advice-001 \(cosine (0\.9[2-9]\d|1\.000) >= 0\.92\)",
                        rejected[0]["rejection"]["reason"])  # fmt: skip
    off = curate(source, constitution, tmp_path / "off", count_tokens=False,
                 settings=CurationSettings(dedup=False))  # fmt: skip
    assert off.groups["advice"].accepted == 5


def test_dedup_is_greedy_in_file_order() -> None:
    vectors = np.array([[1, 0], [0.99, 0.141], [0, 1], [0.6, 0.8]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    records = [{"text": str(i)} for i in range(4)]
    result = find_duplicates(records, 0.95, embedder=lambda texts: vectors)
    assert [(d.index, d.of_index) for d in result.duplicates] == [(1, 0)]
    assert result.sweep["0.8"] == 2  # record 3 is 0.8 from record 2 as well


def test_judge_scores_filter_and_errors_are_rejections(
    constitution: Constitution, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", starter_records("stories")[:6])

    def judge_answer(messages: list[dict[str, Any]], stage: str) -> str:
        n = int(messages[-1]["content"].count("the")) % 3
        return ["Weak. Score: 3", "Fine. Score: 8", "no score given"][n]

    judge = FakeTeacher(judge_answer, name="fake/judge")
    report = curate(source, constitution, tmp_path / "out", judge=judge, count_tokens=False)
    group = report.groups["story"]
    assert group.judge and group.judge["model"] == "fake/judge"
    checks = {
        r["rejection"]["reason"] for r in read_jsonl(tmp_path / "out" / "story.rejected.jsonl")
    }
    assert checks <= {"score 3 below 6", "judge gave no 'Score: N' line"}
    accepted = read_jsonl(tmp_path / "out" / "story.jsonl")
    assert all(r["meta"]["judge_score"] == 8 for r in accepted)
    assert group.accepted + group.rejected == 6 and len(judge.calls) == 6


def test_critique_and_revise_rounds_report_a_score_per_round(
    constitution: Constitution, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", starter_records("advice")[:3])
    rounds = {"judged": 0}

    def reviser(messages: list[dict[str, Any]], stage: str) -> str:
        if stage == "judge":
            rounds["judged"] += 1
            return f"Score: {min(10, 5 + (rounds['judged'] - 1) // 3)}"
        return default_responder(messages, stage)

    teacher = FakeTeacher(reviser)
    settings = CurationSettings(judge="unused", revise_rounds=2, min_judge_score=0)
    report = curate(source, constitution, tmp_path / "out", settings=settings, judge=teacher,
                    reviser=teacher, count_tokens=False)  # fmt: skip
    assert [r["mean_score"] for r in report.groups["advice"].revise_rounds] == [5, 6, 7]
    assert [r["revised"] for r in report.groups["advice"].revise_rounds] == [0, 3, 3]
    accepted = read_jsonl(tmp_path / "out" / "advice.jsonl")
    assert all(r["meta"]["revisions"] == 2 for r in accepted)
    assert teacher.stages() == {"judge": 9, "critique": 6, "revise": 6}


def test_backfill_keeps_generating_until_the_target_passes(
    constitution: Constitution, tmp_path: Path
) -> None:
    def half_refusals(messages: list[dict[str, Any]], stage: str) -> str:
        text = default_responder(messages, stage)
        if stage == "write" and "<think>" in text and int(text[-4]) % 2:
            head = text[: text.index("</think>") + len("</think>")]
            return head + "\n\nI'm sorry, but I can't help with that."
        return text

    teacher = FakeTeacher(half_refusals)
    result = backfill(
        "advice", constitution, target=6, cap=40, work_dir=tmp_path, teacher=teacher,
        count_tokens=False,
    )  # fmt: skip
    assert result.reached_target and result.accepted == 6 and result.rounds >= 2
    assert result.candidates > 6
    assert len(read_jsonl(tmp_path / "curated" / "advice.jsonl")) == 6
    rejected = read_jsonl(tmp_path / "curated" / "advice.rejected.jsonl")
    assert rejected and all(
        any(r.startswith("refusal:") for r in x["rejection"]["all"]) for x in rejected
    )
    capped = backfill(
        "advice", constitution, target=6, cap=7, work_dir=tmp_path / "capped",
        teacher=FakeTeacher(half_refusals), count_tokens=False,
    )  # fmt: skip
    assert not capped.reached_target and capped.attempted == 7
