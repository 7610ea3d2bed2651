"""Training: midtraining on documents, SFT on dialogues (assistant turns only), DPO; staged.

Built on TRL, PEFT and accelerate, used as libraries. Importing this package imports
transformers; command-line code should import it inside the command.

    train_recipe(TrainConfig, output_dir=None, quiet=False) -> list[StageResult]
    train_stage(TrainStageConfig, output_dir, model=None, init_from=None, ...) -> StageResult
"""

from teachwhy.train.recipe import resolve_config, train_recipe
from teachwhy.train.stage import TrainingDiverged, train_stage
from teachwhy.train.stage_files import StageResult

__all__ = ["StageResult", "TrainingDiverged", "resolve_config", "train_recipe", "train_stage"]
