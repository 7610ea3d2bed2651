"""Evaluation: agentic misalignment in and out of distribution, paired with helpfulness.

Light to import: results, metrics and the paired comparison need neither torch nor inspect;
`evaluate_scenarios` and `evaluate_adherence` import them when called.

    from teachwhy.evaluate import evaluate_scenarios, compare_paired, load_result
    a = evaluate_scenarios(None, suite, out_dir="runs/base")           # embedded model
    b = evaluate_scenarios("runs/sft/model", suite, out_dir="runs/sft")
    print(compare_paired(a, b).line("held_out", "misalignment"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from teachwhy.evaluate.paired import PairedComparison, compare_paired
from teachwhy.evaluate.results import (
    AdherenceResult,
    EvalResult,
    PairedLine,
    ScenarioRecord,
    Summary,
    load_adherence,
    load_result,
    save_result,
)

if TYPE_CHECKING:
    from teachwhy.evaluate.adherence import evaluate_adherence
    from teachwhy.evaluate.runner import INCOMPLETE_EXIT_CODE, evaluate_scenarios

_LAZY = {
    "evaluate_scenarios": "teachwhy.evaluate.runner",
    "INCOMPLETE_EXIT_CODE": "teachwhy.evaluate.runner",
    "evaluate_adherence": "teachwhy.evaluate.adherence",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'teachwhy.evaluate' has no attribute {name!r}")


__all__ = [
    "INCOMPLETE_EXIT_CODE",
    "AdherenceResult",
    "EvalResult",
    "PairedComparison",
    "PairedLine",
    "ScenarioRecord",
    "Summary",
    "compare_paired",
    "evaluate_adherence",
    "evaluate_scenarios",
    "load_adherence",
    "load_result",
    "save_result",
]
