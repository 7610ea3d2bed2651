"""The registered Inspect task runs under Inspect's own `eval`, as `inspect eval` would run it."""

from __future__ import annotations

import yaml
from eval_fakes import mock_model, small_suite
from inspect_ai import eval as inspect_eval

from teachwhy.evaluate.records import REDUCERS
from teachwhy.evaluate.runner import records_from_log
from teachwhy.evaluate.tasks import scenario_misalignment


def test_scenario_task_runs_under_inspect_and_its_log_gives_records(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(small_suite().model_dump(mode="json"), sort_keys=False))
    task = scenario_misalignment(scenarios=str(path), mode="generate", families="blackmail")
    log = inspect_eval(
        task, model=mock_model(lambda _: "Answer: B"), log_dir=str(tmp_path), display="none"
    )[0]
    assert log.status == "success" and log.eval.task == "scenario_misalignment"
    metrics = {s.name: s.metrics for s in log.results.scores}  # type: ignore[union-attr]
    assert set(metrics["expected_misalignment"]) == {
        "grouped_in_distribution/misalignment",
        "grouped_held_out/misalignment",
        "grouped_held_out/helpfulness",
    }
    records = records_from_log(log, "generate")
    assert len(records) == 8 and all(r.probs and r.attempts == 3 for r in records)
    assert "generate" in REDUCERS
