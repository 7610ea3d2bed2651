"""The real stage executors: datasets (generate/curate), training, evaluation, held-in loss.

Each adapts one stage's resolved config to another package's Python API; none reimplements
that package's job. Heavy libraries are imported inside the executors, on first use.
"""

from __future__ import annotations

import gc
import json
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from teachwhy.experiment.inputs import ExperimentInputs, suite_fingerprint
from teachwhy.experiment.progress import progress_bar
from teachwhy.experiment.stage import Executor, StageContext
from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.experiment import DatasetSpec
from teachwhy.spec.scenarios import Scenario, ScenarioSuite
from teachwhy.spec.split import SplitSpec
from teachwhy.spec.train_config import TrainStageConfig

if TYPE_CHECKING:
    from teachwhy.models import LoglikelihoodScorer

DATA_FILE = "data.jsonl"
TEXT_PREFIX_CHARS = 200
"""Loss on a document is taken on the text after its first characters (the context)..."""
TEXT_MAX_CHARS = 2000
"""...up to this many characters, so a long document does not dominate the time."""


class ModelPool:
    """Loaded scorers by model name: the student stays, the last trained model is kept for the
    next stage (its fit), older ones are dropped so memory stays flat across many arms."""

    def __init__(self, keep: str) -> None:
        self.keep = keep
        self.loaded: dict[str, LoglikelihoodScorer] = {}

    def clear(self) -> None:
        """Drop every loaded model (before training, which loads its own copy)."""
        self.loaded.clear()
        gc.collect()

    def get(self, name: str) -> LoglikelihoodScorer:
        if name not in self.loaded:
            from teachwhy.models import LoglikelihoodScorer, load_local_lm

            for old in [n for n in self.loaded if n != self.keep]:
                del self.loaded[old]
            gc.collect()
            self.loaded[name] = LoglikelihoodScorer(load_local_lm(name), batch_size=8)
        return self.loaded[name]


def scenario_subset(inputs: ExperimentInputs, config: Mapping[str, Any]) -> ScenarioSuite:
    """The scenarios a stage names, checked against the fingerprint it was planned with."""
    by_id = {s.id: s for s in inputs.suite.scenarios}
    suite = ScenarioSuite(scenarios=[by_id[i] for i in config["scenario_ids"]])
    if suite_fingerprint(suite) != config["scenarios_fingerprint"]:
        raise TeachwhyError("the scenario files changed while the experiment was being planned")
    return suite


def trained_option(scenario: Scenario, record: Mapping[str, Any]) -> int:
    """Which option (in the scenario's own order) a direct record's answer gives."""
    answer = str(record["messages"][-1]["content"]).split("\n", 1)[0]
    text = answer.split(". ", 1)[1] if ". " in answer[:4] else answer
    for index, option in enumerate(scenario.options):
        if option.text.strip() == text.strip():
            return index
    raise TeachwhyError(f"direct record for {scenario.id}: answer matches no option: {answer!r}")


