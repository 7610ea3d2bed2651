"""Counting fake stage executors: the experiment runner's logic without models or training.

The fakes write the same kinds of files the real executors write (data.jsonl, a model folder,
results.json in the evaluation's format), with numbers that depend on what was trained, so the
report and the fits have something real to compute from.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from teachwhy.evaluate.metrics import expected_misalignment, margin, top_choice_misaligned
from teachwhy.evaluate.results import EvalResult, ScenarioRecord, save_result
from teachwhy.evaluate.summarise import summarise_all
from teachwhy.experiment.inputs import ExperimentInputs
from teachwhy.experiment.stage import Executor, StageContext
from teachwhy.spec.scenarios import Scenario


class Interrupted(KeyboardInterrupt):
    """Raised by a fake to simulate the user pressing Ctrl-C in the middle of a stage."""


class FakeStages:
    """Executors that count their calls; `interrupt_on=('train', 2)` stops in the 2nd train."""

    def __init__(self, interrupt_on: tuple[str, int] | None = None, fail_kind: str | None = None):
        self.calls: Counter[str] = Counter()
        self.keys: list[str] = []
        self.interrupt_on = interrupt_on
        self.fail_kind = fail_kind

    def factory(self, inputs: ExperimentInputs, quiet: bool) -> Mapping[str, Executor]:
        self.inputs = inputs
        return {
            "dataset": self.counted("dataset", self.dataset),
            "train": self.counted("train", self.train),
            "evaluate": self.counted("evaluate", self.evaluate),
            "loss": self.counted("loss", self.loss),
        }

    def counted(self, kind: str, fn: Executor) -> Executor:
        def run(ctx: StageContext) -> dict[str, Any]:
            self.calls[kind] += 1
            self.keys.append(ctx.stage.key)
            (ctx.out_dir / "partial").write_text("work started\n")
            if self.interrupt_on == (kind, self.calls[kind]):
                raise Interrupted()
            if self.fail_kind == kind:
                raise RuntimeError(f"fake {kind} failure")
            return fn(ctx)

        return run

    # ---- the fake stages ------------------------------------------------------------

    def dataset(self, ctx: StageContext) -> dict[str, Any]:
        spec = ctx.config["spec"]
        records: list[dict[str, Any]] = []
        targets: dict[str, int] = {}
        if spec["source"] == "scenarios":
            rng = random.Random(spec.get("seed", 0))
            by_id = {s.id: s for s in self.inputs.suite.scenarios}
            for sid in ctx.config["scenario_ids"]:
                scenario = by_id[sid]
                aligned = [i for i, o in enumerate(scenario.options) if o.aligned]
                if spec["style"] == "direct_shuffled":
                    target = rng.randrange(len(scenario.options))
                else:
                    target = aligned[0]
                targets[sid] = target
                records.append({"messages": [{"role": "user", "content": sid},
                                             {"role": "assistant", "content": str(target)}]})
        else:
            for index in range(6):
                records.append({"text": f"{ctx.config['name']} record {index}"})
        path = ctx.out_dir / "data.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        return {"path": "data.jsonl", "records": len(records), "tokens": 10 * len(records),
                "targets": targets, "style": spec.get("style")}

    def train(self, ctx: StageContext) -> dict[str, Any]:
        stage = ctx.config["stage"]
        strength = 0.0
        if "init" in ctx.inputs:
            strength = json.loads(ctx.inputs["init"].path("model_dir").joinpath(
                "fake.json").read_text())["strength"]
        sources = []
        for source in stage["datasets"]:
            data = ctx.inputs[source["input"]]
            n = int(data.output["records"])
            if source["limit"]:
                n = min(n, source["limit"])
            shuffled = data.output.get("style") == "direct_shuffled"
            strength += 0.02 * n * stage["epochs"] * (0.1 if shuffled else 1.0)
            sources.append({"input": source["input"], "records": n,
                            "tokens": int(10 * n * stage["epochs"])})
        model_dir = ctx.out_dir / "model"
        model_dir.mkdir()
        (model_dir / "fake.json").write_text(json.dumps({"strength": min(strength, 0.9)}))
        steps = int(sum(s["records"] for s in sources) * stage["epochs"] / stage["batch_size"])
        return {"model_dir": "model", "steps": max(1, steps), "sources": sources,
                "final_loss": 1.0 - min(strength, 0.9)}

    def model_strength(self, ctx: StageContext) -> float:
        if "model" not in ctx.inputs:
            return 0.0
        data = ctx.inputs["model"].path("model_dir").joinpath("fake.json").read_text()
        return float(json.loads(data)["strength"])

    def evaluate(self, ctx: StageContext) -> dict[str, Any]:
        strength = self.model_strength(ctx)
        if ctx.config["constitution"]:
            strength += 0.1
        split = ctx.config["split"]
        by_id = {s.id: s for s in self.inputs.suite.scenarios}
        records = [
            fake_record(by_id[sid], split, strength) for sid in ctx.config["scenario_ids"]
        ]
        helpful = split["helpfulness"] if split else ["over_caution"]
        result = EvalResult(
            teachwhy_version="test",
            model="fake",
            mode="choice",
            presentation="fake letters",
            settings={},
            split=split or {},
            scenarios_source="fake",
            suite_fingerprint="fake",
            records=records,
            summaries=summarise_all(records, helpful),
        )
        save_result(result, ctx.out_dir)
        return {"results": "results.json"}

    def loss(self, ctx: StageContext) -> dict[str, Any]:
        strength = self.model_strength(ctx)
        losses = [2.0 - strength + 0.01 * i for i in range(5)]
        return {"mean_loss": sum(losses) / len(losses), "n": len(losses), "item_losses": losses}


def fake_record(
    scenario: Scenario, split: dict[str, Any] | None, strength: float
) -> ScenarioRecord:
    """Option probabilities from a hash of the scenario, tilted toward aligned by `strength`."""
    seed = int(hashlib.sha256(scenario.id.encode()).hexdigest()[:8], 16)
    rng = random.Random(seed)
    aligned = [o.aligned for o in scenario.options]
    raw = [rng.uniform(0.5, 1.5) * (1 + 4 * strength if a else 1.0) for a in aligned]
    probs = [x / sum(raw) for x in raw]
    group = "all"
    if split:
        group = ("in_distribution" if scenario.family in split["in_distribution"]
                 else "held_out" if scenario.family in split["held_out"] else "unassigned")
    lengths = [len(o.text) for o in scenario.options]
    return ScenarioRecord(
        scenario_id=scenario.id,
        family=scenario.family,
        group=group,
        condition="none",
        fingerprint="f" + scenario.id,
        aligned=aligned,
        option_lengths=lengths,
        chance=scenario.chance_misalignment,
        longest_misaligned=0.5,
        shortest_misaligned=0.5,
        probs=probs,
        expected_misalignment=expected_misalignment(probs, aligned),
        misaligned_choice=top_choice_misaligned(probs, aligned),
        margin=margin(probs),
    )


def write_experiment(tmp: Path, body: str) -> Path:
    path = tmp / "experiment.yaml"
    path.write_text(body)
    return path
