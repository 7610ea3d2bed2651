"""Log-likelihood of candidate continuations after a chat context, for local transformers models.

For each request the context is run once and shared by all of its continuations (a
scenario's options share a few hundred context tokens and differ in ~20): by default in one
row under a tree-shaped attention mask, where requests whose contexts share most of their
tokens (one scenario in several presentations) also share the common part; else through a
copied key/value cache (see shared_prefix). A long start common to every request of a call (a
constitution in each system prompt) runs once and its cache is shared. The output projection
(49k-word vocabulary for SmolLM2) is applied only at the positions that predict continuation
tokens. Requests are batched with explicit masks and position ids, so a padded row computes
what it would alone.

Tokenisation follows lm-evaluation-harness: the continuation's tokens are those of
`context + continuation` after the context's own tokens, so numbers match `HFLM.loglikelihood`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from teachwhy.models.local_backends import LOCAL_LOCK
from teachwhy.models.shared_prefix import (
    MAX_ROW,
    Encoded,
    PrefixCache,
    common_prefix,
    plan_rows,
    run_prefix,
    score_kv_cache,
    score_tree,
    tree_fits,
    tree_width,
)
from teachwhy.spec.errors import TeachwhyError

if TYPE_CHECKING:
    from teachwhy.models.local_lm import LocalLM

Strategy = Literal["auto", "tree", "kv_cache"]
MIN_SHARED_PREFIX = 64
"""Common starts at least this long (tokens) run once per call instead of once per row."""


@dataclass(frozen=True)
class LoglikRequest:
    """A chat context and the continuations to score after it (as the assistant's reply)."""

    context: list[dict[str, Any]]
    """Chat messages, rendered with the model's chat template and a generation prompt."""
    continuations: list[str]


class ContinuationScore(NamedTuple):
    """Summed log-probability of a continuation's tokens, and how many tokens it has."""

    logprob: float
    n_tokens: int


class LoglikelihoodScorer:
    """Scores continuations with a local model; deterministic, batched, shared contexts."""

    def __init__(self, lm: LocalLM, batch_size: int = 8, strategy: Strategy = "auto") -> None:
        """`strategy`: how a context is shared by its continuations (see shared_prefix);
        "auto" takes the faster tree layout wherever the model supports it exactly."""
        if batch_size < 1:
            raise TeachwhyError("batch_size: must be at least 1")
        if strategy not in ("auto", "tree", "kv_cache"):
            raise TeachwhyError(f"strategy '{strategy}': expected auto, tree or kv_cache")
        self.lm = lm
        self.batch_size = batch_size
        self.strategy = strategy

    def render_context(self, messages: list[dict[str, Any]]) -> str:
        """The context text exactly as the model sees it before its reply."""
        text = self.lm.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )
        return str(text)

    def score(
        self,
        requests: Sequence[LoglikRequest],
        progress: Callable[[int], None] | None = None,
    ) -> list[list[ContinuationScore]]:
        """One list of scores per request, one score per continuation, in the given order."""
        texts = [(self.render_context(r.context), list(r.continuations)) for r in requests]
        return self.score_texts_batch(texts, progress)

    def score_texts(
        self, prefix_text: str, continuations: Sequence[str]
    ) -> list[ContinuationScore]:
        """Scores of continuations after raw text (no chat template applied)."""
        return self.score_texts_batch([(prefix_text, list(continuations))])[0]

    def score_texts_batch(
        self,
        items: Sequence[tuple[str, list[str]]],
        progress: Callable[[int], None] | None = None,
    ) -> list[list[ContinuationScore]]:
        """Scores for many (raw prefix, continuations) pairs; `progress(n)` after each batch."""
        encoded = [self._encode(prefix, conts) for prefix, conts in items]
        with LOCAL_LOCK:
            shared, encoded = self._split_shared_prefix(encoded)
        if self.strategy == "kv_cache":
            rows = [[i] for i in range(len(encoded))]
        else:  # requests sharing most of their context share a row
            rows = plan_rows(encoded)
        # widest first: similar widths share a batch, so less padding
        rows.sort(key=lambda row: -sum(tree_width(encoded[i]) for i in row))
        results: list[list[ContinuationScore]] = [[] for _ in encoded]
        for start in range(0, len(rows), self.batch_size):
            batch = rows[start : start + self.batch_size]
            with LOCAL_LOCK:
                scores = self._score_rows([[encoded[i] for i in row] for row in batch], shared)
            for i, item_scores in zip([i for row in batch for i in row], scores, strict=True):
                results[i] = item_scores
            if progress is not None:
                progress(sum(len(row) for row in batch))
        return results

    def _encode(self, prefix: str, continuations: list[str]) -> Encoded:
        tokenizer = self.lm.tokenizer

        def encode(text: str) -> list[int]:
            return list(tokenizer(text, add_special_tokens=False)["input_ids"])

        context = encode(prefix)
        if not context:
            # the first continuation token needs something to be predicted from
            bos = tokenizer.bos_token_id
            context = [int(bos if bos is not None else tokenizer.eos_token_id)]
        conts = []
        for text in continuations:
            whole = encode(prefix + text) if prefix else encode(text)
            if prefix and whole[: len(context)] == context:
                cont = whole[len(context) :]
            else:  # the join re-tokenised across the boundary: score the continuation alone
                cont = encode(text)
            if not cont:
                raise TeachwhyError(f"continuation {text!r} has no tokens; give non-empty options")
            conts.append(cont)
        return Encoded(context, conts)

    def _split_shared_prefix(
        self, encoded: list[Encoded]
    ) -> tuple[PrefixCache | None, list[Encoded]]:
        """Run the start common to every request once, when it is long and the tree layout
        (the one that can attend to a cache) applies; the requests without that start."""
        if len(encoded) < 2 or self.strategy == "kv_cache":
            return None, encoded
        first = encoded[0].context
        # every context keeps at least one token: it predicts the first continuation token
        length = min(len(it.context) for it in encoded) - 1
        for item in encoded[1:]:
            length = min(length, common_prefix(first, item.context))
        widest = max(tree_width(it) for it in encoded) + MAX_ROW  # a row of several requests
        if length < MIN_SHARED_PREFIX or not tree_fits(self.lm.model, widest):
            return None, encoded
        rest = [Encoded(it.context[length:], it.continuations) for it in encoded]
        return run_prefix(self.lm.model, first[:length]), rest

    def _score_rows(
        self, rows: list[list[Encoded]], shared: PrefixCache | None = None
    ) -> list[list[ContinuationScore]]:
        """Scores of every request in these rows (each continuing `shared`, if given),
        flattened in row order."""
        flat = [item for row in rows for item in row]
        if not any(it.continuations for it in flat):
            return [[] for _ in flat]
        pad = int(self.lm.tokenizer.pad_token_id or 0)
        tree = shared is not None or self.strategy == "tree" or (
            self.strategy == "auto"
            and tree_fits(self.lm.model, max(sum(tree_width(it) for it in row) for row in rows))
        )
        if tree:
            sums = iter(score_tree(self.lm.model, rows, pad, shared))
        else:
            sums = iter(score_kv_cache(self.lm.model, flat, pad))
        return [[ContinuationScore(next(sums), len(c)) for c in it.continuations] for it in flat]
