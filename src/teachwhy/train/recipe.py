"""Run a training recipe: its stages in order, each starting from the previous stage's model."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from teachwhy.models.embedded import DEFAULT_MODEL
from teachwhy.spec.train_config import TrainConfig
from teachwhy.train.data import read_source, resolve_data_path
from teachwhy.train.processes import process_state
from teachwhy.train.stage import train_stage
from teachwhy.train.stage_files import StageResult

CONFIG_FILE = "config.yaml"


def resolve_config(config: TrainConfig, config_dir: Path | None = None) -> TrainConfig:
    """The config with defaults filled in, the model named and dataset paths made absolute."""
    data = config.model_dump(mode="json")
    data["model"] = data["model"] or DEFAULT_MODEL
    for stage in data["stages"].values():
        for source in stage["datasets"]:
            found = resolve_data_path(source["path"], config_dir)
            source["path"] = str(found) if found else source["path"]
    return TrainConfig.model_validate(data)


def train_recipe(
    config: TrainConfig,
    *,
    output_dir: Path | None = None,
    config_dir: Path | None = None,
    config_file: str = "training config",
    quiet: bool = False,
) -> list[StageResult]:
    """Train every stage of `config` under `output_dir` (default: config.output_dir).

    Writes the fully resolved config to OUTPUT_DIR/config.yaml and the stage results to
    OUTPUT_DIR/result.json. Rerunning resumes: finished stages are reused, an interrupted one
    continues from its last checkpoint. Every stage's data is checked before any training.
    """
    for name, stage in config.stages.items():
        for i, source in enumerate(stage.datasets):
            field = f"stages.{name}.datasets[{i}]"
            read_source(source, field, stage.kind, i, config_dir, config_file)
    config = resolve_config(config, config_dir)
    run_dir = Path(output_dir or config.output_dir).resolve()
    state = process_state()
    if state.is_main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        snapshot = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
        (run_dir / CONFIG_FILE).write_text(snapshot, encoding="utf-8")
    results: list[StageResult] = []
    for name, stage in config.stages.items():
        result = train_stage(
            stage,
            run_dir / name,
            name=name,
            model=config.model,
            init_from=results[-1].model_dir if results else None,
            seed=config.seed,
            precision=config.precision,
            attn_implementation=config.attn_implementation,
            report_to=config.report_to,
            config_dir=config_dir,
            quiet=quiet,
        )
        results.append(result)
    if state.is_main_process:
        summary = [r.to_json() for r in results]
        (run_dir / "result.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return results
