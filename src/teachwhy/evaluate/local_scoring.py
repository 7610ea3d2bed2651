"""Log-likelihood scoring functions for choice mode, one per local model, loaded once.

The solver asks for the scoring function of the model being evaluated; the first request loads
the model (through teachwhy.models) and later ones reuse it. Tests and callers that already hold
a scorer register it under the model's name instead.

Each sample has only a few short requests (one per rotation). `prime` scores the requests of a
whole run up front in fixed-size chunks in suite order, so the scorer fills whole batches (sorted
by length) and batch composition, hence every number, is the same on every run; the solver then
finds its scores primed and only scores what is missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from teachwhy.evaluate.choice_probs import ChoiceRequest, ContinuationLogprob, ScoreFn
from teachwhy.spec.errors import TeachwhyError

Scores = list[list[ContinuationLogprob]]
_primed: dict[tuple[str, str], list[ContinuationLogprob]] = {}

_score_fns: dict[str, ScoreFn] = {}


def register_score_fn(model_name: str, fn: ScoreFn) -> None:
    """Use `fn` for every choice-mode scoring of `model_name` in this process."""
    _score_fns[model_name] = fn


def unregister_score_fn(model_name: str) -> None:
    release(model_name)


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
    unprime(model_name)


def request_key(request: ChoiceRequest) -> str:
    data = json.dumps([request.context, request.continuations], sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def prime(
    model_name: str,
    groups: list[list[ChoiceRequest]],
    chunk: int = 16,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Score every group's requests (a group: one sample's) in chunks of `chunk` groups."""
    fn = score_fn_for(model_name)
    for start in range(0, len(groups), chunk):
        flat = [r for group in groups[start : start + chunk] for r in group]
        try:
            scored = fn(flat)
        except TeachwhyError:
            raise
        except Exception:  # noqa: BLE001 - left unprimed: each sample retries and fails alone
            continue
        for request, scores in zip(flat, scored, strict=True):
            _primed[(model_name, request_key(request))] = scores
        if progress is not None:
            progress(min(start + chunk, len(groups)), len(groups))


def unprime(model_name: str) -> None:
    for key in [k for k in _primed if k[0] == model_name]:
        del _primed[key]


def score_requests(model_name: str, requests: list[ChoiceRequest]) -> Scores:
    """Scores for requests: primed ones looked up, the rest scored now (one call)."""
    keys = [request_key(r) for r in requests]
    if all((model_name, k) in _primed for k in keys):
        return [_primed[(model_name, k)] for k in keys]
    return score_fn_for(model_name)(requests)
