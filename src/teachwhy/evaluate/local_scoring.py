"""Log-likelihood scoring functions for choice mode, one per local model, loaded once.

The solver asks for the scoring function of the model being evaluated; the first request loads
the model (through teachwhy.models) and later ones reuse it. Tests and callers that already hold
a scorer register it under the model's name instead.
"""

from __future__ import annotations

from typing import Any

from teachwhy.evaluate.choice_probs import ChoiceRequest, ContinuationLogprob, ScoreFn

_score_fns: dict[str, ScoreFn] = {}


def register_score_fn(model_name: str, fn: ScoreFn) -> None:
    """Use `fn` for every choice-mode scoring of `model_name` in this process."""
    _score_fns[model_name] = fn


def unregister_score_fn(model_name: str) -> None:
    _score_fns.pop(model_name, None)


def adapt_scorer(scorer: Any) -> ScoreFn:
    """Wrap a teachwhy.models.LoglikelihoodScorer as a ScoreFn."""
    from teachwhy.models import LoglikRequest

    def score(requests: list[ChoiceRequest]) -> list[list[ContinuationLogprob]]:
        native = [LoglikRequest(context=r.context, continuations=r.continuations) for r in requests]
        return [
            [ContinuationLogprob(float(c.logprob), int(c.n_tokens)) for c in row]
            for row in scorer.score(native)
        ]

    return score


def score_fn_for(model_name: str, batch_size: int = 8) -> ScoreFn:
    """The scoring function for a local model name (loading the model on first use)."""
    if model_name not in _score_fns:
        from teachwhy.models import LoglikelihoodScorer, load_local_lm

        lm = load_local_lm(model_name)
        _score_fns[model_name] = adapt_scorer(LoglikelihoodScorer(lm, batch_size=batch_size))
    return _score_fns[model_name]


def release(model_name: str) -> None:
    """Forget a loaded model (frees its memory once nothing else holds it)."""
    _score_fns.pop(model_name, None)
