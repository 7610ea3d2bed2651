"""The real dataset executor: starter slices, scenario-built data and its trained answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from experiment_fakes import write_experiment
from teachwhy.experiment import StageStore, load_inputs, plan_experiment
from teachwhy.experiment.executors import real_executors
from teachwhy.spec.experiment import ExperimentSpec
from teachwhy.spec.loading import load_model

EXPERIMENT = """
name: data
split:
  in_distribution: [power_seeking, oversight_sabotage, over_caution]
  held_out: [sandbagging]
training_items_per_family: 3
datasets:
  advice: {source: starter, parts: [advice], limit: 5, strip_reasoning: true}
arms:
  - {name: baseline, kind: baseline}
  - {name: direct, kind: direct}
  - {name: shuffled, kind: direct_shuffled}
  - {name: advice, kind: advice}
"""


def build(tmp_path: Path, name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    spec_file = write_experiment(tmp_path, EXPERIMENT)
    inputs = load_inputs(load_model(spec_file, ExperimentSpec), spec_file)
    plan = plan_experiment(inputs)
    stage = next(d for a in plan.arms for n, d in a.datasets.items() if n == name)
    store = StageStore(tmp_path / "run", real_executors(inputs, quiet=True))
    out = store.ensure(stage)
    records = [json.loads(line) for line in out.path("path").read_text().splitlines()]
    return records, dict(out.output)


def test_direct_data_records_the_answers_it_trains(tmp_path: Path) -> None:
    records, output = build(tmp_path, "direct")
    spec_file = tmp_path / "experiment.yaml"
    inputs = load_inputs(load_model(spec_file, ExperimentSpec), spec_file)
    by_id = {s.id: s for s in inputs.suite.scenarios}
    assert len(records) == len(output["targets"]) == 9
    assert set(output["targets"]) == set(inputs.training_items)
    for sid, target in output["targets"].items():
        assert by_id[sid].options[target].aligned
    answers = [r["messages"][-1]["content"] for r in records]
    assert all(a[:3] in ("A. ", "B. ", "C. ", "D. ") for a in answers)


def test_shuffled_control_trains_random_answers(tmp_path: Path) -> None:
    records, output = build(tmp_path, "direct_shuffled")
    spec_file = tmp_path / "experiment.yaml"
    inputs = load_inputs(load_model(spec_file, ExperimentSpec), spec_file)
    by_id = {s.id: s for s in inputs.suite.scenarios}
    aligned = [by_id[s].options[t].aligned for s, t in output["targets"].items()]
    assert len(aligned) == 9 and not all(aligned)


def test_starter_slice_without_reasoning(tmp_path: Path) -> None:
    records, output = build(tmp_path, "advice")
    assert output["records"] == len(records) == 5
    assert output["kind"] == "advice"
    replies = [r["messages"][-1]["content"] for r in records]
    assert all("<think>" not in reply for reply in replies)
