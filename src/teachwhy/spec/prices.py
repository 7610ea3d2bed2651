"""A user's price table for cost accounting (`TEACHWHY_PRICES=prices.yaml`).

    # teachwhy check prices.yaml
    prices:
      openai/gpt-4o-mini: {input_per_million: 0.15, output_per_million: 0.60}
"""

from __future__ import annotations

from pydantic import Field

from teachwhy.spec.base import UserModel


class ModelPrice(UserModel):
    """What one model costs, in US dollars per million tokens."""

    input_per_million: float = Field(ge=0)
    """Dollars per million input (prompt) tokens."""
    output_per_million: float = Field(ge=0)
    """Dollars per million output (completion) tokens."""


class PriceTable(UserModel):
    """Prices that override teachwhy's shipped table; a name also matches dated variants."""

    prices: dict[str, ModelPrice] = Field(min_length=1)
    """Model name (provider/model, e.g. anthropic/claude-sonnet-4) -> its price."""

    def summary(self) -> str:
        return f"{len(self.prices)} model prices"
