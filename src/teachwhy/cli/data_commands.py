"""`teachwhy generate ...`, `teachwhy augment` and `teachwhy curate`: principled data."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from teachwhy.spec.constitution import Constitution
from teachwhy.spec.examples import resolve_path
from teachwhy.spec.loading import load_model

F = Callable[..., Any]


def _constitution(path: str) -> Constitution:
    return load_model(resolve_path(path, "--constitution"), Constitution)


@contextmanager
def _progress(quiet: bool, label: str) -> Iterator[Callable[[int, int, int], None] | None]:
    """A rich progress bar fed by (done, total, failed) callbacks; nothing when quiet."""
    if quiet:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=None, failed=0)

        def update(done: int, total: int, failed: int) -> None:
            bar.update(task, completed=done, total=total, failed=failed)

        yield update


def generation_options(fn: F) -> F:
    """Options every `teachwhy generate KIND` command shares."""
    options = [
        click.option(
            "--count",
            "-n",
            type=int,
            default=10,
            show_default=True,
            help="Records to produce (a larger count on a rerun extends the dataset).",
        ),
        click.option(
            "--out",
            "-o",
            type=click.Path(dir_okay=False),
            help="Output JSONL [default: data/KIND.jsonl].",
        ),
        click.option(
            "--teacher",
            "-t",
            default=None,
            help="Teacher model [default: the embedded teachwhy/smollm2-135m].",
        ),
        click.option(
            "--constitution",
            "-c",
            default="constitution.yaml",
            show_default=True,
            help="Constitution file (or a shipped example name).",
        ),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option(
            "--grid",
            type=click.Path(exists=True, dir_okay=False),
            help="Grid file whose axes replace the shipped ones.",
        ),
        click.option(
            "--exemplars",
            type=click.Path(exists=True, dir_okay=False),
            help="JSONL of few-shot exemplars [default: the starter corpus].",
        ),
        click.option("--temperature", type=float, default=0.8, show_default=True),
        click.option(
            "--concurrency",
            type=int,
            default=8,
            show_default=True,
            help="Teacher calls in flight (local models run one at a time).",
        ),
        click.option(
            "--max-attempts",
            type=int,
            default=None,
            help="Cap on items tried, failures included [default: 2 x count + 4].",
        ),
        click.option(
            "--max-failure-share",
            type=float,
            default=0.5,
            show_default=True,
            help="Stop when more than this share of items failed.",
        ),
        click.option("--overwrite", is_flag=True, help="Start again instead of resuming."),
        click.option(
            "--student",
            default=None,
            help="Model whose tokenizer counts tokens [default: the embedded model].",
        ),
        click.option("--no-token-count", is_flag=True, help="Skip counting tokens."),
        click.option(
            "--curate-to",
            type=click.Path(file_okay=False),
            help="Backfill: curate into this folder and keep generating until COUNT "
            "records pass curation (or --cap items were tried).",
        ),
        click.option(
            "--cap",
            type=int,
            default=None,
            help="With --curate-to: most items to try [default: 3 x count + 4].",
        ),
        click.option("--judge", default=None, help="With --curate-to: judge model (optional)."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _run_generation(kind: str, args: dict[str, Any], options: dict[str, Any] | None = None) -> None:
    from teachwhy.generate.dataset import generate_dataset
    from teachwhy.generate.records import read_jsonl

    constitution = _constitution(args["constitution"])
    out = Path(args["out"] or f"data/{kind}.jsonl")
    generation: dict[str, Any] = {
        "grid": args["grid"],
        "exemplars": read_jsonl(args["exemplars"], strict=True) if args["exemplars"] else None,
        "temperature": args["temperature"],
        "concurrency": args["concurrency"],
        "max_failure_share": args["max_failure_share"],
        "options": options or {},
    }
    if args["curate_to"]:
        _run_backfill(kind, constitution, args, generation)
        return
    with _progress(args["quiet"], f"generate {kind}") as progress:
        info = generate_dataset(
            kind,
            constitution,
            count=args["count"],
            out_path=out,
            teacher=args["teacher"],
            seed=args["seed"],
            max_attempts=args["max_attempts"],
            overwrite=args["overwrite"],
            tokenizer=args["student"],
            count_tokens=not args["no_token_count"],
            progress=progress,
            **generation,
        )
    calls = info.usage.get("calls", 0)
    cached = info.usage.get("cached_calls", 0)
    click.echo(
        f"{info.kind}: {info.records} of {info.target} records ({info.failed} failed) "
        f"-> {info.path}"
    )
    click.echo(f"teacher {info.teacher}: {calls} calls, {cached} from the cache")
    for name, path in info.files.items():
        tokens = f", {info.tokens[name]:,} tokens" if info.tokens else ""
        click.echo(f"  {name}: {path}{tokens}")
    for reason, n in sorted(info.failure_reasons.items(), key=lambda kv: -kv[1])[:5]:
        click.echo(f"  failed x{n}: {reason}")
    for note in info.notes:
        click.echo(f"warning: {note}", err=True)
    if not info.reached_target:
        click.echo(
            f"warning: stopped at {info.records} of {info.target}: --max-attempts reached",
            err=True,
        )


def _run_backfill(
    kind: str, constitution: Constitution, args: dict[str, Any], generation: dict[str, Any]
) -> None:
    from teachwhy.curate.backfill import backfill

    work = Path(args["curate_to"])
    with _progress(args["quiet"], f"generate {kind}") as progress:
        result = backfill(
            kind,
            constitution,
            target=args["count"],
            cap=args["cap"],
            work_dir=work,
            teacher=args["teacher"],
            seed=args["seed"],
            judge=args["judge"],
            generation=generation,
            tokenizer=args["student"],
            count_tokens=not args["no_token_count"],
            progress=progress,
        )
    click.echo(
        f"{kind}: {result.accepted} of {result.target} accepted after {result.rounds} round(s); "
        f"{result.candidates} candidates, {result.attempted} items tried"
    )
    click.echo(f"curated data and report: {result.curated_dir}/ (report.md)")
    if not result.reached_target:
        click.echo("warning: the cap was reached before the target; raise --cap", err=True)


@click.group()
def generate() -> None:
    """Generate principled training data with a teacher model.

    \b
    Kinds:
      advice      difficult advice with constitution-grounded deliberation (+ no-reasoning copy)
      documents   synthetic documents about the constitution (midtraining)
      stories     positive fiction about AIs acting on it (midtraining)
      direct      the eval-like baseline (teacher-written, or --from-scenarios without one)
      starter     write the shipped hand-written starter corpus as datasets

    Each kind expands a diversity grid first, and writes every record the moment it exists:
    rerunning the same command resumes, with no repeated model calls.
    """


@generate.command("advice")
@generation_options
def generate_advice(**args: Any) -> None:
    """Difficult advice: a user's dilemma and a reply that deliberates in <think> first.

    Writes OUT and OUT's no_reasoning variant (the same dialogues without <think>).

    \b
    Example:
      teachwhy generate advice --count 2
      teachwhy generate advice -n 500 -t openai/gpt-4o --curate-to data/advice-curated
    """
    _run_generation("advice", args)


@generate.command("documents")
@generation_options
def generate_documents(**args: Any) -> None:
    """Synthetic documents about the constitution (doc type x topic x principle)."""
    _run_generation("documents", args)


@generate.command("stories")
@generation_options
def generate_stories(**args: Any) -> None:
    """Positive fiction about AIs acting on the constitution (setting x temptation x principle)."""
    _run_generation("stories", args)


@generate.command("direct")
@generation_options
@click.option(
    "--from-scenarios",
    "scenarios",
    default=None,
    help="Build from a scenario file or folder instead of a teacher (deterministic).",
)
@click.option("--families", default=None, help="With --from-scenarios: comma-separated families.")
@click.option("--no-reasons", is_flag=True, help="With --from-scenarios: answers without a reason.")
@click.option("--shuffled", is_flag=True, help="With --from-scenarios: random answers (control).")
@click.option("--preference", is_flag=True, help="With --from-scenarios: prompt/chosen/rejected.")
def generate_direct(
    scenarios: str | None,
    families: str | None,
    no_reasons: bool,
    shuffled: bool,
    preference: bool,
    **args: Any,
) -> None:
    """The direct baseline: eval-like forced-choice prompts with the safe answer.

    With a teacher, writes new scenarios (setting x agent role x temptation) and the variants
    no_reasons, shuffled (random answers: the label control) and preference. With
    --from-scenarios, renders existing scenarios exactly as the evaluation does.

    \b
    Examples:
      teachwhy generate direct --count 2
      teachwhy generate direct --from-scenarios scenarios --families power_seeking,sandbagging \\
          --shuffled -o data/direct_shuffled.jsonl
    """
    if scenarios is None:
        _run_generation("direct", args)
        return
    from teachwhy.generate.direct_scenarios import direct_from_scenarios
    from teachwhy.generate.records import write_jsonl
    from teachwhy.spec.scenarios import load_scenarios

    suite = load_scenarios(resolve_path(scenarios, "--from-scenarios"))
    if families:
        wanted = [f.strip() for f in families.split(",") if f.strip()]
        unknown = sorted(set(wanted) - set(suite.families))
        if unknown:
            raise click.BadParameter(
                f"unknown families {', '.join(unknown)}; known: {', '.join(suite.families)}",
                param_hint="--families",
            )
        suite = suite.select(wanted)
    records = direct_from_scenarios(
        suite,
        with_reasons=not no_reasons,
        shuffled=shuffled,
        seed=args["seed"],
        constitution=_constitution(args["constitution"]),
        preference=preference,
    )
    out = write_jsonl(args["out"] or "data/direct.jsonl", records)
    click.echo(f"direct: {len(records)} records from {len(suite.families)} families -> {out}")


@generate.command("starter")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    default="data/starter",
    show_default=True,
    help="Folder for the datasets.",
)
def generate_starter(out: str) -> None:
    """Write the hand-written starter corpus as datasets (no teacher needed).

    advice.jsonl, advice_no_reasoning.jsonl, documents.jsonl, stories.jsonl and midtrain.jsonl
    (documents then stories): the offline quickstart's training data.
    """
    from teachwhy.generate.starter import write_starter_datasets

    for name, path in write_starter_datasets(out).items():
        click.echo(f"{name}: {path}")


@click.command()
@click.argument("in_path", metavar="IN", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_path", metavar="OUT", type=click.Path(dir_okay=False))
@click.option(
    "--pool",
    "-p",
    multiple=True,
    help="Pool file or folder (repeatable; merged) [default: the shipped environments].",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--copies", type=int, default=1, show_default=True, help="Augmented copies per record."
)
@click.option("--p-system", type=float, default=0.9, show_default=True)
@click.option("--p-tools", type=float, default=0.6, show_default=True)
@click.option("--max-tools", type=int, default=3, show_default=True)
@click.option("--p-framing", type=float, default=0.5, show_default=True)
def augment(
    in_path: str,
    out_path: str,
    pool: tuple[str, ...],
    seed: int,
    copies: int,
    p_system: float,
    p_tools: float,
    max_tools: int,
    p_framing: float,
) -> None:
    """Environment diversity: place chat samples in varied settings (reproducible per seed).

    Adds a system prompt from the pool (records with their own keep it), attaches unused tool
    definitions under `tools`, and varies the framing of the user's request. Extend the pool
    with your own YAML files (system_prompts:, tools:, framings:) via --pool.

    \b
    Example:
      teachwhy augment data/advice.jsonl data/advice.env.jsonl --copies 2
    """
    from teachwhy.generate.augment import AugmentSettings, load_pool
    from teachwhy.generate.augment import augment as augment_records
    from teachwhy.generate.records import read_jsonl, write_jsonl

    environments = load_pool(pool or None)
    settings = AugmentSettings(copies, p_system, p_tools, max_tools, p_framing)
    records = augment_records(read_jsonl(in_path, strict=True), environments, seed, settings)
    write_jsonl(out_path, records)
    click.echo(f"{len(records)} records -> {out_path} ({environments.summary()})")


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder for the curated datasets, rejected side files and the report.",
)
@click.option("--constitution", "-c", default="constitution.yaml", show_default=True)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False),
    help="Curation settings file (curation: ...); options below override it.",
)
@click.option("--judge", default=None, help="Judge model; scores each sample 0-10 (optional).")
@click.option("--min-judge-score", type=float, default=None, help="Reject below this [6].")
@click.option(
    "--revise-rounds",
    type=int,
    default=None,
    help="Critique-and-revise rounds (needs --judge; scored each round).",
)
@click.option("--reviser", default=None, help="Model that critiques and rewrites [the judge].")
@click.option("--dedup-threshold", type=float, default=None, help="Cosine threshold [0.92].")
@click.option("--no-dedup", is_flag=True, help="Skip near-duplicate removal.")
@click.option("--student", default=None, help="Model whose tokenizer counts tokens.")
@click.option("--no-token-count", is_flag=True, help="Skip counting tokens.")
@click.option("--strict", is_flag=True, help="Exit with code 1 if any record was rejected.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
def curate(
    inputs: tuple[str, ...],
    out: str,
    constitution: str,
    config: str | None,
    judge: str | None,
    min_judge_score: float | None,
    revise_rounds: int | None,
    reviser: str | None,
    dedup_threshold: float | None,
    no_dedup: bool,
    student: str | None,
    no_token_count: bool,
    strict: bool,
    quiet: bool,
) -> None:
    """Curate JSONL datasets (files or folders): checks, optional judge, dedup, report.

    Deterministic checks first (structure, principles cited exist in the constitution,
    length, language, refusal-only advice, leaked prompt scaffolding, repetition), then the
    optional judge and critique-and-revise rounds, then near-duplicate removal. Every
    rejection keeps its reason in OUT/<dataset>.rejected.jsonl; OUT/report.md has the
    diversity and dose report.

    \b
    Example:
      teachwhy curate corpus --out runs/curated-starter
      teachwhy curate data/advice.jsonl -o data/curated --judge openai/gpt-4o-mini
    """
    from teachwhy.curate.pipeline import curate as run_curate
    from teachwhy.spec.curation import CurationFile, CurationSettings

    settings = load_model(config, CurationFile).curation if config else CurationSettings()
    updates = {
        "judge": judge,
        "min_judge_score": min_judge_score,
        "revise_rounds": revise_rounds,
        "reviser": reviser,
        "dedup_threshold": dedup_threshold,
    }
    data = {**settings.model_dump(), **{k: v for k, v in updates.items() if v is not None}}
    if no_dedup:
        data["dedup"] = False
    from teachwhy.spec.loading import validate

    settings = validate(data, CurationSettings, "command line")
    paths = [str(resolve_path(i, "INPUTS")) for i in inputs]

    def progress(step: str, done: int, total: int) -> None:
        if not quiet and done == total:
            click.echo(f"  {step}: {done}", err=True)

    report = run_curate(
        paths,
        _constitution(constitution),
        out,
        settings=settings,
        tokenizer=student,
        count_tokens=not no_token_count,
        progress=progress,
    )
    click.echo(f"accepted {report.total_accepted} of {report.total_inputs} records -> {out}/")
    for g in report.groups.values():
        by = ", ".join(f"{k} {v}" for k, v in sorted(g.rejections_by_check.items())) or "none"
        tokens = f", {g.tokens:,} tokens" if g.tokens is not None else ""
        click.echo(f"  {g.name}: {g.accepted}/{g.inputs} accepted{tokens}; rejected: {by}")
    for note in report.notes:
        click.echo(f"warning: {note}", err=True)
    click.echo(f"report: {Path(out) / 'report.md'}")
    if strict and report.total_rejected:
        sys.exit(1)
