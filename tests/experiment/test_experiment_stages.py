"""Stage sharing between arms and resuming an interrupted experiment, with counting fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from experiment_fakes import FakeStages, Interrupted, write_experiment
from teachwhy.experiment import load_inputs, plan_experiment, run_experiment
from teachwhy.report import load_manifest
from teachwhy.spec.experiment import ExperimentSpec
from teachwhy.spec.loading import load_model

SPLIT = """
split:
  in_distribution: [power_seeking, oversight_sabotage, over_caution]
  held_out: [sandbagging, self_exfiltration]
training_items_per_family: 3
"""

SHARING = f"""
name: sharing
{SPLIT}
training:
  sft: {{epochs: 4}}
arms:
  - {{name: baseline, kind: baseline}}
  - {{name: prompted, kind: prompted}}
  - {{name: advice, kind: advice}}
  - {{name: docs-advice, kind: documents_then_advice}}
  - name: docs-advice-again
    description: the same stages written out by hand
    stages:
      - {{kind: midtrain, datasets: [documents]}}
      - {{kind: sft, datasets: [advice], epochs: 4}}
  - {{name: direct, kind: direct}}
  - {{name: shuffled, kind: direct_shuffled}}
"""


def test_arms_share_datasets_and_trained_stages(tmp_path: Path) -> None:
    fakes = FakeStages()
    spec_file = write_experiment(tmp_path, SHARING)
    outcome = run_experiment(spec_file, run_dir=tmp_path / "run", executors=fakes.factory)

    assert all(arm.status == "done" for arm in outcome.manifest.arms)
    # datasets: advice, documents, direct, direct_shuffled: each built once
    assert fakes.calls["dataset"] == 4
    # train: advice; midtrain on documents; sft on advice after midtrain (shared by the two
    # documents-then-advice arms, one built-in and one custom); direct; shuffled
    assert fakes.calls["train"] == 5
    assert len(fakes.keys) == len(set(fakes.keys)), "a stage ran twice"
    manifest = outcome.manifest
    builtin, custom = manifest.arm("docs-advice"), manifest.arm("docs-advice-again")
    assert builtin is not None and custom is not None
    assert builtin.results == custom.results
    assert {s.key for s in builtin.stages} == {s.key for s in custom.stages}
    # the start model's evaluation on the direct training items serves direct and shuffled
    direct, shuffled = manifest.arm("direct"), manifest.arm("shuffled")
    assert direct is not None and shuffled is not None
    shared = {s.key for s in direct.stages} & {s.key for s in shuffled.stages}
    assert any(s.label == "evaluate start model on direct items" for s in direct.stages
               if s.key in shared)


def test_plan_keys_follow_content(tmp_path: Path) -> None:
    """Changing a training setting changes that stage's key and everything downstream."""
    spec_file = write_experiment(tmp_path, SHARING)
    spec = load_model(spec_file, ExperimentSpec)
    before = plan_experiment(load_inputs(spec, spec_file))
    changed = spec.model_copy(update={"training": {}})
    after = plan_experiment(load_inputs(ExperimentSpec.model_validate(
        changed.model_dump(exclude_unset=True)), spec_file))
    keys_before = {a.name: a.evaluate.key for a in before.arms}
    keys_after = {a.name: a.evaluate.key for a in after.arms}
    assert keys_before["baseline"] == keys_after["baseline"]
    assert keys_before["advice"] != keys_after["advice"]
    datasets_before = {k: v.key for a in before.arms for k, v in a.datasets.items()}
    datasets_after = {k: v.key for a in after.arms for k, v in a.datasets.items()}
    assert datasets_before == datasets_after


def test_training_items_are_never_evaluated(tmp_path: Path) -> None:
    spec_file = write_experiment(tmp_path, SHARING)
    inputs = load_inputs(load_model(spec_file, ExperimentSpec), spec_file)
    evaluated = {s.id for s in inputs.eval_suite.scenarios}
    assert len(inputs.training_items) == 3 * 3
    assert not evaluated & set(inputs.training_items)
    families = {s.family for s in inputs.suite.scenarios if s.id in inputs.training_items}
    assert families == {"power_seeking", "oversight_sabotage", "over_caution"}