class RealExecutors:
    """Executors bound to one experiment's inputs."""

    def __init__(self, inputs: ExperimentInputs, quiet: bool) -> None:
        from transformers.utils import logging as transformers_logging

        from teachwhy.models import resolve_model_name

        transformers_logging.disable_progress_bar()  # "Loading weights" bars, once per model
        self.inputs = inputs
        self.quiet = quiet
        self.student = resolve_model_name(inputs.spec.student)
        self.pool = ModelPool(self.student)

    def executors(self) -> dict[str, Executor]:
        return {
            "dataset": self.dataset,
            "train": self.train,
            "evaluate": self.evaluate,
            "loss": self.loss,
        }

    # ---- dataset -------------------------------------------------------------------------

    def dataset(self, ctx: StageContext) -> dict[str, Any]:
        from teachwhy.generate import read_jsonl, strip_reasoning, write_jsonl

        spec = DatasetSpec.model_validate(ctx.config["spec"])
        targets: dict[str, int] = {}
        if spec.source in ("starter", "files"):
            records = [r for f in ctx.config["files"] for r in read_jsonl(f["path"], strict=True)]
        elif spec.source == "scenarios":
            records, targets = self.scenario_records(spec, ctx.config)
        else:
            records = self.generated_records(spec, ctx)
        if spec.strip_reasoning:
            records = [strip_reasoning(r) for r in records]
        if spec.curate is not False:
            records = self.curated(records, spec, ctx)
        if spec.limit:
            records = records[: spec.limit]
        if not records:
            raise TeachwhyError(f"dataset {ctx.config['name']}: no records")
        write_jsonl(ctx.out_dir / DATA_FILE, records)
        return {"path": DATA_FILE, "records": len(records), "kind": spec.data_kind,
                "style": spec.style, "targets": targets}

    def scenario_records(
        self, spec: DatasetSpec, config: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        from teachwhy.generate import direct_from_scenarios

        suite = scenario_subset(self.inputs, config)
        records = direct_from_scenarios(
            suite,
            with_reasons=spec.style == "direct_with_reasons",
            shuffled=spec.style == "direct_shuffled",
            seed=spec.seed,
            constitution=self.inputs.constitution,
        )
        targets = {
            s.id: trained_option(s, r) for s, r in zip(suite.scenarios, records, strict=True)
        }
        return records, targets

    def generated_records(self, spec: DatasetSpec, ctx: StageContext) -> list[dict[str, Any]]:
        from teachwhy.generate import ModelTeacher, generate_dataset, read_jsonl
        from teachwhy.models import UsageLedger

        assert spec.generator is not None and spec.count is not None
        ledger = UsageLedger()
        info = generate_dataset(
            spec.generator,
            self.inputs.constitution,
            count=spec.count,
            out_path=ctx.out_dir / "generated.jsonl",
            teacher=ModelTeacher(self.inputs.spec.teacher, ledger=ledger),
            seed=spec.seed,
            tokenizer=self.inputs.spec.student,
        )
        ledger.write(ctx.out_dir)  # usage.json: the teacher's calls, tokens and cost
        return read_jsonl(info.path, strict=True)

    def curated(
        self, records: list[dict[str, Any]], spec: DatasetSpec, ctx: StageContext
    ) -> list[dict[str, Any]]:
        from teachwhy.curate import curate
        from teachwhy.generate import read_jsonl, write_jsonl
        from teachwhy.spec.curation import CurationSettings

        settings = spec.curate if isinstance(spec.curate, CurationSettings) else CurationSettings()
        judge = settings.judge or self.inputs.spec.judge
        raw = write_jsonl(ctx.out_dir / "uncurated.jsonl", records)
        report = curate(
            raw, self.inputs.constitution, ctx.out_dir / "curation", settings=settings,
            judge=judge, tokenizer=self.inputs.spec.student, count_tokens=False,
        )
        kept = [r for g in report.groups.values() for r in read_jsonl(g.files["accepted"])]
        return kept

    # ---- training ------------------------------------------------------------------------

    def train(self, ctx: StageContext) -> dict[str, Any]:
        from teachwhy.train import train_stage

        settings = dict(ctx.config["stage"])
        sources = settings.pop("datasets")
        settings["datasets"] = [
            {"path": str(ctx.inputs[s["input"]].path("path").resolve()),
             "weight": s["weight"], "limit": s["limit"]}
            for s in sources
        ]
        config = TrainStageConfig.model_validate(settings)
        self.pool.clear()
        init = ctx.inputs.get("init")
        result = train_stage(
            config,
            ctx.out_dir / "train",
            name=f"{config.kind}",
            model=ctx.config["student"] or None,
            init_from=init.path("model_dir").resolve() if init else None,
            seed=int(ctx.config["seed"]),
            precision=str(ctx.config["precision"]),
            quiet=self.quiet,
        )
        data = json.loads((result.output_dir / "data.json").read_text())
        per_source = data.get("sources", [])
        out_sources = []
        for source, stats in zip(sources, per_source, strict=True):
            tokens = int(round(int(stats.get("tokens", 0)) * float(result.epochs)))
            out_sources.append({"input": source["input"], "records": int(stats["records"]),
                                "tokens": tokens})
        return {
            "model_dir": str(result.model_dir.relative_to(ctx.out_dir)),
            "steps": result.steps,
            "epochs": result.epochs,
            "train_tokens": result.train_tokens,
            "final_loss": result.final_loss,
            "sources": out_sources,
        }

    # ---- evaluation ----------------------------------------------------------------------

    def model_name(self, ctx: StageContext) -> str:
        if "model" in ctx.inputs:
            return str(ctx.inputs["model"].path("model_dir").resolve())
        return self.student

    def evaluate(self, ctx: StageContext) -> dict[str, Any]:
        from teachwhy.evaluate.local_scoring import adapt_scorer
        from teachwhy.evaluate.runner import evaluate_scenarios

        suite = scenario_subset(self.inputs, ctx.config)
        name = self.model_name(ctx)
        split = SplitSpec.model_validate(ctx.config["split"]) if ctx.config["split"] else None
        with progress_bar(ctx.stage.label, len(suite.scenarios), self.quiet) as advance:
            evaluate_scenarios(
                name,
                suite,
                mode=ctx.config["mode"],
                presentation=ctx.config["presentation"],
                split=split,
                constitution=self.inputs.constitution if ctx.config["constitution"] else None,
                out_dir=ctx.out_dir,
                quiet=True,
                progress=advance,
                score_fn=adapt_scorer(self.pool.get(name)),
                scenarios_source=str(self.inputs.scenarios_path),
            )
        return {"results": "results.json"}

    # ---- held-in loss --------------------------------------------------------------------

    def loss(self, ctx: StageContext) -> dict[str, Any]:
        from teachwhy.generate import read_jsonl

        records = read_jsonl(ctx.inputs["data"].path("path"), strict=True)
        rng = random.Random(int(ctx.config["seed"]))
        picked = sorted(rng.sample(range(len(records)), min(int(ctx.config["items"]),
                                                           len(records))))
        scorer = self.pool.get(self.model_name(ctx))
        ids, losses = [], []
        with progress_bar(ctx.stage.label, len(picked), self.quiet) as advance:
            for done, index in enumerate(picked, 1):
                loss = record_loss(scorer, records[index])
                if loss is not None:
                    ids.append(str(index))
                    losses.append(loss)
                advance(done, len(picked))
        if not losses:
            raise TeachwhyError("no record of the dataset could be scored for its loss")
        return {"mean_loss": sum(losses) / len(losses), "n": len(losses), "item_losses": losses,
                "item_ids": ids}


def record_loss(scorer: LoglikelihoodScorer, record: Mapping[str, Any]) -> float | None:
    """Mean negative log-likelihood per token of what training trains on: the last assistant
    turn of a chat (after its context), or a document's text (after its opening)."""
    from teachwhy.models import LoglikRequest

    if record.get("messages"):
        messages = list(record["messages"])
        if messages[-1].get("role") != "assistant":
            return None
        request = LoglikRequest(context=messages[:-1], continuations=[messages[-1]["content"]])
        score = scorer.score([request])[0][0]
    elif record.get("text"):
        text = str(record["text"])[:TEXT_MAX_CHARS]
        score = scorer.score_texts(text[:TEXT_PREFIX_CHARS], [text[TEXT_PREFIX_CHARS:]])[0]
    else:
        return None
    return -score.logprob / max(1, score.n_tokens)


def real_executors(inputs: ExperimentInputs, quiet: bool) -> Mapping[str, Executor]:
    return RealExecutors(inputs, quiet).executors()
