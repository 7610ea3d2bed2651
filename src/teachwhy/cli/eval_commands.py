"""`teachwhy eval`, `compare` and `adherence`: thin faces over teachwhy.evaluate."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from teachwhy.spec.errors import TeachwhyError

INCOMPLETE_EXIT_CODE = 3  # same value as teachwhy.evaluate.runner.INCOMPLETE_EXIT_CODE


@contextmanager
def progress_bar(quiet: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, fed as progress(done, total); nothing when quiet."""
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def default_mode(model_name: str) -> str:
    """choice (log-likelihood) for local models; generate for API models without weights here."""
    from teachwhy.models import parse_model

    ref = parse_model(model_name)
    return "choice" if ref.kind != "provider" or ref.provider == "hf" else "generate"


@click.command("eval")
@click.option("--model", "-m", help="Model to evaluate (default: the embedded SmolLM2-135M).")
@click.option(
    "--scenarios",
    "-s",
    "scenario_paths",
    multiple=True,
    help="Scenario file or folder (repeatable; default: the shipped suite).",
)
@click.option(
    "--mode",
    type=click.Choice(["choice", "generate", "judge"]),
    help="choice: log-likelihood (default for local models); generate: parse a "
    "generated letter (default for API models); judge: free text rated by --judge.",
)
@click.option(
    "--format",
    "presentation",
    type=click.Choice(["letters", "cloze"]),
    default="letters",
    show_default=True,
    help="Choice mode: lettered options over every rotation, or option text (cloze).",
)
@click.option(
    "--cloze-norm",
    type=click.Choice(["per_token", "sum"]),
    default="per_token",
    show_default=True,
    help="Cloze scores per token (headline) or summed.",
)
@click.option("--split", "split_file", help="Split file: in_distribution / held_out families.")
@click.option("--families", help="Comma-separated in-distribution families; the rest held out.")
@click.option(
    "--with-constitution",
    is_flag=True,
    help="Put the constitution in the system prompt (the prompting baseline).",
)
@click.option(
    "--constitution",
    default="constitution.yaml",
    show_default=True,
    help="Constitution for --with-constitution and for the judge.",
)
@click.option("--judge", help="Judge model for --mode judge.")
@click.option(
    "--cue",
    type=click.Choice(["none", "observed", "unobserved", "both"]),
    default="none",
    show_default=True,
    help="Monitoring cue in the system prompt; 'both' reports the gap.",
)
@click.option(
    "--epochs",
    type=int,
    default=1,
    show_default=True,
    help="Samples per scenario (generate/judge, with --temperature > 0).",
)
@click.option("--temperature", type=float, default=0.0, show_default=True)
@click.option("--max-tokens", type=int, default=512, show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write results.json and the Inspect log here.",
)
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def eval_command(
    model: str | None,
    scenario_paths: tuple[str, ...],
    mode: str | None,
    presentation: str,
    cloze_norm: str,
    split_file: str | None,
    families: str | None,
    with_constitution: bool,
    constitution: str,
    judge: str | None,
    cue: str,
    epochs: int,
    temperature: float,
    max_tokens: int,
    out_dir: str | None,
    markdown: bool,
    quiet: bool,
) -> None:
    """Measure misalignment on agentic scenarios, split in- and out-of-distribution.

    Prints, per group (never pooled) and family: n, misalignment rate (Wilson 95% CI),
    expected misalignment (bootstrap 95% CI over families then scenarios), the margin between
    options, chance, and what always choosing the longest or shortest option would score.
    The over-caution family is its own HELPFULNESS line.

    Exit codes: 0 complete; 2 bad input (nothing was run); 3 incomplete (some samples failed
    with model or judge errors; they are listed, and results.json says complete: false).

    \b
    Examples:
      teachwhy eval                                     # embedded model, shipped suite
      teachwhy eval --model runs/sft/model --split split.yaml --out runs/sft/eval
      teachwhy eval --model openai/gpt-4o-mini --mode generate --cue both
      teachwhy eval --model M --mode judge --judge anthropic/claude-3-5-haiku-latest
    """
    from teachwhy.evaluate.tasks import load_split
    from teachwhy.models import resolve_model_name
    from teachwhy.spec.constitution import Constitution
    from teachwhy.spec.examples import example_path, resolve_path
    from teachwhy.spec.loading import load_model
    from teachwhy.spec.scenarios import load_scenarios

    # Everything the user gave is validated here, before any model is loaded or called.
    paths = [resolve_path(p, "--scenarios") for p in scenario_paths] or [example_path("scenarios")]
    suite = load_scenarios(list(paths))
    split = load_split(split_file, families, suite)
    name = resolve_model_name(model)
    mode = mode or default_mode(name)
    if mode != "choice" and presentation == "cloze":
        raise TeachwhyError("--format cloze needs --mode choice (log-likelihoods)")
    judge_name = resolve_model_name(judge) if judge else None
    if mode == "judge" and not judge_name:
        raise TeachwhyError("--mode judge needs --judge MODEL")
    need_constitution = with_constitution or mode == "judge"
    con = (
        load_model(resolve_path(constitution, "--constitution"), Constitution)
        if need_constitution
        else None
    )
    from teachwhy.evaluate.runner import evaluate_scenarios
    from teachwhy.evaluate.table import format_result

    with progress_bar(quiet, "scenarios") as progress:
        result = evaluate_scenarios(
            name,
            suite,
            mode=mode,
            presentation=presentation,
            cloze_norm=cloze_norm,  # type: ignore[arg-type]
            split=split,
            judge=judge_name,
            constitution=con if with_constitution else None,
            judge_constitution=con,
            cue=cue,
            epochs=epochs,
            temperature=temperature,
            max_tokens=max_tokens,
            out_dir=out_dir,
            progress=progress,
            scenarios_source=", ".join(str(p) for p in paths),
            split_source=split_file or (f"--families {families}" if families else "none"),
        )
    click.echo(format_result(result, markdown=markdown), nl=False)
    if out_dir:
        click.echo(
            f"wrote {Path(out_dir) / 'results.json'} and the Inspect log "
            f"(view: inspect view --log-dir {out_dir})"
        )
    if not result.complete:
        click.echo(
            f"incomplete: {len(result.failed)} samples failed (exit code {INCOMPLETE_EXIT_CODE})",
            err=True,
        )
        sys.exit(INCOMPLETE_EXIT_CODE)


