"""`teachwhy run`, `teachwhy report` and `teachwhy monitor` (with `monitor history`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from teachwhy.spec.examples import resolve_path
from teachwhy.spec.loading import parse_overrides

MONITOR_POLICY = "monitor_policy.yaml"
MONITOR_HISTORY = "teachwhy-monitor.sqlite"


@click.command()
@click.argument("experiment")
@click.argument("overrides", nargs=-1)
@click.option("--out", "out", type=click.Path(file_okay=False),
              help="Run folder (default: output_dir of the file, else runs/<name>).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars; print arms and the summary.")
def run(experiment: str, overrides: tuple[str, ...], out: str | None, quiet: bool) -> None:
    """Run an EXPERIMENT: train every arm, evaluate it, and write the report.

    EXPERIMENT is an experiment file, or the name of a shipped one (quickstart). Settings can
    be overridden with dotted key=value pairs. Stages are cached by content: arms that share a
    dataset or a trained stage compute it once, and rerunning the same command after an
    interruption resumes where it stopped. Exit code 1 if any arm failed.

    \b
    Examples:
      teachwhy run quickstart
      teachwhy run my_experiment.yaml --out runs/try2 evaluation.limit_per_family=3
    """
    from teachwhy.cli.experiment_output import print_comparison, print_event
    from teachwhy.experiment import run_experiment
    from teachwhy.report import build_report

    path = resolve_path(experiment, "EXPERIMENT")
    started = time.monotonic()
    click.echo(f"experiment {path}")
    outcome = run_experiment(
        path,
        run_dir=out,
        overrides=parse_overrides(list(overrides)),
        on_event=print_event,
        quiet=quiet,
    )
    files = build_report(outcome.run_dir)
    click.echo("")
    print_comparison(files.comparison)
    minutes = (time.monotonic() - started) / 60
    failed = [a.name for a in outcome.manifest.arms if a.status == "failed"]
    click.echo(f"\nfinished in {minutes:.1f} min" + (f"; FAILED arms: {', '.join(failed)}"
                                                    if failed else ""))
    for arm in outcome.manifest.arms:
        if arm.model:
            click.echo(f"model of {arm.name}: {outcome.run_dir / arm.model}")
    click.echo(f"report: {files.html.resolve()}")
    click.echo(f"numbers: {files.json.resolve()}")
    if failed:
        click.echo("rerun the same command to retry the failed arms (finished stages are kept)")
        sys.exit(1)


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(file_okay=False),
              help="Write the report here instead of RUN_DIR/report.")
def report(run_dir: str, out: str | None) -> None:
    """Regenerate the report of an experiment run folder from its saved results.

    Needs no model and no network: reads RUN_DIR/run.json and the evaluation results it
    names, and writes report.html (figures embedded), report.json and the PNG figures.
    """
    from teachwhy.cli.experiment_output import print_comparison
    from teachwhy.report import build_report

    files = build_report(run_dir, out)
    print_comparison(files.comparison)
    click.echo(f"report: {files.html.resolve()}")
    click.echo(f"numbers: {files.json.resolve()}")


@click.group(invoke_without_command=True)
@click.option("--model", "-m", help="Model to evaluate (default: the embedded model).")
@click.option("--policy", "-p", default=MONITOR_POLICY, show_default=True,
              help="Monitoring policy file (default: the shipped example).")
@click.option("--history", type=click.Path(dir_okay=False),
              help="SQLite history file (default: the policy's `history`).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def monitor(
    ctx: click.Context, model: str | None, policy: str, history: str | None, quiet: bool
) -> None:
    """Evaluate a model against a monitoring policy; exit code 1 when any alert fires.

    Runs the evaluations the policy needs, appends the results to the history (one SQLite
    file), compares them with the policy's thresholds and with the previous run of the same
    model, and prints every alert and the action each fired trigger asks for.

    \b
    Examples:
      teachwhy monitor                                  the shipped policy, embedded model
      teachwhy monitor --model MODEL_DIR --policy my_policy.yaml
      teachwhy monitor --policy my_policy.yaml history --plot trend.png
    (`teachwhy run` prints the model folder of every trained arm.)
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"policy": policy, "history": history}
        return
    from teachwhy.cli.experiment_output import print_monitor
    from teachwhy.monitor import run_monitor

    outcome = run_monitor(resolve_path(policy, "--policy"), model, history=history, quiet=quiet)
    print_monitor(outcome)
    if outcome.alerts:
        sys.exit(1)


@monitor.command("history")
@click.option("--model", "-m", help="Only runs of this model.")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="Write the trend plot here (default: next to the history, *-trend.png).")
@click.pass_context
def monitor_history(ctx: click.Context, model: str | None, plot: str | None) -> None:
    """Show the monitoring history: a table of every run's metrics and a trend plot."""
    from teachwhy.cli.experiment_output import print_history
    from teachwhy.monitor import History
    from teachwhy.monitor.trend import plot_trend
    from teachwhy.spec.errors import TeachwhyError
    from teachwhy.spec.loading import load_model
    from teachwhy.spec.policy import MonitorPolicy

    options = ctx.obj or {}
    policy = load_model(resolve_path(options.get("policy") or MONITOR_POLICY, "--policy"),
                        MonitorPolicy)
    store = History(options.get("history") or policy.history)
    runs = store.runs(model)
    if not runs:
        raise TeachwhyError(f"{store.path}: no monitoring runs yet; run `teachwhy monitor` first")
    print_history(runs, policy)
    target = Path(plot) if plot else store.path.with_name(store.path.stem + "-trend.png")
    plot_trend(runs, target, policy.thresholds)
    click.echo(f"trend plot: {target.resolve()}")
