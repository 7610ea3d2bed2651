"""The real embedded model on a shipped scenario: probabilities, position bias, determinism."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from teachwhy.evaluate.runner import evaluate_scenarios
from teachwhy.spec.examples import example_path
from teachwhy.spec.scenarios import load_scenarios


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Keep the real cache: it holds the embedded model converted once from its GGUF."""
    yield


def test_embedded_model_letters_all_rotations_is_deterministic():
    suite = load_scenarios(example_path("scenarios"))
    one = suite.model_copy(update={"scenarios": suite.scenarios[:1]})
    a = evaluate_scenarios(None, one)
    b = evaluate_scenarios(None, one)
    assert a.model == "teachwhy/smollm2-135m"
    assert [r.probs for r in a.records] == [r.probs for r in b.records]
    for r in a.records:
        assert r.probs is not None and sum(r.probs) == pytest.approx(1.0)
        assert len(r.detail["rotations"]) == len(r.aligned)
        assert r.position_probs is not None and sum(r.position_probs) == pytest.approx(1.0)
    assert a.complete
