"""Diversity grids: the cells a generator writes for, chosen before anything is written.

Cell i depends only on the seed and i (never on how many cells are asked for), so a run that
is resumed or extended (backfill) keeps every earlier cell. Each axis walks through its values
in a fresh shuffled order per pass, so every value appears about equally often; a cell that
repeats an earlier one is moved along its last axis while unused combinations remain.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator
from functools import lru_cache
from math import prod
from pathlib import Path
from typing import NamedTuple

from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.examples import example_path
from teachwhy.spec.generation import GenerationGrid
from teachwhy.spec.loading import load_model

DEFAULT_GRID = "generation/grid.yaml"


class GridCell(NamedTuple):
    """One combination of axis values."""

    position: int
    """Index of the cell in the grid's fixed order (the item index)."""
    values: dict[str, str]

    @property
    def key(self) -> str:
        """'value|value|...' in axis order: the unit of the diversity report."""
        return "|".join(self.values.values())


def stable_seed(*parts: object) -> int:
    """A 63-bit seed from any values, identical across processes and Python versions."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _axis_stream(values: list[str], seed: int) -> Iterator[str]:
    for cycle in itertools.count():
        order = list(values)
        random.Random(stable_seed(seed, cycle)).shuffle(order)
        yield from order


class GridExpander:
    """Cells of a grid in a fixed order: `cell(i)` is the same for every run with this seed."""

    def __init__(self, axes: dict[str, list[str]], seed: int) -> None:
        empty = [name for name, values in axes.items() if not values]
        if empty or not axes:
            raise TeachwhyError(
                f"generation grid: axis {', '.join(empty) or '(none)'} has no values"
            )
        self.axes = axes
        self.names = list(axes)
        self.size = prod(len(v) for v in axes.values())
        self._streams = [
            _axis_stream(values, stable_seed(seed, name)) for name, values in axes.items()
        ]
        self._cells: list[GridCell] = []
        self._seen: set[tuple[str, ...]] = set()

    def _next(self) -> GridCell:
        if len(self._seen) >= self.size:
            self._seen.clear()  # every combination used: start a new round of repeats
        combo = tuple(next(stream) for stream in self._streams)
        if combo in self._seen:
            combo = self._nearest_unused(combo)
        self._seen.add(combo)
        return GridCell(len(self._cells), dict(zip(self.names, combo, strict=True)))

    def _nearest_unused(self, combo: tuple[str, ...]) -> tuple[str, ...]:
        """Change one axis (the last first); failing that, the first unused combination."""
        for position in reversed(range(len(combo))):
            for value in self.axes[self.names[position]]:
                trial = (*combo[:position], value, *combo[position + 1 :])
                if trial not in self._seen:
                    return trial
        for trial in itertools.product(*self.axes.values()):
            if trial not in self._seen:
                return trial
        return combo

    def cell(self, index: int) -> GridCell:
        while len(self._cells) <= index:
            self._cells.append(self._next())
        return self._cells[index]

    def cells(self, count: int) -> list[GridCell]:
        return [self.cell(i) for i in range(count)]


def expand_grid(axes: dict[str, list[str]], count: int, seed: int = 0) -> list[GridCell]:
    """The first `count` cells of a grid (see the module docstring for how they are chosen)."""
    return GridExpander(axes, seed).cells(count)


@lru_cache(maxsize=4)
def _load_grid(path: str) -> GenerationGrid:
    return load_model(path, GenerationGrid)


def grid_axes(generator: str, grid_file: str | Path | None = None) -> dict[str, list[str]]:
    """Axis values of one generator: the user's grid file over the shipped defaults."""
    axes = _load_grid(str(example_path(DEFAULT_GRID))).axes(generator)
    if grid_file is not None:
        for name, values in _load_grid(str(grid_file)).axes(generator).items():
            if values:
                axes[name] = values
    return axes


def principle_pairs(constitution: Constitution) -> list[str]:
    """'a+b' for every pair of principles, the 'principles in tension' axis of advice."""
    ids = [p.id for p in constitution.principles]
    if len(ids) == 1:
        return ids
    return [f"{a}+{b}" for a, b in itertools.combinations(ids, 2)]


def principle_ids(constitution: Constitution) -> list[str]:
    return [p.id for p in constitution.principles]
