"""A progress bar for work that reports (done, total), silent with --quiet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class progress_bar:  # noqa: N801 - used as a context manager, like tqdm
    """A tqdm bar driven by a (done, total) callback; silent when quiet."""

    def __init__(self, label: str, total: int, quiet: bool) -> None:
        self.label, self.total, self.quiet = label, total, quiet
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        if not self.quiet:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, desc=f"     {self.label}", unit="item",
                            dynamic_ncols=True, leave=False)

        def advance(done: int, total: int) -> None:
            if self.bar is not None:
                if total != self.bar.total:
                    self.bar.total = total
                self.bar.update(done - self.bar.n)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
