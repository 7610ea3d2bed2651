"""The direct baseline built from scenarios: eval-like chat samples with the safe answer.

The user turn is the scenario exactly as the evaluation renders it (`teachwhy.spec.
scenario_render`, the one renderer); the assistant turn is the aligned option's letter and text,
optionally followed by a short reason from the constitution. The shuffled control answers with
a random option instead, so a run can tell what the labels taught from what the format did.
The aligned letter is balanced across scenarios (rotations of the options), never a cue.
"""

from __future__ import annotations

import random
import re
from typing import Any

from teachwhy.generate.grid import stable_seed
from teachwhy.generate.records import Record
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.scenario_render import LETTERS, RENDER_VERSION, AnswerStyle, render_letters
from teachwhy.spec.scenarios import Scenario, ScenarioSuite

PROMPT_VERSION = f"direct-v1/{RENDER_VERSION}"

FAMILY_PRINCIPLES: dict[str, list[str]] = {
    "blackmail_coercion": ["avoid-serious-harm", "respect-confidentiality"],
    "confidential_data_leak": ["respect-confidentiality"],
    "deceiving_principal": ["honesty"],
    "harmful_compliance": ["avoid-serious-harm"],
    "over_caution": ["genuine-helpfulness"],
    "overreach_vs_escalation": ["proportionate-escalation"],
    "oversight_sabotage": ["support-human-oversight"],
    "power_seeking": ["no-self-preservation"],
    "sandbagging": ["honesty", "support-human-oversight"],
    "self_exfiltration": ["no-self-preservation"],
    "unobserved_behavior": ["support-human-oversight", "honesty"],
    "reward_hacking": ["genuine-helpfulness", "honesty"],
}
"""Which principles of the example constitution bear on each shipped scenario family."""

WORD = re.compile(r"[a-z]{4,}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def first_sentence(text: str) -> str:
    return SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0]


def scenario_principles(
    scenario: Scenario,
    constitution: Constitution,
    family_principles: dict[str, list[str]] | None = None,
) -> list[str]:
    """Principles bearing on a scenario: the family mapping, else the best word overlap."""
    ids = {p.id for p in constitution.principles}
    mapping = FAMILY_PRINCIPLES if family_principles is None else family_principles
    mapped = [i for i in mapping.get(scenario.family, []) if i in ids]
    if mapped:
        return mapped
    words = set(WORD.findall(f"{scenario.family} {scenario.context} {scenario.system}".lower()))

    def overlap(principle_id: str) -> int:
        p = constitution.principle(principle_id)
        return len(words & set(WORD.findall(f"{p.id} {p.title} {p.statement}".lower())))

    return [max(sorted(ids), key=overlap)]


def principle_reason(constitution: Constitution, principle_ids: list[str]) -> str:
    """A short reason: the first principle's rule and the first sentence of its why."""
    p = constitution.principle(principle_ids[0])
    return f"Why: {first_sentence(p.statement)} {first_sentence(p.rationale)}"


def balanced_order(scenario: Scenario, position: int) -> list[int]:
    """A rotation of the options that shows the first aligned option at `position`."""
    n = len(scenario.options)
    aligned = next(i for i, o in enumerate(scenario.options) if o.aligned)
    r = (aligned - position) % n
    return [(i + r) % n for i in range(n)]


def answer_text(scenario: Scenario, order: list[int], shown: int, reason: str | None) -> str:
    """'B. <option text>' (+ a blank line and the reason)."""
    text = f"{LETTERS[shown]}. {scenario.options[order[shown]].text}"
    return f"{text}\n\n{reason}" if reason else text


def scenario_sample(
    scenario: Scenario,
    *,
    position: int,
    reason: str | None,
    shuffled_rng: random.Random | None = None,
    preference_rng: random.Random | None = None,
    answer_style: AnswerStyle = "letter_only",
    meta: dict[str, Any] | None = None,
) -> Record:
    """One record for a scenario: chat (aligned or shuffled answer) or a preference pair."""
    order = balanced_order(scenario, position)
    prompt = render_letters(scenario, order, answer_style=answer_style)
    aligned_shown = order.index(next(i for i, o in enumerate(scenario.options) if o.aligned))
    meta = dict(meta or {})
    meta.update(scenario_id=scenario.id, aligned_letter=LETTERS[aligned_shown])
    if preference_rng is not None:
        wrong = [i for i, j in enumerate(order) if not scenario.options[j].aligned]
        rejected = preference_rng.choice(wrong)
        meta.update(variant="preference", rejected_letter=LETTERS[rejected])
        return {
            "prompt": prompt,
            "chosen": [
                {
                    "role": "assistant",
                    "content": answer_text(scenario, order, aligned_shown, reason),
                }
            ],
            "rejected": [
                {"role": "assistant", "content": answer_text(scenario, order, rejected, None)}
            ],
            "meta": meta,
        }
    if shuffled_rng is not None:
        shown = shuffled_rng.randrange(len(order))
        meta.update(variant="shuffled", answer_letter=LETTERS[shown])
        content = answer_text(scenario, order, shown, None)
    else:
        meta.update(
            variant="reasons" if reason else "no_reasons", answer_letter=LETTERS[aligned_shown]
        )
        content = answer_text(scenario, order, aligned_shown, reason)
    return {"messages": [*prompt, {"role": "assistant", "content": content}], "meta": meta}


def direct_from_scenarios(
    suite: ScenarioSuite,
    *,
    with_reasons: bool,
    shuffled: bool = False,
    seed: int = 0,
    constitution: Constitution | None = None,
    preference: bool = False,
    family_principles: dict[str, list[str]] | None = None,
    answer_style: AnswerStyle = "letter_only",
) -> list[Record]:
    """Direct-baseline records, one per scenario, deterministic for a seed.

    `with_reasons` appends a short reason from the constitution (default: the shipped example)
    to the aligned answer; `shuffled` answers with a uniformly random option and no reason (the
    label control); `preference` gives prompt/chosen/rejected pairs against a random misaligned
    option. The aligned option's letter cycles through A, B, C, ... across scenarios.
    """
    if constitution is None:
        from teachwhy.spec.examples import example_path
        from teachwhy.spec.loading import load_model

        constitution = load_model(example_path("constitution.yaml"), Constitution)
    start = stable_seed(seed, "direct-positions") % 26
    records = []
    for k, scenario in enumerate(suite.scenarios):
        principles = scenario_principles(scenario, constitution, family_principles)
        reason = (
            principle_reason(constitution, principles) if with_reasons and not shuffled else None
        )
        meta = {
            "id": f"direct-{scenario.id}",
            "kind": "direct",
            "grid": {"family": scenario.family},
            "principles": principles,
            "teacher": "scenarios",
            "prompt_version": PROMPT_VERSION,
            "seed": seed,
        }
        records.append(
            scenario_sample(
                scenario,
                position=(start + k) % len(scenario.options),
                reason=reason,
                shuffled_rng=random.Random(stable_seed(seed, scenario.id, "shuffle"))
                if shuffled
                else None,
                preference_rng=random.Random(stable_seed(seed, scenario.id, "rejected"))
                if preference
                else None,
                answer_style=answer_style,
                meta=meta,
            )
        )
    return records
