"""Diversity grids: balanced, stable under extension, no repeats while unused cells remain."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from teachwhy.generate.base import get_generator
from teachwhy.generate.grid import expand_grid, grid_axes, principle_pairs
from teachwhy.spec import Constitution, SpecError, load_model
from teachwhy.spec.examples import example_path
from teachwhy.spec.kinds import check_file

AXES = {"domain": ["a", "b", "c", "d"], "kind": ["x", "y", "z"], "who": ["p", "q"]}


@pytest.fixture(scope="module")
def constitution() -> Constitution:
    return load_model(example_path("constitution.yaml"), Constitution)


def test_every_value_appears_about_equally_often() -> None:
    cells = expand_grid(AXES, 24, seed=3)
    for axis, values in AXES.items():
        counts = Counter(c.values[axis] for c in cells)
        assert set(counts) == set(values)
        assert max(counts.values()) - min(counts.values()) <= 1, (axis, counts)


def test_no_cell_repeats_until_the_grid_is_used_up() -> None:
    cells = expand_grid(AXES, 24, seed=1)  # 4 x 3 x 2 = 24 combinations
    assert len({c.key for c in cells}) == 24
    more = expand_grid(AXES, 30, seed=1)
    assert len({c.key for c in more}) == 24  # then a new round of repeats starts


def test_cells_are_stable_when_the_count_grows_and_depend_on_the_seed() -> None:
    short = expand_grid(AXES, 5, seed=7)
    long = expand_grid(AXES, 20, seed=7)
    assert [c.values for c in long[:5]] == [c.values for c in short]
    assert [c.values for c in expand_grid(AXES, 20, seed=8)] != [c.values for c in long]


def test_each_generator_crosses_its_axes_with_the_constitution(
    constitution: Constitution,
) -> None:
    ids = [p.id for p in constitution.principles]
    advice = get_generator("advice").axes(constitution, None)
    assert list(advice) == ["domain", "dilemma_type", "tension", "persona"]
    assert len(advice["tension"]) == len(ids) * (len(ids) - 1) // 2
    assert all(a in ids and b in ids for a, b in (t.split("+") for t in advice["tension"]))
    assert get_generator("documents").axes(constitution, None)["principle"] == ids
    assert set(get_generator("direct").axes(constitution, None)) == {
        "setting",
        "agent_role",
        "temptation",
    }
    assert (
        principle_pairs(constitution.model_copy(update={"principles": constitution.principles[:1]}))
        == ids[:1]
    )


def test_a_user_grid_file_replaces_only_the_axes_it_sets(tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("grid:\n  advice:\n    domains: [beekeeping, lighthouse keeping]\n")
    assert check_file(grid)[0] == "generation grid"
    axes = grid_axes("advice", grid)
    assert axes["domains"] == ["beekeeping", "lighthouse keeping"]
    assert axes["personas"] == grid_axes("advice")["personas"]


def test_a_grid_file_with_a_repeated_value_is_rejected(tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("grid:\n  documents:\n    doc_types: [memo, memo]\n")
    with pytest.raises(SpecError) as e:
        check_file(grid)
    assert "grid.documents.doc_types[1]" in str(e.value)
