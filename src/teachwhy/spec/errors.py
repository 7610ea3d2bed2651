"""Problems found in user files, reported as `file: field.path: what is wrong; how to fix it`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one user file."""

    file: str
    path: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}: " if self.path else f"{self.file}: "
        return where + self.message + (f"; {self.fix}" if self.fix else "")


class TeachwhyError(Exception):
    """An error caused by the user's input or set-up: the CLI prints it (no traceback), exit 2."""


class SpecError(TeachwhyError):
    """A user file (or set of files) is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
