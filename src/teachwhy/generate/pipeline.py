"""The resumable, concurrent loop that fills one dataset file, item by item.

- Item i is fixed by (seed, i): its grid cell, its seeds, its id. The 'seen' list a brainstorm
  call gets is the summaries of accepted items with index < i - lag, so it is the same on every
  run (and the response cache answers a rerun) while items still run concurrently.
- Each record is appended (and fsynced) the moment it exists; each failure goes to a side file
  with its reason. A rerun reads both and skips what is done; failures from teacher errors
  (rate limits, timeouts) are retried on the next run, malformed answers are not.
- Items keep being started until `count` records exist or `max_attempts` items were tried;
  the run stops with a clear message when failures exceed `max_failure_share`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from teachwhy.generate.base import GenerationContext, Generator, ItemFailed, WorkItem
from teachwhy.generate.grid import GridExpander, stable_seed
from teachwhy.generate.prompts import SEEN_LIMIT
from teachwhy.generate.records import JsonlAppender, Record, read_jsonl, sidecar
from teachwhy.spec.errors import TeachwhyError

Progress = Callable[[int, int, int], None]
"""Called as (records, target, failures) after every finished item."""


@dataclass(frozen=True)
class RunSettings:
    """How many items to make and how; only seed, lag and temperature change the outputs."""

    count: int
    seed: int = 0
    max_attempts: int | None = None
    """Cap on items tried, failures included (default: 2 x count + 4)."""
    concurrency: int = 8
    brainstorm_lag: int = 16
    """Item i sees what items < i - lag produced (a fixed lag keeps prompts reproducible)."""
    max_failure_share: float = 0.5
    min_items_before_stop: int = 4
    """The failure share is only judged once this many items have finished."""

    @property
    def cap(self) -> int:
        return self.max_attempts if self.max_attempts is not None else 2 * self.count + 4


@dataclass
class RunState:
    """What earlier runs left in the files."""

    records: dict[int, Record] = field(default_factory=dict)
    failed: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Final failures (bad output); retryable ones are not here, so they run again."""
    retried: int = 0


def item_id(kind: str, seed: int, index: int) -> str:
    return f"{kind}-s{seed}-{index:05d}"


def load_state(out_path: Path) -> RunState:
    state = RunState()
    for record in read_jsonl(out_path):
        index = (record.get("meta") or {}).get("index")
        if isinstance(index, int):
            state.records[index] = record
    for failure in read_jsonl(sidecar(out_path, "failed")):
        index = failure.get("index")
        if not isinstance(index, int) or index in state.records:
            continue
        if failure.get("retryable"):
            state.failed.pop(index, None)
            state.retried += 1
        else:
            state.failed[index] = failure
    return state


class GenerationRun:
    """One invocation of the loop over one output file."""

    def __init__(
        self,
        generator: Generator,
        ctx: GenerationContext,
        axes: dict[str, list[str]],
        out_path: Path,
        settings: RunSettings,
        progress: Progress | None = None,
    ) -> None:
        self.generator = generator
        self.ctx = ctx
        self.settings = settings
        self.out_path = out_path
        self.progress = progress
        self.grid = GridExpander(axes, settings.seed)
        state = load_state(out_path)
        self.records = state.records
        self.failures: dict[int, dict[str, Any]] = dict(state.failed)
        self.summaries = {i: generator.summary(r) for i, r in self.records.items()}
        self.finished: set[int] = set(self.records) | set(self.failures)
        self.done_prefix = 0
        """Every index below this has finished."""
        self._advance_prefix()
        self.new_records = 0
        self.new_failures = 0
        self._changed = asyncio.Condition()
        self._stop: str | None = None

    @property
    def failure_reasons(self) -> Counter[str]:
        return Counter(f"{f['stage']}: {f['reason'][:120]}" for f in self.failures.values())

    def _advance_prefix(self) -> None:
        while self.done_prefix in self.finished:
            self.done_prefix += 1

    def work_item(self, index: int) -> WorkItem:
        """Item `index`, seeing the last SEEN_LIMIT summaries of items < index - lag."""
        seen: list[str] = []
        j = index - self.settings.brainstorm_lag - 1
        while j >= 0 and len(seen) < SEEN_LIMIT:
            if j in self.summaries:
                seen.append(self.summaries[j])
            j -= 1
        seed = stable_seed(self.settings.seed, self.generator.name, index)
        return WorkItem(
            index=index,
            id=item_id(self.generator.name, self.settings.seed, index),
            cell=self.grid.cell(index).values,
            seen=tuple(reversed(seen)),
            seed=seed,
        )

    async def _wait_for_lag(self, index: int) -> None:
        needed = index - self.settings.brainstorm_lag
        async with self._changed:
            await self._changed.wait_for(lambda: self.done_prefix >= needed)

    async def _run_item(self, index: int, records: JsonlAppender, failed: JsonlAppender) -> None:
        await self._wait_for_lag(index)
        item = self.work_item(index)
        try:
            record = await self.generator.produce(item, self.ctx)
        except ItemFailed as e:
            self._fail(failed, item, e.stage, e.reason, e.retryable)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001  (a bad item must never end the run)
            self._fail(failed, item, "produce", f"{type(e).__name__}: {e}", False)
        else:
            records.write(record)
            self.records[index] = record
            self.summaries[index] = self.generator.summary(record)
            self.new_records += 1
        self.finished.add(index)
        self._advance_prefix()
        async with self._changed:
            self._changed.notify_all()
        if self.progress:
            self.progress(len(self.records), self.settings.count, len(self.failures))

    def _fail(
        self, failed: JsonlAppender, item: WorkItem, stage: str, reason: str, retryable: bool
    ) -> None:
        entry = {
            "index": item.index,
            "id": item.id,
            "stage": stage,
            "reason": reason,
            "retryable": retryable,
            "cell": item.cell,
        }
        failed.write(entry)
        self.failures[item.index] = entry
        self.new_failures += 1
        done = len(self.records) + len(self.failures)
        share = len(self.failures) / max(1, done)
        if done >= self.settings.min_items_before_stop and share > self.settings.max_failure_share:
            self._stop = (
                f"{len(self.failures)} of {done} items failed ({share:.0%}, above the allowed "
                f"{self.settings.max_failure_share:.0%}). Most common: "
                + "; ".join(f"{reason} (x{n})" for reason, n in self.failure_reasons.most_common(3))
                + f". Details: {sidecar(self.out_path, 'failed')}. Fix the teacher (or raise "
                "--max-failure-share) and rerun the same command to resume."
            )

    async def run(self) -> None:
        """Produce items until the target or the cap; raises TeachwhyError when stopped."""
        s = self.settings
        running: dict[asyncio.Task[None], int] = {}
        next_index = 0
        with (
            JsonlAppender(self.out_path) as records,
            JsonlAppender(sidecar(self.out_path, "failed")) as failed,
        ):
            try:
                while self._stop is None:
                    while next_index in self.finished:
                        next_index += 1
                    tried = len(self.finished) + len(running)
                    if (
                        len(self.records) + len(running) < s.count
                        and tried < s.cap
                        and len(running) < s.concurrency
                    ):
                        task = asyncio.create_task(self._run_item(next_index, records, failed))
                        running[task] = next_index
                        next_index += 1
                        continue
                    if not running:
                        break
                    done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        running.pop(task)
                        task.result()
            finally:
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)
        if self._stop:
            raise TeachwhyError(self._stop)
