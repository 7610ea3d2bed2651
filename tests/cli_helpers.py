"""Run the real `teachwhy` entry point in-process and capture what a user would see."""

from __future__ import annotations

import sys
from typing import NamedTuple

import pytest

from teachwhy.cli import main


class CliResult(NamedTuple):
    exit_code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    old = sys.argv
    sys.argv = ["teachwhy", *args]
    code = 0
    try:
        main()
    except SystemExit as e:
        code = int(e.code or 0)
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)
