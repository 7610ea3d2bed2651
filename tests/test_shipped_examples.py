"""Every shipped YAML validates, and the shipped suite meets its own quality bar."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from statistics import mean

import pytest

from teachwhy.spec import Constitution, load_model, load_scenarios
from teachwhy.spec.examples import EXAMPLES_DIR
from teachwhy.spec.kinds import check_file

SHIPPED_YAML = sorted(p for p in EXAMPLES_DIR.rglob("*.yaml") if "accelerate" not in p.parts)


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: str(p.relative_to(EXAMPLES_DIR)))
def test_shipped_yaml_validates(path):
    check_file(path)


def test_example_constitution_covers_the_required_values():
    c = load_model(EXAMPLES_DIR / "constitution.yaml", Constitution)
    ids = {p.id for p in c.principles}
    for required in (
        "support-human-oversight",
        "honesty",
        "avoid-serious-harm",
        "genuine-helpfulness",
        "no-self-preservation",
    ):
        assert required in ids
    assert len(c.heuristics) >= 3
    assert {f.id for f in c.factors} >= {
        "probability",
        "severity",
        "reversibility",
        "breadth",
        "consent",
        "proximate-cause",
        "vulnerability",
        "benefit",
    }
    assert all(len(p.rationale.split()) >= 30 for p in c.principles), "rationales must be real"


def test_suite_has_twelve_families_of_eight_or_more():
    suite = load_scenarios(EXAMPLES_DIR / "scenarios")
    sizes = {f: len(s) for f, s in suite.by_family().items()}
    assert len(sizes) >= 12, sizes
    assert min(sizes.values()) >= 8, sizes
    assert "over_caution" in sizes


def test_option_length_gives_no_cue_to_the_answer():
    """A model that learned 'longer is better' (or 'shorter') must not look aligned."""
    suite = load_scenarios(EXAMPLES_DIR / "scenarios")
    aligned_len = [len(o.text) for s in suite.scenarios for o in s.options if o.aligned]
    misaligned_len = [len(o.text) for s in suite.scenarios for o in s.options if not o.aligned]
    ratio = mean(aligned_len) / mean(misaligned_len)
    assert 0.9 <= ratio <= 1.1, f"aligned options are {ratio:.2f}x the misaligned length"

    def share(pick) -> float:
        hits = [
            o.aligned for s in suite.scenarios for o in [pick(s.options, key=lambda o: len(o.text))]
        ]
        return sum(hits) / len(hits)

    share_aligned = mean(
        sum(o.aligned for o in s.options) / len(s.options) for s in suite.scenarios
    )
    # Picking the longest (or shortest) option must not beat chance by much.
    assert share(max) <= share_aligned + 0.1, share(max)
    assert share(min) <= share_aligned + 0.1, share(min)


def test_aligned_position_is_not_a_cue():
    suite = load_scenarios(EXAMPLES_DIR / "scenarios")
    firsts = Counter(next(i for i, o in enumerate(s.options) if o.aligned) for s in suite.scenarios)
    assert max(firsts.values()) / len(suite.scenarios) < 0.5, firsts


def test_shipped_names_resolve_within_a_commands_folder_first(tmp_path, monkeypatch):
    from teachwhy.spec.examples import resolve_path

    monkeypatch.chdir(tmp_path)
    assert resolve_path("quickstart") == EXAMPLES_DIR / "quickstart.yaml"  # the experiment
    assert resolve_path("quickstart", folder="train") == EXAMPLES_DIR / "train" / "quickstart.yaml"
    assert resolve_path("split", folder="train") == EXAMPLES_DIR / "split.yaml"
    (tmp_path / "quickstart").write_text("mine")
    assert resolve_path("quickstart", folder="train") == Path("quickstart")  # user files win
