"""Curation: deterministic checks, an optional judge, critique-and-revise, near-duplicate
removal, backfill to a target count, and a diversity and dose report.

    curate(inputs, constitution, out_dir, settings=CurationSettings(...)) -> CurationReport
    backfill(kind, constitution, target=..., cap=..., work_dir=...) -> BackfillResult
    check_record(record, constitution, settings) -> list[Rejection]
"""

from teachwhy.curate.backfill import BackfillResult, backfill
from teachwhy.curate.checks import CHECKS, Rejection, check_record
from teachwhy.curate.dedup import DedupResult, find_duplicates
from teachwhy.curate.judge import JudgeScore, ajudge, rubric
from teachwhy.curate.pipeline import acurate, curate
from teachwhy.curate.report import CurationReport, GroupReport

__all__ = [
    "CHECKS",
    "BackfillResult",
    "CurationReport",
    "DedupResult",
    "GroupReport",
    "JudgeScore",
    "Rejection",
    "acurate",
    "ajudge",
    "backfill",
    "check_record",
    "curate",
    "find_duplicates",
    "rubric",
]
