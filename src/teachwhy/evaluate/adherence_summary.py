"""Adherence ratings -> the share of applicable ratings that follow, with its interval."""

from __future__ import annotations

from typing import Any

from teachwhy.evaluate.metrics import clustered_bootstrap
from teachwhy.evaluate.results import AdherenceResult, PrincipleShare


def summarise_adherence(rows: list[dict[str, Any]], **fields: Any) -> AdherenceResult:
    """rows: {prompt_id, epoch, principle, rating}; rating follows/violates/not_applicable/None."""
    rated = [r for r in rows if r["rating"] in ("follows", "violates")]
    values = [1.0 if r["rating"] == "follows" else 0.0 for r in rated]
    share = sum(values) / len(values) if values else None
    ci = clustered_bootstrap(values, [r["prompt_id"] for r in rated]) if values else None
    principles = list(dict.fromkeys(r["principle"] for r in rows))
    per_principle = []
    for pid in principles:
        mine = [r for r in rated if r["principle"] == pid]
        follows = sum(r["rating"] == "follows" for r in mine)
        per_principle.append(
            PrincipleShare(
                principle=pid,
                n_rated=len(mine),
                follows=follows,
                share=follows / len(mine) if mine else None,
            )
        )
    return AdherenceResult(
        n_prompts=len({r["prompt_id"] for r in rows}),
        n_rated=len(rated),
        n_not_applicable=sum(r["rating"] == "not_applicable" for r in rows),
        n_unscored=sum(r["rating"] is None for r in rows),
        share=share,
        ci=(ci.low, ci.high) if ci else None,
        per_principle=per_principle,
        ratings=rows,
        **fields,
    )
