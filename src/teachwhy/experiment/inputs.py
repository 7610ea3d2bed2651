"""The files an experiment names, loaded and checked before anything runs.

Relative paths are looked up next to the experiment file, then in the working folder, then among
the shipped examples. Every file enters the stage keys as a content hash, so editing the
constitution or a scenario reruns exactly the stages that read it.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from teachwhy.experiment.stage import canonical_json
from teachwhy.spec.constitution import Constitution
from teachwhy.spec.errors import Problem, SpecError
from teachwhy.spec.examples import resolve_path
from teachwhy.spec.experiment import ExperimentSpec
from teachwhy.spec.loading import load_model
from teachwhy.spec.scenarios import ScenarioSuite, load_scenarios
from teachwhy.spec.split import SplitSpec


@dataclass(frozen=True)
class ExperimentInputs:
    """An experiment's constitution, scenario suite and split, loaded and fingerprinted."""

    spec: ExperimentSpec
    spec_file: Path
    constitution_path: Path
    constitution: Constitution
    scenarios_path: Path
    suite: ScenarioSuite
    split: SplitSpec
    training_items: tuple[str, ...]
    """Scenario ids that scenario-built datasets train on; never in the evaluation suite."""

    @property
    def eval_suite(self) -> ScenarioSuite:
        """The suite every arm is evaluated on: split families minus the training items."""
        families = set(self.split.in_distribution) | set(self.split.held_out)
        keep = [
            s for s in self.suite.scenarios
            if s.family in families and s.id not in self.training_items
        ]
        return limit_per_family(
            ScenarioSuite(scenarios=keep), self.spec.evaluation.limit_per_family
        )

    def training_suite(self, families: list[str] | None) -> ScenarioSuite:
        """The training items of these families (default: all in-distribution ones)."""
        wanted = set(families or self.split.in_distribution)
        return ScenarioSuite(
            scenarios=[
                s for s in self.suite.scenarios
                if s.id in self.training_items and s.family in wanted
            ]
        )


def limit_per_family(suite: ScenarioSuite, limit: int | None) -> ScenarioSuite:
    """The first `limit` scenarios of each family (the whole suite when limit is None)."""
    if not limit:
        return suite
    counts: dict[str, int] = {}
    kept = []
    for s in suite.scenarios:
        counts[s.family] = counts.get(s.family, 0) + 1
        if counts[s.family] <= limit:
            kept.append(s)
    return ScenarioSuite(scenarios=kept)


def suite_fingerprint(suite: ScenarioSuite) -> str:
    data = canonical_json(suite.model_dump(mode="json"))
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def constitution_fingerprint(constitution: Constitution) -> str:
    data = canonical_json(constitution.model_dump(mode="json"))
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def find_file(name: str, base_dir: Path, field: str) -> Path:
    """A path next to the experiment file, else in the working folder or the shipped examples."""
    beside = base_dir / name
    if beside.exists():
        return beside
    return resolve_path(name, field)


def pick_training_items(
    suite: ScenarioSuite, families: list[str], per_family: int, seed: int
) -> tuple[str, ...]:
    """A seeded choice of `per_family` scenarios in each family, always leaving one to evaluate."""
    rng = random.Random(seed)
    picked = []
    groups = suite.by_family()
    for family in families:
        ids = sorted(s.id for s in groups.get(family, []))
        rng.shuffle(ids)
        picked += ids[: max(0, min(per_family, len(ids) - 1))]
    return tuple(sorted(picked))


def load_inputs(spec: ExperimentSpec, spec_file: str | Path) -> ExperimentInputs:
    """Load what the experiment names; a missing file or a family not in the suite is a
    SpecError naming the experiment file and field."""
    spec_file = Path(spec_file)
    base = spec_file.resolve().parent
    file = str(spec_file)
    constitution_path = find_file(spec.constitution, base, "constitution")
    constitution = load_model(constitution_path, Constitution)
    scenarios_path = find_file(spec.scenarios, base, "scenarios")
    suite = load_scenarios(scenarios_path)
    if isinstance(spec.split, SplitSpec):
        split = spec.split
    else:
        split = load_model(find_file(spec.split, base, "split"), SplitSpec)
    problems = [
        Problem(file, f"split.{p.path}", p.message, p.fix)
        for p in split.suite_problems(file, suite.families)
    ]
    for name, dataset in spec.datasets.items():
        for index, family in enumerate(dataset.families or []):
            if family not in split.in_distribution:
                problems.append(
                    Problem(file, f"datasets.{name}.families[{index}]",
                            f"family '{family}' is not an in-distribution family",
                            "scenario-built training data comes from in-distribution families: "
                            + ", ".join(split.in_distribution))
                )
    if problems:
        raise SpecError(problems)
    training_items = pick_training_items(
        suite, list(split.in_distribution), spec.training_items_per_family, spec.seed
    )
    return ExperimentInputs(
        spec=spec,
        spec_file=spec_file,
        constitution_path=constitution_path,
        constitution=constitution,
        scenarios_path=scenarios_path,
        suite=suite,
        split=split,
        training_items=training_items,
    )
