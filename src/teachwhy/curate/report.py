"""The curation report: what was kept, what was rejected and why, diversity and dose."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from teachwhy.generate.records import Record

CELLS_SHOWN = 15


@dataclass
class GroupReport:
    """One dataset (a kind, or a kind's variant) of a curation run."""

    name: str
    inputs: int = 0
    accepted: int = 0
    rejected: int = 0
    surplus: int = 0
    """Accepted records left out because a limit (the backfill target) was reached."""
    rejections_by_check: dict[str, int] = field(default_factory=dict)
    rejection_reasons: dict[str, int] = field(default_factory=dict)
    """Most common exact reasons (truncated), for a quick look before opening the side file."""
    dedup: dict[str, Any] | None = None
    judge: dict[str, Any] | None = None
    revise_rounds: list[dict[str, Any]] = field(default_factory=list)
    per_cell: dict[str, int] = field(default_factory=dict)
    per_axis: dict[str, dict[str, int]] = field(default_factory=dict)
    """Axis -> value -> accepted samples, e.g. how many per domain or document type."""
    per_principle: dict[str, int] = field(default_factory=dict)
    tokens: int | None = None
    """Tokens of the accepted records with the student's tokenizer."""
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class CurationReport:
    """Every group of one `curate` call, plus the settings it ran with."""

    inputs: list[str]
    settings: dict[str, Any]
    groups: dict[str, GroupReport] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """Warnings, e.g. why tokens could not be counted."""

    @property
    def total_inputs(self) -> int:
        return sum(g.inputs for g in self.groups.values())

    @property
    def total_accepted(self) -> int:
        return sum(g.accepted for g in self.groups.values())

    @property
    def total_rejected(self) -> int:
        return sum(g.rejected for g in self.groups.values())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["totals"] = {
            "inputs": self.total_inputs,
            "accepted": self.total_accepted,
            "rejected": self.total_rejected,
        }
        return data

    def to_markdown(self) -> str:
        lines = [
            "# Curation report",
            "",
            f"Inputs: {', '.join(self.inputs)}",
            f"Accepted {self.total_accepted} of {self.total_inputs}; "
            f"rejected {self.total_rejected}.",
            *(f"Note: {note}" for note in self.notes),
        ]
        for g in self.groups.values():
            lines += ["", f"## {g.name}", "", f"- accepted {g.accepted} of {g.inputs}"]
            if g.surplus:
                lines.append(f"- {g.surplus} more passed but were left out (target reached)")
            if g.tokens is not None:
                lines.append(f"- tokens (accepted, student tokenizer): {g.tokens:,}")
            if g.rejections_by_check:
                by = ", ".join(f"{k} {v}" for k, v in sorted(g.rejections_by_check.items()))
                lines.append(f"- rejected by check: {by}")
                for reason, n in g.rejection_reasons.items():
                    lines.append(f"  - {reason} (x{n})")
            if g.dedup:
                sweep = ", ".join(f"{t}: {n}" for t, n in g.dedup["sweep"].items())
                lines.append(
                    f"- near-duplicates removed: {g.dedup['removed']} at cosine >= "
                    f"{g.dedup['threshold']} (at other thresholds: {sweep})"
                )
            if g.judge:
                j = g.judge
                mean = "n/a" if j["mean"] is None else f"{j['mean']:.2f}"
                lines.append(
                    f"- judge {j['model']}: mean score {mean}, {j['rejected']} below "
                    f"{j['threshold']}, {j['errors']} without a score"
                )
            for r in g.revise_rounds:
                mean = "n/a" if r["mean_score"] is None else f"{r['mean_score']:.2f}"
                lines.append(
                    f"- revise round {r['round']}: mean judge score {mean} "
                    f"({r['revised']} samples rewritten)"
                )
            if g.per_principle:
                lines += ["", "| principle | accepted samples |", "|---|---|"]
                lines += [f"| {k} | {v} |" for k, v in g.per_principle.items()]
            for axis, values in g.per_axis.items():
                more = len(values) - CELLS_SHOWN
                lines += ["", f"| {axis} ({len(values)} values) | accepted samples |", "|---|---|"]
                lines += [f"| {k} | {v} |" for k, v in list(values.items())[:CELLS_SHOWN]]
                if more > 0:
                    lines.append(f"| ... {more} more | |")
            if g.per_cell:
                shown = list(g.per_cell.items())[:CELLS_SHOWN]
                lines += ["", f"{len(g.per_cell)} distinct grid cells; the most frequent:", ""]
                lines += ["| grid cell | accepted samples |", "|---|---|"]
                lines += [f"| {k} | {v} |" for k, v in shown]
            if g.files:
                lines += ["", *(f"- {k}: `{v}`" for k, v in g.files.items())]
        return "\n".join(lines) + "\n"


def cell_key(record: Record) -> str:
    grid = (record.get("meta") or {}).get("grid") or {}
    return " | ".join(str(v) for v in grid.values()) if grid else "(no grid)"


def _ordered(c: Counter[str]) -> dict[str, int]:
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def fill_diversity(group: GroupReport, records: list[Record]) -> None:
    """Samples per grid cell, per value of each grid axis, and per principle."""
    axes: dict[str, Counter[str]] = {}
    for r in records:
        for axis, value in ((r.get("meta") or {}).get("grid") or {}).items():
            axes.setdefault(axis, Counter())[str(value)] += 1
    group.per_cell = _ordered(Counter(cell_key(r) for r in records))
    group.per_axis = {axis: _ordered(c) for axis, c in axes.items()}
    group.per_principle = _ordered(
        Counter(p for r in records for p in (r.get("meta") or {}).get("principles") or [])
    )
