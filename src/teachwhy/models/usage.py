"""Token and cost accounting per role (teacher, judge, student) and per stage, for run folders.

Costs are in US dollars from a price table per million tokens. The shipped table covers a few
common API models (list prices when written; they change, so override them with your own
table); models that run locally cost nothing; a model with no known price makes the cost of
its role and stage unknown (null) rather than wrongly zero.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input_per_million: float
    output_per_million: float


DEFAULT_PRICES: dict[str, Price] = {
    "openai/gpt-4o": Price(2.50, 10.00),
    "openai/gpt-4o-mini": Price(0.15, 0.60),
    "openai/gpt-4.1": Price(2.00, 8.00),
    "openai/gpt-4.1-mini": Price(0.40, 1.60),
    "openai/gpt-4.1-nano": Price(0.10, 0.40),
    "openai/o4-mini": Price(1.10, 4.40),
    "anthropic/claude-3-5-haiku": Price(0.80, 4.00),
    "anthropic/claude-haiku-4-5": Price(1.00, 5.00),
    "anthropic/claude-3-7-sonnet": Price(3.00, 15.00),
    "anthropic/claude-sonnet-4": Price(3.00, 15.00),
    "anthropic/claude-opus-4": Price(15.00, 75.00),
    "google/gemini-2.0-flash": Price(0.10, 0.40),
    "google/gemini-2.5-flash": Price(0.30, 2.50),
    "google/gemini-2.5-pro": Price(1.25, 10.00),
}
"""List prices per million tokens (input, output); dated names match by prefix."""

FREE_PROVIDERS = ("teachwhy", "hf", "vllm", "mockllm", "none", "llama-cpp-python", "ollama")


def load_prices(path: str | Path) -> dict[str, Price]:
    """Read a price table file (YAML or JSON): `prices: {model: {input_per_million, ...}}`."""
    from teachwhy.spec.loading import load_model
    from teachwhy.spec.prices import PriceTable

    table = load_model(path, PriceTable)
    return {
        name: Price(p.input_per_million, p.output_per_million)
        for name, p in table.prices.items()
    }


def price_for(model: str, prices: Mapping[str, Price]) -> Price | None:
    """The price of a model: exact name, else the longest table name it starts with."""
    if model in prices:
        return prices[model]
    matches = [name for name in prices if model.startswith(name)]
    return prices[max(matches, key=len)] if matches else None


def _is_free(model: str) -> bool:
    provider = model.partition("/")[0]
    return model.startswith("/") or provider in FREE_PROVIDERS or (
        provider == "openai-api" and model.split("/")[1] == "local"
    )


@dataclass
class UsageTotals:
    """Counts for one role, one stage, or one role within one stage."""

    calls: int = 0
    cached_calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    """Tokens read by calls that reached a model (cache hits read nothing)."""
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    unpriced_models: list[str] = field(default_factory=list)

    def add(self, input_tokens: int, output_tokens: int, cached: bool, error: bool,
            cost: float | None, model: str) -> None:
        self.calls += 1
        self.cached_calls += int(cached)
        self.errors += int(error)
        if cached:
            return
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        if cost is None:
            if model not in self.unpriced_models:
                self.unpriced_models.append(model)
            self.cost_usd = None
        elif self.cost_usd is not None:
            self.cost_usd += cost


class UsageLedger:
    """Thread-safe tally of generation calls by role, stage and model; writes usage.json."""

    def __init__(self, prices: Mapping[str, Price] | None = None) -> None:
        self.prices: dict[str, Price] = {**DEFAULT_PRICES, **(prices or {})}
        self._lock = threading.Lock()
        self._by: dict[tuple[str, str, str], UsageTotals] = {}

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        """Dollar cost of one call, 0 for local models, None when the price is unknown."""
        if _is_free(model):
            return 0.0
        price = price_for(model, self.prices)
        if price is None:
            return None
        return (input_tokens * price.input_per_million
                + output_tokens * price.output_per_million) / 1e6

    def record(self, *, role: str, stage: str, model: str, input_tokens: int = 0,
               output_tokens: int = 0, cached: bool = False, error: bool = False) -> None:
        """Count one call (a cache hit counts as a call with no tokens and no cost)."""
        cost = self.cost(model, input_tokens, output_tokens)
        with self._lock:
            totals = self._by.setdefault((role, stage, model), UsageTotals())
            totals.add(input_tokens, output_tokens, cached, error, cost, model)

    def _group(self, index: int | None) -> dict[str, UsageTotals]:
        out: dict[str, UsageTotals] = {}
        for key, totals in self._by.items():
            name = "total" if index is None else key[index]
            merged = out.setdefault(name, UsageTotals())
            merged.calls += totals.calls
            merged.cached_calls += totals.cached_calls
            merged.errors += totals.errors
            merged.input_tokens += totals.input_tokens
            merged.output_tokens += totals.output_tokens
            for model in totals.unpriced_models:
                if model not in merged.unpriced_models:
                    merged.unpriced_models.append(model)
            if totals.cost_usd is None or merged.cost_usd is None:
                merged.cost_usd = None
            else:
                merged.cost_usd += totals.cost_usd
        return out

    def summary(self) -> dict[str, Any]:
        """Totals overall, by role, by stage, by model, and by (role, stage, model)."""
        with self._lock:
            def dump(group: dict[str, UsageTotals]) -> dict[str, Any]:
                return {k: _rounded(asdict(v)) for k, v in sorted(group.items())}

            return {
                "total": _rounded(asdict(self._group(None).get("total", UsageTotals()))),
                "by_role": dump(self._group(0)),
                "by_stage": dump(self._group(1)),
                "by_model": dump(self._group(2)),
                "calls": [
                    {"role": r, "stage": s, "model": m, **_rounded(asdict(t))}
                    for (r, s, m), t in sorted(self._by.items())
                ],
                "prices_per_million_tokens": self._prices_used(),
            }

    def _prices_used(self) -> dict[str, dict[str, float]]:
        """The price each model used here was charged at (local and unpriced ones left out)."""
        used = {}
        for model in sorted({key[2] for key in self._by}):
            price = None if _is_free(model) else price_for(model, self.prices)
            if price is not None:
                used[model] = asdict(price)
        return used

    def write(self, run_dir: str | Path) -> Path:
        """Write `usage.json` into a run folder (never any key: only names and counts)."""
        path = Path(run_dir) / "usage.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.summary(), indent=2) + "\n")
        return path

    def reset(self) -> None:
        with self._lock:
            self._by.clear()


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    if d.get("cost_usd") is not None:
        d["cost_usd"] = round(d["cost_usd"], 6)
    return d


_global: UsageLedger | None = None
_global_lock = threading.Lock()


def global_ledger() -> UsageLedger:
    """The process-wide ledger generate_text records into when none is passed.

    Prices from the file named by `$TEACHWHY_PRICES` override the shipped table.
    """
    global _global
    with _global_lock:
        if _global is None:
            prices_file = os.environ.get("TEACHWHY_PRICES")
            _global = UsageLedger(load_prices(prices_file) if prices_file else None)
        return _global
