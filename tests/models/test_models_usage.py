"""Usage and cost accounting: hand-computed costs, price tables users write, usage.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli
from teachwhy.models import Price, UsageLedger, load_prices
from teachwhy.models.usage import price_for
from teachwhy.spec.errors import SpecError


def test_costs_by_hand() -> None:
    ledger = UsageLedger({"openai/gpt-test": Price(2.0, 8.0)})
    # 1,000 in and 500 out: 1000 * 2 / 1e6 + 500 * 8 / 1e6 = 0.002 + 0.004
    ledger.record(role="teacher", stage="generate", model="openai/gpt-test",
                  input_tokens=1000, output_tokens=500)
    ledger.record(role="teacher", stage="generate", model="openai/gpt-test", cached=True)
    ledger.record(role="student", stage="evaluate", model="teachwhy/smollm2-135m",
                  input_tokens=300, output_tokens=20)
    summary = ledger.summary()
    assert summary["by_role"]["teacher"]["cost_usd"] == pytest.approx(0.006)
    assert summary["by_role"]["teacher"]["cached_calls"] == 1
    assert summary["by_role"]["student"]["cost_usd"] == 0.0
    assert summary["total"]["cost_usd"] == pytest.approx(0.006)
    assert summary["total"]["calls"] == 3
    assert summary["by_stage"]["evaluate"]["input_tokens"] == 300


def test_dated_model_names_match_their_family_price() -> None:
    prices = {"anthropic/claude-sonnet-4": Price(3, 15), "openai/gpt-4o": Price(2.5, 10),
              "openai/gpt-4o-mini": Price(0.15, 0.6)}
    assert price_for("anthropic/claude-sonnet-4-20250514", prices) == Price(3, 15)
    assert price_for("openai/gpt-4o-mini-2024-07-18", prices) == Price(0.15, 0.6)
    assert price_for("openai/gpt-4o-2024-08-06", prices) == Price(2.5, 10)
    assert price_for("google/gemini-x", prices) is None


def test_a_users_price_table_overrides_and_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "prices.yaml"
    table.write_text(
        "prices:\n  openai/gpt-4o-mini: {input_per_million: 1, output_per_million: 2}\n"
    )
    ledger = UsageLedger(load_prices(table))
    assert ledger.cost("openai/gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(3.0)
    assert run_cli(capsys, "check", str(table)).exit_code == 0

    bad = tmp_path / "bad.yaml"
    bad.write_text("prices:\n  openai/x: {input_per_million: -1, output_per_milion: 2}\n")
    with pytest.raises(SpecError) as e:
        load_prices(bad)
    assert "output_per_milion" in str(e.value) and "input_per_million" in str(e.value)


def test_usage_json_holds_counts_and_names_only(tmp_path: Path) -> None:
    ledger = UsageLedger()
    ledger.record(role="judge", stage="curate", model="openai/gpt-4o-mini", input_tokens=10,
                  output_tokens=2, error=False)
    ledger.record(role="judge", stage="curate", model="openai/gpt-4o-mini", error=True)
    data = json.loads(ledger.write(tmp_path).read_text())
    assert data["by_role"]["judge"]["errors"] == 1
    assert data["prices_per_million_tokens"] == {
        "openai/gpt-4o-mini": {"input_per_million": 0.15, "output_per_million": 0.6}
    }
