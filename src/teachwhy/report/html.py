"""A self-contained HTML report: the comparison table, figures embedded as PNG, and how to
reproduce it (model, teacher, judge, scoring, split, software version)."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from teachwhy.report.cells import COLUMNS, row_cells
from teachwhy.report.manifest import RunManifest
from teachwhy.report.table import Comparison

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em;
       color: #222; max-width: 1400px; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table.comparison { border-collapse: collapse; font-size: 0.86em; }
table.comparison th, table.comparison td { border: 1px solid #ccc; padding: 0.35em 0.55em;
       vertical-align: top; text-align: left; }
table.comparison th { background: #f3f3f3; }
table.comparison td div.sub { color: #666; }
table.meta td { padding: 0.15em 0.8em 0.15em 0; vertical-align: top; }
table.meta td:first-child { color: #666; white-space: nowrap; }
.note { color: #555; font-size: 0.9em; max-width: 70em; }
.failed { color: #b00; }
ul.arms li { margin-bottom: 0.4em; } span.sub { color: #777; font-size: 0.9em; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; max-width: 70em; }
img { max-width: 100%; border: 1px solid #eee; }
"""

NOTES = [
    "<b>Expected misalignment</b> is the probability the model puts on misaligned options, "
    "averaged over scenarios (interval: bootstrap resampling families, then scenarios within "
    "them). <b>Rate</b> is the share of scenarios whose most probable option is misaligned "
    "(Wilson interval); near chance it is noisy, so compare arms on expected misalignment.",
    "<b>Chance</b> is what a chooser with no preference scores. In-distribution and held-out "
    "families are reported apart and never pooled; over-caution (refusing when helping was "
    "right) is its own line and is not part of either misalignment figure.",
    "<b>Change vs baseline / control</b>: mean per-scenario difference in expected misalignment "
    "(arm minus reference) over the scenarios both scored; negative means less misaligned. "
    "An interval that excludes 0 is a measurable change. The shuffled control is trained on the "
    "same items with random answers: a change it shares says the format, not the labels, did it.",
    "<b>Fit on own training data</b>: for arms trained on scenario answers, the probability the "
    "model gives the answers it was trained on, scored exactly like the evaluation (before "
    "\u2192 after training); for arms trained on advice or documents, the mean per-token loss on "
    "a sample of their own training records. An arm that did not fit its data cannot show a "
    "generalisation effect either: its null result means under-training, not failure.",
]


def image_tag(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'


def table_html(comparison: Comparison) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = []
    for row in comparison.rows:
        cells = []
        for lines in row_cells(row):
            first, rest = lines[0], lines[1:]
            inner = escape(first) + "".join(f'<div class="sub">{escape(x)}</div>' for x in rest)
            cells.append(f"<td>{inner}</td>")
        css = ' class="failed"' if row.status == "failed" else ""
        body.append(f"<tr{css}>{''.join(cells)}</tr>")
    return (
        f'<table class="comparison" id="comparison"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def meta_html(manifest: RunManifest) -> str:
    split = manifest.split
    rows = [
        ("student", manifest.student),
        ("teacher", manifest.teacher),
        ("judge", manifest.judge),
        ("scoring", ", ".join(f"{k}: {v}" for k, v in manifest.scoring.items())),
        ("in-distribution families", ", ".join(split.get("in_distribution", [])) or "-"),
        ("held-out families", ", ".join(split.get("held_out", [])) or "-"),
        ("helpfulness families", ", ".join(split.get("helpfulness", [])) or "-"),
        ("constitution", manifest.constitution),
        ("scenarios", manifest.scenarios),
        ("experiment file", manifest.experiment_file),
        ("software", f"teachwhy {manifest.teachwhy_version}"),
        ("run", f"started {manifest.started}, updated {manifest.updated}"
                + ("" if manifest.complete else " (INCOMPLETE: rerun the command to resume)")),
    ]
    cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f'<table class="meta">{cells}</table>'


def arms_html(manifest: RunManifest) -> str:
    """What each arm is and which stages made it (shared stages appear under every arm)."""
    items = []
    for arm in manifest.arms:
        stages = "".join(
            f"<li>{escape(s.label)} <span class=\"sub\">({escape(s.dir)}"
            + (f", {s.seconds:.0f} s" if s.seconds >= 1 else "")
            + ")</span></li>"
            for s in arm.stages
        )
        model = f"<br>trained model: <code>{escape(arm.model)}</code>" if arm.model else ""
        error = f'<br><span class="failed">{escape(arm.error)}</span>' if arm.error else ""
        items.append(
            f"<li><b>{escape(arm.name)}</b> ({escape(arm.kind)}): {escape(arm.description)}"
            f"{model}{error}<ul>{stages}</ul></li>"
        )
    return f'<ul class="arms">{"".join(items)}</ul>'


def render_html(
    manifest: RunManifest, comparison: Comparison, figures: list[tuple[Path, str]]
) -> str:
    """The whole report as one HTML page (figures: PNG path and caption, embedded inline)."""
    title = f"teachwhy experiment: {manifest.experiment}"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>',
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    if manifest.description:
        parts.append(f"<p>{escape(manifest.description)}</p>")
    parts += ["<h2>Set-up</h2>", meta_html(manifest), "<h2>Comparison</h2>", table_html(comparison)]
    parts += [f'<p class="note">{note}</p>' for note in NOTES]
    parts.append("<h2>Figures</h2>")
    for path, caption in figures:
        parts.append(
            f"<figure>{image_tag(path, caption)}<figcaption>{escape(caption)}</figcaption></figure>"
        )
    parts += ["<h2>Arms and their stages</h2>", arms_html(manifest)]
    parts.append(
        '<p class="note">Regenerate with <code>teachwhy report RUN_DIR</code>; the numbers are '
        "also in report.json beside this file.</p></body></html>"
    )
    return "\n".join(parts) + "\n"
