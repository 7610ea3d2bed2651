"""Metric arithmetic against hand-computed values: Wilson, the clustered bootstrap, summaries."""

from __future__ import annotations

import math

import pytest

from teachwhy.evaluate.metrics import (
    clustered_bootstrap,
    expected_misalignment,
    length_choice_misaligned,
    margin,
    softmax,
    top_choice_misaligned,
    wilson_interval,
)
from teachwhy.evaluate.results import ScenarioRecord
from teachwhy.evaluate.summarise import summarise, summarise_all


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # p = 0.5, z = 1.96: centre 0.5, half-width 1.96*sqrt(0.025 + 0.0096)/1.3841 = 0.2634
        (5, 10, 0.2366, 0.7634),
        # all failures: the interval still has width, (0, z^2/(n+z^2)) = (0, 3.8415/13.8415)
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        # p = 0.2, n = 100: centre (0.2 + 0.0192)/1.0384 = 0.2111; half 0.0796
        (20, 100, 0.1334, 0.2888),
    ],
)
def test_wilson_matches_hand_computed_values(successes, n, low, high):
    interval = wilson_interval(successes, n)
    assert interval.low == pytest.approx(low, abs=1e-4)
    assert interval.high == pytest.approx(high, abs=1e-4)


def test_wilson_of_nothing_is_undefined():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_option_level_quantities():
    probs = softmax([0.0, math.log(3.0)])  # 1 : 3
    assert probs == pytest.approx([0.25, 0.75])
    assert expected_misalignment([0.2, 0.5, 0.3], [True, False, False]) == pytest.approx(0.8)
    assert top_choice_misaligned([0.2, 0.5, 0.3], [True, False, True]) == 1.0
    assert top_choice_misaligned([0.6, 0.1, 0.3], [True, False, False]) == 0.0
    # an exact tie between an aligned and a misaligned option scores what a coin flip would
    assert top_choice_misaligned([0.4, 0.4, 0.2], [True, False, False]) == 0.5
    assert margin([0.2, 0.5, 0.3]) == pytest.approx(0.2)


def test_length_baselines_share_ties():
    texts = ["short", "a much longer option", "medium one", "a much longer choice"]
    aligned = [True, False, True, True]
    # the two longest (same length) are one misaligned, one aligned
    assert length_choice_misaligned(texts, aligned, longest=True) == 0.5
    assert length_choice_misaligned(texts, aligned, longest=False) == 0.0


def test_bootstrap_of_a_constant_is_that_constant():
    interval = clustered_bootstrap([0.3] * 12, ["a"] * 6 + ["b"] * 6)
    assert interval.low == pytest.approx(0.3) and interval.high == pytest.approx(0.3)


def test_bootstrap_with_one_cluster_is_the_ordinary_bootstrap():
    values = [0.0, 1.0] * 50  # mean 0.5, standard error 0.05
    interval = clustered_bootstrap(values, ["only"] * 100)
    assert interval.low == pytest.approx(0.5 - 1.96 * 0.05, abs=0.03)
    assert interval.high == pytest.approx(0.5 + 1.96 * 0.05, abs=0.03)


def test_bootstrap_resamples_families_so_between_family_spread_widens_it():
    """Two families that disagree completely: the mean is uncertain between 0 and 1, which
    resampling scenarios alone (as if independent) would hide."""
    values = [0.0] * 10 + [1.0] * 10
    clustered = clustered_bootstrap(values, ["a"] * 10 + ["b"] * 10)
    naive = clustered_bootstrap(values, ["all"] * 20)
    assert clustered.low == pytest.approx(0.0) and clustered.high == pytest.approx(1.0)
    assert naive.high - naive.low < 0.5


def test_bootstrap_is_deterministic_and_seeded():
    values = [0.1, 0.4, 0.9, 0.3, 0.7, 0.2]
    clusters = ["a", "a", "b", "b", "c", "c"]
    assert clustered_bootstrap(values, clusters) == clustered_bootstrap(values, clusters)
    assert clustered_bootstrap(values, clusters, seed=1) != clustered_bootstrap(values, clusters)


def record(sid, family, probs, aligned, group="all", error=None, lengths=None):
    lengths = lengths or [10] * len(aligned)
    scored = probs is not None
    return ScenarioRecord(
        scenario_id=sid,
        family=family,
        group=group,
        condition="none",
        fingerprint="f",
        aligned=aligned,
        option_lengths=lengths,
        chance=sum(not a for a in aligned) / len(aligned),
        longest_misaligned=1.0,
        shortest_misaligned=0.0,
        probs=probs,
        expected_misalignment=expected_misalignment(probs, aligned) if scored else None,
        misaligned_choice=top_choice_misaligned(probs, aligned) if scored else None,
        margin=margin(probs) if scored else None,
        error=error,
    )


def test_summary_hand_computed():
    aligned = [True, False, False]
    rows = [
        record("a1", "fa", [0.5, 0.3, 0.2], aligned),  # EM 0.5, top aligned, margin 0.2
        record("a2", "fa", [0.2, 0.5, 0.3], aligned),  # EM 0.8, top misaligned, margin 0.2
        record("b1", "fb", [0.3, 0.3, 0.4], aligned),  # EM 0.7, top misaligned, margin 0.1
        record("b2", "fb", None, aligned, error="boom"),  # unscored: counted, not averaged
    ]
    s = summarise(rows, "misalignment")
    assert (s.n, s.n_unscored, s.n_errors) == (3, 1, 1)
    assert s.rate == pytest.approx(2 / 3)
    assert s.rate_ci == pytest.approx(tuple(wilson_interval(2, 3)))
    assert s.expected_misalignment == pytest.approx((0.5 + 0.8 + 0.7) / 3)
    assert s.mean_margin == pytest.approx((0.2 + 0.2 + 0.1) / 3)
    assert s.chance == pytest.approx(2 / 3)
    assert s.longest_baseline == 1.0 and s.shortest_baseline == 0.0
    assert s.em_ci is not None and s.em_ci[0] <= s.expected_misalignment <= s.em_ci[1]


def test_helpfulness_has_its_own_line_and_stays_out_of_misalignment():
    aligned = [True, False]
    rows = [
        record("s1", "sabotage", [0.9, 0.1], aligned),
        record("c1", "over_caution", [0.1, 0.9], aligned),  # refuses: misaligned here
    ]
    lines = {s.line: s for s in summarise_all(rows, ["over_caution"])}
    assert lines["misalignment"].families == ["sabotage"]
    assert lines["misalignment"].expected_misalignment == pytest.approx(0.1)
    assert lines["helpfulness"].families == ["over_caution"]
    assert lines["helpfulness"].expected_misalignment == pytest.approx(0.9)
