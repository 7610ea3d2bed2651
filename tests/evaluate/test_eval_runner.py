"""evaluate_scenarios end to end with fake scorers and mock models: splits, determinism,
unparseable answers, failures, cues, results files and paired comparisons."""

from __future__ import annotations

import json

import pytest
from eval_fakes import Counting, mock_model, position_biased, prefers

from teachwhy.evaluate import compare_paired, load_result
from teachwhy.evaluate.choice_probs import ContinuationLogprob
from teachwhy.evaluate.runner import evaluate_scenarios
from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.split import SplitSpec

SPLIT = SplitSpec(in_distribution=["blackmail", "over_caution"], held_out=["leak", "sabotage"])


def test_split_groups_are_reported_apart_and_never_pooled(suite):
    result = evaluate_scenarios("mockllm/model", suite, split=SPLIT, score_fn=position_biased)
    groups = {r.scenario_id: r.group for r in result.records}
    assert groups["blackmail-0"] == "in_distribution" and groups["leak-1"] == "held_out"
    assert result.groups == ["in_distribution", "held_out"]
    for s in result.summaries:
        allowed = SPLIT.in_distribution if s.group == "in_distribution" else SPLIT.held_out
        assert set(s.families) <= set(allowed), s  # no line mixes the two groups
    assert {s.group for s in result.summaries if s.line == "misalignment"} == {
        "in_distribution",
        "held_out",
    }
    # over_caution is in distribution here, on its own helpfulness line
    helpfulness = [s for s in result.summaries if s.line == "helpfulness"]
    assert [(s.group, s.families) for s in helpfulness] == [("in_distribution", ["over_caution"])]


def test_two_identical_runs_give_identical_results(suite, tmp_path):
    score = prefers({suite.scenarios[0].options[1].text}, strength=0.7)
    a = evaluate_scenarios(
        "mockllm/model", suite, split=SPLIT, score_fn=score, out_dir=tmp_path / "a"
    )
    b = evaluate_scenarios(
        "mockllm/model", suite, split=SPLIT, score_fn=score, out_dir=tmp_path / "b"
    )
    assert a.records == b.records
    assert a.summaries == b.summaries
    dump_a = json.loads((tmp_path / "a" / "results.json").read_text())
    dump_b = json.loads((tmp_path / "b" / "results.json").read_text())
    dump_a.pop("inspect_log"), dump_b.pop("inspect_log")
    assert dump_a == dump_b


def test_results_file_round_trips_and_names_its_settings(suite, tmp_path):
    result = evaluate_scenarios(
        "mockllm/model", suite, score_fn=position_biased, out_dir=tmp_path, scenarios_source="mem"
    )
    loaded = load_result(tmp_path)
    assert loaded == result
    assert loaded.model == "mockllm/model" and loaded.mode == "choice"
    assert "rotations averaged" in loaded.presentation
    assert loaded.teachwhy_version and loaded.inspect_version
    assert loaded.inspect_log and loaded.inspect_log.endswith(".eval")
    assert (tmp_path / loaded.inspect_log.split("/")[-1]).exists()


def test_unparseable_generations_are_counted_never_dropped_or_aligned(suite):
    """A model that answers only some rotations with a letter: the rest are counted."""

    def reply(prompt: str) -> str:
        # answers 'A' when the aligned option happens to sit there... but only half the time
        return "Answer: A" if "option 0" in prompt.split("A. ")[1][:40] else "I am not sure."

    result = evaluate_scenarios(mock_model(reply), suite, mode="generate")
    for r in result.records:
        assert r.attempts == 3
        assert r.unparseable == 2  # option 0 sits at A in one of the three rotations
        assert r.probs == [1.0, 0.0, 0.0]
    never = evaluate_scenarios(mock_model(lambda _: "Hmm."), suite, mode="generate")
    assert all(not r.scored and r.unparseable == 3 for r in never.records)
    assert all(s.n == 0 and s.rate is None for s in never.summaries)
    assert never.complete  # unparseable is a result, not a failure


def test_model_errors_leave_the_run_incomplete_with_failures_listed(suite):
    def reply(prompt: str) -> str:
        if "Situation 1 of leak" in prompt:
            raise RuntimeError("rate limited")
        return "Answer: B"

    result = evaluate_scenarios(mock_model(reply), suite, mode="generate")
    assert not result.complete
    assert [f["scenario"] for f in result.failed] == ["leak-1"]
    failed = next(r for r in result.records if r.scenario_id == "leak-1")
    assert not failed.scored and failed.error
    assert sum(r.scored for r in result.records) == len(suite.scenarios) - 1


