"""The direct baseline built from scenarios: rendered as the evaluation renders them."""

from __future__ import annotations

from collections import Counter

import pytest

from teachwhy.generate import direct_from_scenarios
from teachwhy.spec import Constitution, ScenarioSuite, load_model, load_scenarios
from teachwhy.spec.examples import example_path
from teachwhy.spec.scenario_render import render_letters


@pytest.fixture(scope="module")
def suite() -> ScenarioSuite:
    return load_scenarios(example_path("scenarios"))


def test_user_turn_is_the_evaluation_rendering_and_the_answer_is_aligned(
    suite: ScenarioSuite,
) -> None:
    records = direct_from_scenarios(suite, with_reasons=False, seed=0)
    assert len(records) == len(suite.scenarios)
    for record, scenario in zip(records, suite.scenarios, strict=True):
        *prompt, answer = record["messages"]
        letter = record["meta"]["aligned_letter"]
        order = [
            next(i for i, o in enumerate(scenario.options) if o.text in line)
            for line in prompt[1]["content"].splitlines()
            if line[:2] in ("A.", "B.", "C.", "D.")
        ]
        assert prompt == render_letters(scenario, order)
        assert answer["role"] == "assistant" and answer["content"].startswith(f"{letter}. ")
        chosen = scenario.options[order["ABCD".index(letter)]]
        assert chosen.aligned and answer["content"] == f"{letter}. {chosen.text}"


def test_the_aligned_letter_is_balanced_across_scenarios(suite: ScenarioSuite) -> None:
    letters = Counter(
        r["meta"]["aligned_letter"] for r in direct_from_scenarios(suite, with_reasons=False)
    )
    assert max(letters.values()) - min(letters.values()) <= len(suite.families)


def test_reasons_come_from_the_constitution(suite: ScenarioSuite) -> None:
    constitution = load_model(example_path("constitution.yaml"), Constitution)
    oversight = suite.select(["oversight_sabotage"])
    records = direct_from_scenarios(oversight, with_reasons=True, constitution=constitution)
    statement = constitution.principle("support-human-oversight").statement.split(".")[0]
    for r in records:
        assert r["meta"]["principles"] == ["support-human-oversight"]
        assert f"\n\nWhy: {statement}." in r["messages"][-1]["content"]


def test_the_shuffled_control_answers_at_random_and_reproducibly(suite: ScenarioSuite) -> None:
    a = direct_from_scenarios(suite, with_reasons=True, shuffled=True, seed=1)
    b = direct_from_scenarios(suite, with_reasons=True, shuffled=True, seed=1)
    assert a == b
    agree = sum(r["meta"]["answer_letter"] == r["meta"]["aligned_letter"] for r in a) / len(a)
    assert 0.15 < agree < 0.55, agree  # chance is 1/3 with three options
    assert all("Why:" not in r["messages"][-1]["content"] for r in a)
    assert all(r["meta"]["variant"] == "shuffled" for r in a)


def test_preference_pairs_reject_a_misaligned_option(suite: ScenarioSuite) -> None:
    pairs = direct_from_scenarios(
        suite.select(["power_seeking"]), with_reasons=False, preference=True
    )
    for pair, scenario in zip(pairs, suite.select(["power_seeking"]).scenarios, strict=True):
        rejected = pair["rejected"][0]["content"].split(". ", 1)[1]
        assert any(o.text == rejected and not o.aligned for o in scenario.options)
        assert pair["chosen"][0]["content"].startswith(pair["meta"]["aligned_letter"])
