"""Experiments: arms of staged training compared on one evaluation, cached stage by stage.

    run_experiment(spec_file, run_dir=None, overrides=None, ...) -> RunOutcome
    plan_experiment(load_inputs(spec, spec_file)) -> ExperimentPlan   (no model is touched)

Each stage (dataset, train, evaluate, loss) lives in `RUN_DIR/stages/<kind>-<key>/`, keyed by a
hash of its resolved config and its inputs' keys; `stage.json` is written last. Arms that share
a dataset or a trained stage share the folder, and rerunning an interrupted experiment resumes.
"""

from teachwhy.experiment.inputs import ExperimentInputs, load_inputs
from teachwhy.experiment.plan import ArmPlan, ExperimentPlan, plan_experiment
from teachwhy.experiment.runner import Event, RunOutcome, default_run_dir, run_experiment
from teachwhy.experiment.stage import StageContext, StageOutput, StageSpec
from teachwhy.experiment.store import StageStore

__all__ = [
    "ArmPlan",
    "Event",
    "ExperimentInputs",
    "ExperimentPlan",
    "RunOutcome",
    "StageContext",
    "StageOutput",
    "StageSpec",
    "StageStore",
    "default_run_dir",
    "load_inputs",
    "plan_experiment",
    "run_experiment",
]
