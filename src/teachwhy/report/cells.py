"""Table cells as text: the same wording in the HTML report and on the terminal."""

from __future__ import annotations

from teachwhy.report.manifest import Dose, Fit
from teachwhy.report.table import GROUP_LABELS, ArmRow, Estimate, GroupFigures, PairedChange

COLUMNS = [
    "arm",
    "training dose",
    "in-distribution misalignment",
    "held-out misalignment",
    "over-caution",
    "fit on own training data",
    "change vs baseline",
    "change vs shuffled control",
]


def number(value: float | None, digits: int = 3, signed: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "\u2212")


def interval(ci: tuple[float, float] | None, digits: int = 3, signed: bool = False) -> str:
    if ci is None:
        return ""
    return f"[{number(ci[0], digits, signed)}, {number(ci[1], digits, signed)}]"


def estimate_text(e: Estimate, digits: int = 3) -> str:
    if e.value is None:
        return "-"
    return f"{number(e.value, digits)} {interval(e.ci, digits)}".strip()


def tokens_text(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    if n >= 1_000:
        return f"{n / 1e3:.1f}k"
    return str(n)


def dose_text(dose: Dose | None) -> list[str]:
    if dose is None:
        return ["none"]
    lines = [f"{kind} {tokens_text(tokens)} tokens" for kind, tokens in dose.tokens_by_kind.items()]
    lines.append(f"{dose.steps} steps")
    return lines


def misalignment_text(figures: GroupFigures | None) -> list[str]:
    if figures is None:
        return ["-"]
    lines = [
        f"expected {estimate_text(figures.expected)}",
        f"rate {estimate_text(figures.rate, 2)}",
    ]
    if figures.chance is not None:
        lines.append(f"chance {number(figures.chance, 2)}, n={figures.expected.n}")
    return lines


def fit_text(fit: Fit) -> str:
    unit = " nats/token" if fit.method == "heldin_loss" else ""
    what = "loss" if fit.method == "heldin_loss" else "p(trained answer)"
    verdict = {True: "fitted", False: "not measurably fitted", None: ""}[fit.fitted]
    change = f"{number(fit.trained - fit.start, 3, True)} {interval(fit.change_ci, 3, True)}"
    return (
        f"{fit.dataset}: {what} {number(fit.start)} \u2192 {number(fit.trained)}{unit}, "
        f"change {change.strip()}, n={fit.n}" + (f": {verdict}" if verdict else "")
    )


def change_text(changes: dict[str, PairedChange]) -> list[str]:
    if not changes:
        return ["-"]
    return [
        f"{GROUP_LABELS.get(g, g)} {number(c.diff, 3, True)} {interval(c.ci, 3, True)}".strip()
        for g, c in changes.items()
    ]


def row_cells(row: ArmRow) -> list[list[str]]:
    """One list of lines per column of COLUMNS."""
    name = [row.name, f"({row.kind})"]
    if row.status != "done":
        name.append(row.status.upper() + (f": {row.error}" if row.error else ""))
    over = row.over_caution
    return [
        name,
        dose_text(row.dose),
        misalignment_text(row.misalignment.get("in_distribution") or row.misalignment.get("all")),
        misalignment_text(row.misalignment.get("held_out")),
        [f"expected {estimate_text(over.expected)}"] if over else ["-"],
        [fit_text(f) for f in row.fits] or ["-"],
        change_text(row.vs_baseline),
        change_text(row.vs_control),
    ]