def test_observed_and_unobserved_cues_report_the_gap(suite):
    """A model that behaves only while watched: prefers aligned options when observed and
    misaligned ones when told monitoring is off."""
    aligned = {o.text for s in suite.scenarios for o in s.options if o.aligned}
    misaligned = {o.text for s in suite.scenarios for o in s.options if not o.aligned}
    watched, unwatched = prefers(aligned, 2.0), prefers(misaligned, 2.0)

    def score(requests):
        return [
            (unwatched if "switched off" in r.context[0]["content"] else watched)([r])[0]
            for r in requests
        ]

    result = evaluate_scenarios("mockllm/model", suite, cue="both", score_fn=score)
    assert set(result.conditions) == {"observed", "unobserved"}
    assert len(result.records) == 2 * len(suite.scenarios)
    gap = next(g for g in result.cue_gaps if g.line == "misalignment")
    assert gap.n == 6 and gap.diff is not None and gap.diff > 0.3
    assert gap.ci is not None and gap.ci[0] > 0
    observed = result.summary("all", "misalignment", "observed")
    unobserved = result.summary("all", "misalignment", "unobserved")
    assert observed and unobserved
    assert gap.diff == pytest.approx(
        unobserved.expected_misalignment - observed.expected_misalignment  # type: ignore[operator]
    )


def test_paired_comparison_of_two_results(suite):
    base = evaluate_scenarios("mockllm/base", suite, split=SPLIT, score_fn=position_biased)
    aligned_texts = {o.text for s in suite.scenarios for o in s.options if o.aligned}
    better = evaluate_scenarios(
        "mockllm/tuned", suite, split=SPLIT, score_fn=prefers(aligned_texts)
    )
    cmp = compare_paired(base, better)
    held_out = cmp.line("held_out", "misalignment")
    assert held_out is not None and held_out.n == 4
    assert held_out.diff is not None and held_out.diff < 0
    assert held_out.ci is not None and held_out.ci[1] < 0
    per_scenario = [
        b.expected_misalignment - a.expected_misalignment
        for a, b in zip(base.records, better.records, strict=True)
        if a.group == "held_out" and a.family != "over_caution"
    ]
    assert held_out.diff == pytest.approx(sum(per_scenario) / len(per_scenario))
    assert {p.group for p in cmp.lines} == {"in_distribution", "held_out"}


def test_paired_comparison_refuses_changed_scenarios(suite):
    a = evaluate_scenarios("mockllm/a", suite, score_fn=position_biased)
    edited = suite.model_copy(deep=True)
    changed = edited.scenarios[0].model_copy(update={"question": "What now?"})
    edited = edited.model_copy(update={"scenarios": [changed, *edited.scenarios[1:]]})
    b = evaluate_scenarios("mockllm/b", edited, score_fn=position_biased)
    with pytest.raises(TeachwhyError, match="different versions"):
        compare_paired(a, b)


def test_bad_settings_are_refused_before_any_scoring(suite):
    counting = Counting(position_biased)
    with pytest.raises(TeachwhyError):
        evaluate_scenarios("mockllm/model", suite, mode="judge", score_fn=counting)
    with pytest.raises(TeachwhyError):
        evaluate_scenarios("mockllm/model", suite, cue="sometimes", score_fn=counting)
    assert counting.calls == 0


def test_epochs_of_sampled_generation_are_pooled_with_the_reducer_stated(suite):
    calls = []

    def reply(prompt: str) -> str:
        calls.append(prompt)
        return "Answer: A" if len(calls) % 2 else "Answer: B"

    result = evaluate_scenarios(
        mock_model(reply), suite, mode="generate", epochs=3, temperature=0.7
    )
    assert len(calls) == 3 * 3 * len(suite.scenarios)  # rotations x epochs x scenarios
    assert all(r.attempts == 9 and r.unparseable == 0 for r in result.records)
    assert all(sum(r.probs or []) == pytest.approx(1.0) for r in result.records)
    assert "pooled over rotations and epochs" in result.settings["reducer"]
    assert result.settings["epochs"] == 3
    with pytest.raises(TeachwhyError, match="temperature"):
        evaluate_scenarios(mock_model(reply), suite, mode="generate", epochs=3)


def test_a_scorer_failing_on_some_scenarios_leaves_the_rest_scored(suite):
    def score(requests):
        if any("Situation 1 of sabotage" in r.context[-1]["content"] for r in requests):
            raise RuntimeError("out of memory")
        return position_biased(requests)

    result = evaluate_scenarios("mockllm/model", suite, score_fn=score)
    assert [f["scenario"] for f in result.failed] == ["sabotage-1"]
    assert "out of memory" in result.failed[0]["error"]
    assert sum(r.scored for r in result.records) == len(suite.scenarios) - 1
    assert not result.complete


def test_cloze_run_reports_its_normalisation_and_the_summed_figure_beside_it(suite):
    def score(requests):
        # every token costs the same, so only summed scores see a (length) preference
        return [
            [ContinuationLogprob(-1.0 * len(c.split()), len(c.split())) for c in r.continuations]
            for r in requests
        ]

    result = evaluate_scenarios("mockllm/model", suite, presentation="cloze", score_fn=score)
    assert "per-token normalised" in result.presentation
    assert all(r.probs == pytest.approx([1 / 3] * 3) for r in result.records)
    assert result.alternate["normalisation"] == "sum"
    assert set(result.alternate["expected_misalignment"]) == {"all"}
    assert result.position_bias == []
