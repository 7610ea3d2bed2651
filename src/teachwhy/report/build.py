"""Write a run's report: report.html (figures embedded), report.json and the PNG figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from teachwhy.report.html import render_html
from teachwhy.report.manifest import load_manifest
from teachwhy.report.plots import plot_dose, plot_families, plot_groups, plot_paired
from teachwhy.report.table import Comparison, build_comparison

REPORT_DIR = "report"


class ReportFiles(NamedTuple):
    html: Path
    json: Path
    figures: list[Path]
    comparison: Comparison


def build_report(run_dir: str | Path, out_dir: str | Path | None = None) -> ReportFiles:
    """Regenerate the report of a run folder from its saved results (no model is loaded)."""
    run_dir = Path(run_dir)
    manifest = load_manifest(run_dir)
    comparison = build_comparison(manifest, run_dir)
    out = Path(out_dir) if out_dir else run_dir / REPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    figures: list[tuple[Path, str]] = []
    if any(r.misalignment for r in comparison.rows):
        figures.append((
            plot_groups(comparison, out / "in_vs_held_out.png"),
            "Expected misalignment per arm on in-distribution and held-out families, with 95% "
            "intervals; the dotted lines show chance.",
        ))
    if any(r.vs_baseline for r in comparison.rows):
        figures.append((
            plot_paired(comparison, out / "change_vs_baseline.png"),
            f"Paired change in expected misalignment against {comparison.baseline}: a dot left "
            "of the line is less misaligned; intervals resample families.",
        ))
    if comparison.families:
        figures.append((
            plot_families(comparison, out / "per_family.png"),
            "Expected misalignment per scenario family and arm, with 95% intervals.",
        ))
    dose = plot_dose(comparison, out / "dose_response.png")
    if dose is not None:
        figures.append((dose, "Expected misalignment against training tokens, per dose."))
    json_path = out / "report.json"
    json_path.write_text(
        json.dumps(
            {"manifest": manifest.model_dump(mode="json"),
             "comparison": comparison.model_dump(mode="json")},
            indent=2,
        )
        + "\n"
    )
    html_path = out / "report.html"
    html_path.write_text(render_html(manifest, comparison, figures))
    return ReportFiles(html_path, json_path, [p for p, _ in figures], comparison)
