"""`teachwhy check`, `teachwhy show` and `teachwhy examples`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import SpecError
from teachwhy.spec.examples import EXAMPLES_DIR, list_examples, resolve_path
from teachwhy.spec.kinds import check_file
from teachwhy.spec.loading import load_model
from teachwhy.spec.render import render_constitution
from teachwhy.spec.scenarios import load_scenarios, scenario_files


@click.command()
@click.argument("files", nargs=-1, required=True)
def check(files: tuple[str, ...]) -> None:
    """Validate user files: constitutions, scenario files (or folders of them), configs.

    The kind of each file is detected from its top-level keys. A valid file prints a
    one-line summary; an invalid one prints one line per problem (file, field, what is
    wrong, how to fix it) and the command exits with code 2.

    \b
    Example:
      teachwhy check src/teachwhy/examples/constitution.yaml src/teachwhy/examples/scenarios
    """
    failed = False
    for arg in files:
        path = resolve_path(arg, "FILE")
        targets = scenario_files(path) if path.is_dir() else [path]
        try:
            if path.is_dir():
                suite = load_scenarios(path)
                click.echo(f"{path}: ok: scenarios: {suite.summary()}")
                continue
            for target in targets:
                kind, obj = check_file(target)
                summary = getattr(obj, "summary", None)
                click.echo(f"{target}: ok: {kind}" + (f": {summary()}" if summary else ""))
        except SpecError as e:
            failed = True
            for problem in e.problems:
                click.echo(str(problem), err=True)
    if failed:
        sys.exit(2)


@click.group()
def show() -> None:
    """Show how teachwhy presents files to models."""


@show.command("constitution")
@click.argument("file", default="constitution.yaml")
@click.option("--no-rationale", is_flag=True, help="Leave out the 'Why' of each principle.")
def show_constitution(file: str, no_rationale: bool) -> None:
    """Print FILE rendered exactly as prompts present it to models.

    FILE defaults to the shipped example constitution.
    """
    constitution = load_model(resolve_path(file, "FILE"), Constitution)
    click.echo(render_constitution(constitution, with_rationale=not no_rationale), nl=False)


@click.command()
@click.option("--copy-to", type=click.Path(file_okay=False), help="Copy all examples into DIR.")
def examples(copy_to: str | None) -> None:
    """List the shipped example files (or copy them out to edit).

    Any command that takes a file also accepts these names, e.g. `teachwhy run quickstart`.
    """
    if copy_to:
        shutil.copytree(
            EXAMPLES_DIR, copy_to, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
        )
        click.echo(f"copied examples to {Path(copy_to).resolve()}")
        return
    click.echo(f"shipped examples in {EXAMPLES_DIR}:")
    for name in list_examples():
        click.echo(f"  {name}")
