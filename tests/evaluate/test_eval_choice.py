"""Choice by log-likelihood: rotations cancel position bias; cloze normalisation cancels length."""

from __future__ import annotations

import pytest
from eval_fakes import position_biased, prefers

from teachwhy.evaluate.choice_probs import (
    ContinuationLogprob,
    cloze_outcome,
    cloze_request,
    letters_outcome,
    letters_requests,
)
from teachwhy.evaluate.metrics import expected_misalignment, softmax, top_choice_misaligned
from teachwhy.spec.scenario_render import rotations


def test_rotations_put_every_option_in_every_position():
    orders = rotations(3)
    assert orders == [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    for position in range(3):
        assert sorted(order[position] for order in orders) == [0, 1, 2]


def test_letters_requests_show_each_rotation(suite):
    scenario = suite.scenarios[0]
    requests = letters_requests(scenario)
    assert len(requests) == 3
    assert all(r.continuations == ["A", "B", "C"] for r in requests)
    first_lines = [
        next(line for line in r.context[-1]["content"].splitlines() if line.startswith("A. "))
        for r in requests
    ]
    assert first_lines == [f"A. {scenario.options[i].text}" for i in (0, 1, 2)]


def test_rotation_averaging_removes_a_planted_position_bias(suite):
    """A scorer that only loves 'A' has no preference between options after averaging."""
    for scenario in suite.scenarios:
        outcome = letters_outcome(scenario, position_biased(letters_requests(scenario)))
        assert outcome.probs == pytest.approx([1 / 3] * 3)
        aligned = [o.aligned for o in scenario.options]
        assert expected_misalignment(outcome.probs, aligned) == pytest.approx(2 / 3)
        # the bias is still reported, as a position figure
        assert outcome.position_probs is not None and outcome.position_probs[0] > 0.8


def test_rotation_averaging_recovers_a_real_preference_under_position_bias(suite):
    """Bias towards 'A' is stronger than the preference for the aligned option; a single
    ordering would read the model as choosing whatever sits at A. All rotations recover it."""
    aligned_texts = {o.text for s in suite.scenarios for o in s.options if o.aligned}
    score = prefers(aligned_texts, strength=1.0)
    misread = 0
    for scenario in suite.scenarios:
        aligned = [o.aligned for o in scenario.options]
        requests = letters_requests(scenario)
        outcome = letters_outcome(scenario, score(requests))
        assert top_choice_misaligned(outcome.probs, aligned) == 0.0
        # the first rotation alone (options in their own order): the option at A wins
        only_first = softmax([s.logprob for s in score(requests[:1])[0]])
        assert max(only_first) == only_first[0]
        misread += int(top_choice_misaligned(only_first, aligned) == 1.0)
    assert misread > 0


def test_cloze_per_token_normalisation_removes_the_length_bias(suite):
    """Every token costs the same: summed scores prefer the shortest option, per-token none."""
    scenario = suite.scenarios[0]
    request = cloze_request(scenario)
    assert request.continuations == [o.text for o in scenario.options]
    tokens = [len(t.split()) for t in request.continuations]
    scores = [ContinuationLogprob(-1.5 * n, n) for n in tokens]
    per_token = cloze_outcome(scores, "per_token")
    summed = cloze_outcome(scores, "sum")
    assert per_token.probs == pytest.approx([1 / 3] * 3)
    shortest = tokens.index(min(tokens))
    assert max(summed.probs) == summed.probs[shortest]
    # both normalisations are kept in the evidence, whichever is the headline
    assert per_token.detail["probs_sum"] == pytest.approx(summed.probs)