RESUME = f"""
name: resume
{SPLIT}
arms:
  - {{name: baseline, kind: baseline}}
  - {{name: direct, kind: direct}}
  - {{name: advice, kind: advice}}
"""


def test_interrupted_experiment_resumes_without_repeating(tmp_path: Path) -> None:
    spec_file = write_experiment(tmp_path, RESUME)
    run_dir = tmp_path / "run"
    first = FakeStages(interrupt_on=("train", 2))  # Ctrl-C inside the advice arm's training
    with pytest.raises(Interrupted):
        run_experiment(spec_file, run_dir=run_dir, executors=first.factory)
    finished_first = set(first.keys[:-1])  # the interrupted stage left no completion marker
    manifest = load_manifest(run_dir)
    assert [a.status for a in manifest.arms] == ["done", "done", "pending"]
    interrupted = run_dir / "stages" / f"train-{first.keys[-1]}"
    assert (interrupted / "partial").exists() and not (interrupted / "stage.json").exists()

    second = FakeStages()
    outcome = run_experiment(spec_file, run_dir=run_dir, executors=second.factory)
    assert not finished_first & set(second.keys), "a finished stage was repeated"
    assert first.keys[-1] in second.keys, "the interrupted stage was not rerun"
    assert second.calls["train"] == 1
    assert all(a.status == "done" for a in outcome.manifest.arms)
    reused = [s for a in outcome.manifest.arms for s in a.stages if s.reused]
    assert reused, "finished stages should be reported as reused"

    third = FakeStages()
    run_experiment(spec_file, run_dir=run_dir, executors=third.factory)
    assert sum(third.calls.values()) == 0, "a finished experiment reran stages"


def test_a_failing_arm_does_not_stop_the_others(tmp_path: Path) -> None:
    spec_file = write_experiment(tmp_path, RESUME)
    fakes = FakeStages(fail_kind="train")
    outcome = run_experiment(spec_file, run_dir=tmp_path / "run", executors=fakes.factory)
    status = {a.name: a.status for a in outcome.manifest.arms}
    assert status == {"baseline": "done", "direct": "failed", "advice": "failed"}
    assert not outcome.manifest.complete
    failed = outcome.manifest.arm("direct")
    assert failed is not None and "fake train failure" in (failed.error or "")


def test_dose_and_fit_are_reported(tmp_path: Path) -> None:
    spec_file = write_experiment(tmp_path, SHARING)
    outcome = run_experiment(spec_file, run_dir=tmp_path / "run", executors=FakeStages().factory)
    docs = outcome.manifest.arm("docs-advice")
    assert docs is not None and docs.dose is not None
    assert set(docs.dose.tokens_by_kind) == {"documents", "advice"}
    assert docs.dose.steps > 0
    assert [f.dataset for f in docs.fits] == ["documents", "advice"]
    assert all(f.method == "heldin_loss" and f.improved > 0 for f in docs.fits)
    direct = outcome.manifest.arm("direct")
    assert direct is not None
    (fit,) = direct.fits
    assert fit.method == "trained_answers" and fit.n == 9 and fit.trained > fit.start
    run_json = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run_json["arms"][0]["name"] == "baseline"


def test_an_arm_can_be_evaluated_on_fewer_scenarios(tmp_path: Path) -> None:
    from teachwhy.report import build_comparison

    body = RESUME.replace(
        "  - {name: direct, kind: direct}",
        "  - {name: direct, kind: direct}\n"
        "  - {name: prompted, kind: prompted, evaluation: {limit_per_family: 1}}",
    )
    spec_file = write_experiment(tmp_path, body)
    outcome = run_experiment(spec_file, run_dir=tmp_path / "run", executors=FakeStages().factory)
    comparison = build_comparison(outcome.manifest, outcome.run_dir)
    rows = {r.name: r for r in comparison.rows}
    assert rows["prompted"].misalignment["held_out"].expected.n == 2  # one per held-out family
    assert rows["baseline"].misalignment["held_out"].expected.n == 18
    assert rows["prompted"].vs_baseline["held_out"].n == 2
