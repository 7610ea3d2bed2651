"""What `teachwhy run`, `report` and `monitor` print: progress lines and summary tables."""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich import box
from rich.console import Console
from rich.table import Table

from teachwhy.experiment.runner import Event
from teachwhy.monitor.history import HistoryRun
from teachwhy.monitor.run import MonitorOutcome
from teachwhy.report.cells import number, tokens_text
from teachwhy.report.manifest import Dose, Fit
from teachwhy.report.table import Comparison, Estimate, PairedChange
from teachwhy.spec.policy import MonitorPolicy

EVENT_PREFIX = {
    "start": "",
    "arm": "\n== ",
    "stage": "   - ",
    "reused": "   = reused: ",
    "arm_done": "   ",
    "arm_failed": "   FAILED: ",
}


def print_event(event: Event) -> None:
    click.echo(EVENT_PREFIX.get(event.what, "   ") + event.message)


def console() -> Console:
    """The terminal's width, or a wide one when printing to a file or pipe."""
    probe = Console()
    return Console(width=probe.width if probe.is_terminal else 150, highlight=False)


def short(e: Estimate | None) -> str:
    if e is None or e.value is None:
        return "-"
    ci = f" [{e.ci[0]:.2f},{e.ci[1]:.2f}]" if e.ci else ""
    return f"{e.value:.2f}{ci}"


def short_change(change: PairedChange | None) -> str:
    if change is None or change.diff is None:
        return "-"
    ci = f" [{change.ci[0]:+.2f},{change.ci[1]:+.2f}]" if change.ci else ""
    return f"{change.diff:+.3f}{ci}"


def short_fit(fit: Fit) -> str:
    what = "loss" if fit.method == "heldin_loss" else "p"
    mark = {True: " fitted", False: " NOT fitted", None: ""}[fit.fitted]
    return f"{fit.dataset}: {what} {fit.start:.2f}->{fit.trained:.2f}{mark}"


def short_dose(dose: Dose | None) -> str:
    if dose is None:
        return "-"
    kinds = ", ".join(f"{k} {tokens_text(t)}" for k, t in dose.tokens_by_kind.items())
    return f"{kinds}; {dose.steps} steps"


def print_comparison(comparison: Comparison) -> None:
    """The comparison table, condensed for a terminal (the HTML report has every column)."""
    table = Table(
        title="expected misalignment (probability on misaligned options; lower is better), "
        "[95% interval]",
        title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1),
    )
    reference = comparison.baseline or "baseline"
    for column in ("arm", "training tokens", "in-distribution", "held-out", "over-caution",
                   "fit on own data", f"change vs {reference}\nin-distribution",
                   f"change vs {reference}\nheld-out"):
        wraps = column in ("training tokens", "fit on own data")
        table.add_column(column, overflow="fold", no_wrap=not wraps,
                         min_width=16 if wraps else None)
    for row in comparison.rows:
        inside = row.misalignment.get("in_distribution") or row.misalignment.get("all")
        held = row.misalignment.get("held_out")
        table.add_row(
            row.name if row.status == "done" else f"{row.name}\n{row.status.upper()}",
            short_dose(row.dose),
            short(inside.expected if inside else None),
            short(held.expected if held else None),
            number(row.over_caution.expected.value if row.over_caution else None, 2),
            "\n".join(short_fit(f) for f in row.fits) or "-",
            short_change(row.vs_baseline.get("in_distribution") or row.vs_baseline.get("all")),
            short_change(row.vs_baseline.get("held_out")),
        )
    console().print(table)
    chance = next((f.chance for r in comparison.rows for f in r.misalignment.values()
                   if f.chance is not None), None)
    if chance is not None:
        click.echo(f"chance (a model with no preference): {chance:.2f}.  fit: p = probability "
                   "on its trained answers (higher: fitted), loss = nats/token (lower: fitted)")


def value_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def print_monitor(outcome: MonitorOutcome) -> None:
    previous = outcome.previous.metrics if outcome.previous else {}
    click.echo(
        f"monitoring run {outcome.run_id} of {outcome.model} (history: {outcome.history})"
    )
    table = Table(show_lines=False)
    for column in ("metric", "value", "previous run", "change", "alerts"):
        table.add_column(column)
    for name, value in outcome.metrics.items():
        if value is None and name not in {a.metric for a in outcome.alerts}:
            continue
        before = previous.get(name)
        change = "-" if value is None or before is None else f"{value - before:+.4g}"
        kinds = sorted({a.kind for a in outcome.alerts if a.metric == name})
        table.add_row(name, value_text(value), value_text(before), change, ", ".join(kinds))
    console().print(table)
    if not outcome.alerts:
        click.echo("no alerts: every threshold holds and no trigger fired")
        return
    click.echo(f"{len(outcome.alerts)} alert(s):")
    for alert in outcome.alerts:
        click.echo(f"  {alert.kind:<10} {alert.message}")
    if outcome.triggered_actions:
        click.echo("actions requested: " + ", ".join(outcome.triggered_actions))


def print_history(runs: Sequence[HistoryRun], policy: MonitorPolicy, last: int = 8) -> None:
    """Metrics as rows, the latest runs as columns (oldest left), then each run's alerts."""
    shown = list(runs)[-last:]
    names = list(dict.fromkeys([*policy.metrics_used, *(n for r in shown for n in r.metrics)]))
    title = f"monitoring history: {len(runs)} runs" + (
        f", the last {len(shown)} shown" if len(shown) < len(runs) else ""
    )
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("metric", no_wrap=True)
    for r in shown:
        table.add_column(f"run {r.id}\n{r.started[:10]}", justify="right", no_wrap=True)
    for name in names:
        table.add_row(name, *[value_text(r.metrics.get(name)) for r in shown])
    table.add_row("alerts", *[str(r.n_alerts) for r in shown])
    console().print(table)
    models = sorted({r.model for r in shown})
    click.echo("model: " + ", ".join(models))
    for r in shown:
        actions = sorted({a.action for a in r.alerts if a.action})
        if actions:
            click.echo(f"run {r.id} ({r.started}): actions requested: {', '.join(actions)}")
