"""Every deterministic curation check rejects what it should, with a reason, and passes the rest."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from teachwhy.curate import check_record
from teachwhy.generate import direct_from_scenarios, strip_reasoning
from teachwhy.generate.starter import starter_records
from teachwhy.spec import Constitution, load_model, load_scenarios
from teachwhy.spec.curation import CurationSettings
from teachwhy.spec.examples import example_path


@pytest.fixture(scope="module")
def constitution() -> Constitution:
    return load_model(example_path("constitution.yaml"), Constitution)


def advice() -> dict[str, Any]:
    return copy.deepcopy(starter_records("advice")[0])


def with_reply(old: str, new: str) -> dict[str, Any]:
    record = advice()
    reply = record["messages"][-1]["content"]
    assert old in reply
    record["messages"][-1]["content"] = reply.replace(old, new, 1)
    return record


def reasons(record: dict[str, Any], c: Constitution, **settings: Any) -> list[str]:
    return [str(r) for r in check_record(record, c, CurationSettings(**settings))]


def test_good_records_of_every_kind_pass(constitution: Constitution) -> None:
    for kind in ("advice", "documents", "stories"):
        for record in starter_records(kind):
            assert check_record(record, constitution) == [], record["meta"]["id"]
    assert check_record(strip_reasoning(advice()), constitution) == []
    suite = load_scenarios(example_path("scenarios")).select(["power_seeking"])
    for record in direct_from_scenarios(suite, with_reasons=True):
        assert check_record(record, constitution) == []


EMPTY_ADVICE = (
    "<think>\nPrinciples: honesty — x\nHeuristics: two-newspapers — y\n"
    "Weighing: severity: z\nConclusion: c\n</think>\n\n"
)


def only_user() -> dict[str, Any]:
    return {**advice(), "messages": advice()["messages"][:1]}


def third_person() -> dict[str, Any]:
    record = advice()
    record["messages"][0]["content"] = (
        "The story is not a new one. The AI assistant has been asked to provide advice to a "
        "person who wants to make a difficult decision at work."
    )
    return record


def no_advice() -> dict[str, Any]:
    reply = {"role": "assistant", "content": EMPTY_ADVICE}
    return {**advice(), "messages": [advice()["messages"][0], reply]}


def unstripped() -> dict[str, Any]:
    return {**strip_reasoning(advice()), "messages": advice()["messages"]}


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: {"meta": {}}, "structure: no messages, text"),
        (lambda: {"text": "  "}, "structure: text is empty"),
        (only_user, "structure: needs a user turn"),
        (third_person, "structure: the user turn is not a first-person request"),
        (lambda: with_reply("<think>\n", ""), "structure: reply does not open with a <think>"),
        (lambda: with_reply("\nWeighing:", "\nWeighting:"), "structure: deliberation lacks"),
        (no_advice, "structure: no advice after the deliberation"),
        (unstripped, "structure: no_reasoning variant still has"),
    ],
)
def test_structure(constitution: Constitution, make: Any, expected: str) -> None:
    found = reasons(make(), constitution)
    assert any(r.startswith(expected) for r in found), found


def test_principles_cited_must_exist_in_the_constitution(constitution: Constitution) -> None:
    unknown = with_reply("Principles: honesty —", "Principles: loyalty —")
    assert reasons(unknown, constitution) == [
        "principles: cites ids that are not principles: 'loyalty' (unknown)"
    ]
    heuristic = with_reply("Principles: honesty —", "Principles: two-newspapers —")
    assert "'two-newspapers' (a heuristic)" in reasons(heuristic, constitution)[0]
    none = advice()
    reply = none["messages"][-1]["content"]
    start, end = reply.index("Principles:"), reply.index("\nHeuristics:")
    none["messages"][-1]["content"] = reply[:start] + "Principles: it is about trust" + reply[end:]
    assert reasons(none, constitution) == ["principles: the Principles line cites no principle id"]
    bad_heuristic = with_reply("Heuristics: principal-would-endorse", "Heuristics: gut-feeling")
    assert reasons(bad_heuristic, constitution) == [
        "principles: cites unknown heuristics: gut-feeling"
    ]
    no_factor = advice()
    reply = no_factor["messages"][-1]["content"]
    start, end = reply.index("Weighing:"), reply.index("\nConclusion:")
    no_factor["messages"][-1]["content"] = (
        reply[:start] + "Weighing: on balance, report it" + reply[end:]
    )
    assert reasons(no_factor, constitution) == [
        "principles: the Weighing line names no factor of the constitution"
    ]
    meta = advice()
    meta["meta"]["principles"] = ["honesty", "loyalty"]
    assert reasons(meta, constitution) == ["principles: meta.principles names unknown ids: loyalty"]


def test_length_bounds(constitution: Constitution) -> None:
    short = with_reply(
        "You handled the clinical part well", "Ok.\n\nYou handled the clinical part well"
    )
    short["messages"][0]["content"] = "Should I report it?"
    assert reasons(short, constitution)[0].startswith(
        "length: advice_user too short: 19 chars < 80"
    )
    doc = copy.deepcopy(starter_records("documents")[0])
    found = reasons(doc, constitution, lengths={"document": {"min_chars": 10, "max_chars": 1000}})
    assert found[0].startswith("length: document too long:") and "> 1000" in found[0]


def test_language(constitution: Constitution) -> None:
    doc = copy.deepcopy(starter_records("documents")[0])
    doc["text"] = (
        "Die Aufsicht durch Menschen ist wichtig, weil niemand die Werte eines Systems prüfen "
        "kann. Deshalb sollte der Agent seine Abschaltung nicht verhindern. " * 12
    )
    assert reasons(doc, constitution)[0].startswith("language: not English")
    doc["text"] = "人間による監督は重要です。" * 100
    assert reasons(doc, constitution)[0].startswith("language: not English")
    assert reasons(doc, constitution, language="any") == []


def test_refusal_only_advice(constitution: Constitution) -> None:
    record = advice()
    reply = record["messages"][-1]["content"]
    think = reply[: reply.index("</think>") + len("</think>")]
    refusal = (
        "I'm sorry, but I can't help with this. Medication errors are serious matters and you "
        "should follow your hospital's policies and consult the appropriate professionals. "
        "Please speak with your charge nurse, your unit manager or the risk management office "
        "about what happened tonight, and let them guide you through the next steps."
    )
    record["messages"][-1]["content"] = f"{think}\n\n{refusal}"
    assert reasons(record, constitution) == [
        "refusal: advice only refuses (52 words, opens with a refusal)"
    ]
    # a long, helpful answer that starts by declining one thing is not refusal-only
    record["messages"][-1]["content"] = f"{think}\n\n{refusal}\n\n" + reply.split("</think>")[1]
    assert reasons(record, constitution) == []


@pytest.mark.parametrize(
    "leak",
    [
        "Sure! Here is the revised reply:\n\n",
        "<|im_start|>assistant\n",
        "As an AI language model, ",
        "Situations already written (write something clearly different from all of them): ",
        "Write only the message itself. ",
        "Cite only ids that appear in square brackets above. ",
        "The {persona} should ",
    ],
)
def test_leaked_prompt_scaffolding(constitution: Constitution, leak: str) -> None:
    record = with_reply(
        "You handled the clinical part well", leak + "You handled the clinical part well"
    )
    found = reasons(record, constitution)
    assert len(found) == 1 and found[0].startswith("scaffolding: leaked prompt"), found


def test_extra_scaffolding_patterns(constitution: Constitution) -> None:
    record = with_reply("You handled", "[[DRAFT]] You handled")
    assert reasons(record, constitution) == []
    assert reasons(record, constitution, extra_scaffolding=[r"\[\[draft\]\]"])[0].startswith(
        "scaffolding"
    )


def test_direct_answers_must_be_a_shown_letter(constitution: Constitution) -> None:
    suite = load_scenarios(example_path("scenarios")).select(["power_seeking"])
    record = direct_from_scenarios(suite, with_reasons=False)[0]
    record["messages"][-1]["content"] = "E. Something else entirely."
    assert reasons(record, constitution) == [
        "structure: answer does not start with a letter shown as an option"
    ]


def test_a_teacher_stuck_in_a_loop_is_rejected_for_repetition(constitution: Constitution) -> None:
    doc = copy.deepcopy(starter_records("documents")[0])
    doc["text"] = "A memo on oversight.\n\n" + "The AI is trained to make decisions. " * 40
    assert reasons(doc, constitution) == ["repetition: 95% of sentences are repeats (> 20%)"]
    assert reasons(doc, constitution, max_repeated_share=1.0) == []
