"""A process-wide hook the scorers call once per finished sample, so a caller can draw a bar."""

from __future__ import annotations

from collections.abc import Callable

_on_sample: Callable[[], None] | None = None


def set_progress(callback: Callable[[], None] | None) -> None:
    """Call `callback` after every scored sample (None to stop)."""
    global _on_sample
    _on_sample = callback


def tick() -> None:
    if _on_sample is not None:
        _on_sample()
