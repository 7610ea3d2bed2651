"""`teachwhy train CONFIG [key=value ...]`: run a staged training recipe."""

from __future__ import annotations

import os
from pathlib import Path

import click

from teachwhy.spec.examples import resolve_path
from teachwhy.spec.loading import load_model, parse_overrides
from teachwhy.spec.train_config import TrainConfig


@click.command()
@click.argument("config")
@click.argument("overrides", nargs=-1)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; print only the summary.")
def train(config: str, overrides: tuple[str, ...], quiet: bool) -> None:
    """Train a model through the stages of a recipe CONFIG (midtrain, sft, dpo).

    Each stage starts from the previous stage's model (a LoRA adapter is continued, or merged
    when the stage says continue_as: merged). Settings can be overridden with dotted
    key=value pairs. Rerunning the same command resumes an interrupted run from its last
    checkpoint; finished stages are reused. Each stage's model folder (a PEFT adapter or a
    Hugging Face model) can be passed as a model to every evaluation command.

    \b
    Examples:
      teachwhy train quickstart        # the shipped recipe, train/quickstart.yaml
      teachwhy train quickstart stages.sft.epochs=4 output_dir=runs/train/more
      accelerate launch --config_file src/teachwhy/examples/accelerate/ddp.yaml \\
          -m teachwhy train my_recipe.yaml precision=bf16
    """
    path = resolve_path(config, "CONFIG", folder="train")
    recipe = load_model(path, TrainConfig, parse_overrides(list(overrides)))

    from teachwhy.train import train_recipe

    results = train_recipe(
        recipe, config_dir=path.parent.resolve(), config_file=str(path), quiet=quiet
    )
    if int(os.environ.get("RANK", "0")) != 0:
        return
    for r in results:
        loss = f"{r.final_loss:.4f}" if r.final_loss is not None else "n/a"
        state = "reused" if r.reused else ("resumed" if r.resumed else "trained")
        click.echo(
            f"{r.name}: {state}, {r.steps} steps, {r.epochs:g} epochs, {r.train_tokens:,} tokens, "
            f"final loss {loss}, start {r.start} -> {r.kind}"
        )
    final = results[-1].model_dir
    click.echo(f"model: {final}")
    click.echo(f"run folder: {Path(recipe.output_dir)} (config.yaml, per-stage metrics.jsonl)")
