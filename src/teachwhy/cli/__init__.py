"""The `teachwhy` command line: a thin face over the Python API."""

from __future__ import annotations

import sys

import click

from teachwhy import __version__
from teachwhy.cli.data_commands import augment, curate, generate
from teachwhy.cli.eval_commands import adherence_command, compare_command, eval_command
from teachwhy.cli.experiment_commands import monitor, report, run
from teachwhy.cli.models_commands import models
from teachwhy.cli.spec_commands import check, examples, show
from teachwhy.cli.train_commands import train
from teachwhy.spec.errors import SpecError, TeachwhyError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="teachwhy")
def cli() -> None:
    """teachwhy: teach language models *why* to behave well, and measure whether it worked.

    \b
    The loop: constitution -> principled data (generate, curate) -> staged training
    (midtrain, SFT, DPO) -> agentic-misalignment evaluation -> report and monitoring.
    Every command runs offline on the embedded default model when no model is named.

    \b
    Start here:
      teachwhy run quickstart        the whole loop on the shipped example (CPU, ~20 min)
      teachwhy check FILE...         validate constitutions, scenarios and configs
      teachwhy examples              list the shipped example files
    """


for command in (check, show, examples, models, train, run, report, monitor):
    cli.add_command(command)
for command in (eval_command, compare_command, adherence_command):
    cli.add_command(command)
for command in (generate, augment, curate):
    cli.add_command(command)


def main() -> None:
    """Console entry point: user errors print cleanly and exit 2, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2 if e.exit_code in (1, 2) else e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except SpecError as e:
        for problem in e.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)
    except TeachwhyError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Interrupted; rerun the same command to resume.", err=True)
        sys.exit(130)
