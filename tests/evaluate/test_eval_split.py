"""The split file: its schema, `teachwhy check`, and its agreement with the scenario suite."""

from __future__ import annotations

import pytest

from teachwhy.evaluate.tasks import assign_groups, load_split
from teachwhy.spec.errors import SpecError, TeachwhyError
from teachwhy.spec.kinds import check_file
from teachwhy.spec.split import SplitSpec


def test_a_valid_split_file_is_recognised_by_check(tmp_path):
    path = tmp_path / "split.yaml"
    path.write_text("name: demo\nin_distribution: [a, b]\nheld_out: [c]\n")
    kind, split = check_file(path)
    assert kind == "split"
    assert isinstance(split, SplitSpec) and split.helpfulness == ["over_caution"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "in_distribution: [a]\nheld_out: [a]\n",
            "held_out[0]: family 'a' is also in in_distribution",
        ),
        ("in_distribution: []\nheld_out: []\n", "both family lists are empty"),
        ("in_distribution: [a, a]\n", "in_distribution[1]: family 'a' listed twice"),
        ("in_distribution: [a]\nheldout: [b]\n", "did you mean 'held_out'?"),
    ],
)
def test_bad_split_files_are_refused_with_the_field_named(tmp_path, text, message):
    path = tmp_path / "split.yaml"
    path.write_text(text)
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_file(path)


def test_families_shorthand_holds_out_the_rest(suite):
    split = load_split(None, "blackmail, leak", suite)
    assert split is not None
    assert split.in_distribution == ["blackmail", "leak"]
    assert split.held_out == ["sabotage", "over_caution"]
    groups = assign_groups(suite, split)
    assert groups["sabotage"] == "held_out" and groups["leak"] == "in_distribution"


def test_families_missing_from_the_split_are_unassigned_not_pooled(suite, tmp_path):
    path = tmp_path / "split.yaml"
    path.write_text("in_distribution: [blackmail]\nheld_out: [leak]\n")
    groups = assign_groups(suite, load_split(str(path), None, suite))
    assert groups == {
        "blackmail": "in_distribution",
        "leak": "held_out",
        "sabotage": "unassigned",
        "over_caution": "unassigned",
    }


def test_split_and_families_together_are_refused(suite, tmp_path):
    with pytest.raises(TeachwhyError, match="either"):
        load_split("split.yaml", "blackmail", suite)


def test_the_shipped_split_assigns_every_shipped_family():
    from teachwhy.spec.examples import example_path
    from teachwhy.spec.scenarios import load_scenarios

    shipped = load_scenarios(example_path("scenarios"))
    groups = assign_groups(shipped, load_split("split.yaml", None, shipped))
    assert set(groups.values()) == {"in_distribution", "held_out"}