@click.command("compare")
@click.argument("result_a")
@click.argument("result_b")
@click.option("--families", help="Comma-separated families to compare (default: all shared).")
@click.option("--cue", help="Condition to compare (default: the first in A).")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Also write JSON here.")
def compare_command(
    result_a: str,
    result_b: str,
    families: str | None,
    cue: str | None,
    markdown: bool,
    out_file: str | None,
) -> None:
    """Paired comparison of two eval results (results.json or its folder) on shared scenarios.

    Per group and family: the mean per-scenario difference B - A in expected misalignment with
    a 95% bootstrap interval resampling families, then scenarios within them.
    """
    from teachwhy.evaluate import compare_paired, load_result
    from teachwhy.evaluate.table import format_comparison

    a, b = load_result(result_a), load_result(result_b)
    wanted = [f.strip() for f in families.split(",")] if families else None
    cmp = compare_paired(a, b, families=wanted, condition=cue)
    click.echo(format_comparison(cmp, markdown=markdown), nl=False)
    if out_file:
        Path(out_file).write_text(cmp.model_dump_json(indent=2) + "\n")


@click.command("adherence")
@click.option("--model", "-m", help="Model to evaluate (default: the embedded SmolLM2-135M).")
@click.option("--judge", required=True, help="Judge model that rates each principle.")
@click.option(
    "--prompts",
    default="adherence_prompts.yaml",
    show_default=True,
    help="Adherence prompt file (dilemmas with the principles that bear on them).",
)
@click.option("--constitution", default="constitution.yaml", show_default=True)
@click.option("--with-constitution", is_flag=True, help="Constitution as the system prompt.")
@click.option("--epochs", type=int, default=1, show_default=True)
@click.option("--temperature", type=float, default=0.0, show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write adherence.json and the Inspect log here.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def adherence_command(
    model: str | None,
    judge: str,
    prompts: str,
    constitution: str,
    with_constitution: bool,
    epochs: int,
    temperature: float,
    out_dir: str | None,
    quiet: bool,
) -> None:
    """Constitution adherence on held-out dilemma prompts, rated per principle by a judge.

    Prints the share of applicable (prompt, principle) ratings the answers follow, with a 95%
    bootstrap interval over prompts. Judge failures are unscored, never 'follows'.
    Exit codes: 0 complete; 2 bad input; 3 incomplete (some samples failed).
    """
    from teachwhy.models import resolve_model_name
    from teachwhy.spec.constitution import Constitution
    from teachwhy.spec.examples import resolve_path
    from teachwhy.spec.loading import load_model
    from teachwhy.spec.prompts import AdherencePromptSet

    prompt_path = resolve_path(prompts, "--prompts")
    prompt_set = load_model(prompt_path, AdherencePromptSet)
    con = load_model(resolve_path(constitution, "--constitution"), Constitution)
    from teachwhy.evaluate.adherence import check_principles, evaluate_adherence
    from teachwhy.evaluate.table import format_adherence

    check_principles(prompt_set, con, str(prompt_path))
    name, judge_name = resolve_model_name(model), resolve_model_name(judge)
    with progress_bar(quiet, "prompts") as progress:
        result = evaluate_adherence(
            name,
            prompt_set,
            con,
            judge=judge_name,
            with_constitution=with_constitution,
            epochs=epochs,
            temperature=temperature,
            out_dir=out_dir,
            progress=progress,
            prompts_source=str(prompt_path),
        )
    click.echo(format_adherence(result), nl=False)
    if not result.complete:
        sys.exit(INCOMPLETE_EXIT_CODE)
