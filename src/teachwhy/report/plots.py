"""The report's figures (matplotlib, PNG): per family, in- versus out-of-distribution, paired
changes against the baseline, and dose-response when an arm ran at several doses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: never open a window, never need a display

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from teachwhy.report.table import GROUP_LABELS, Comparison, Estimate  # noqa: E402

COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]
GROUP_MARKERS = {"in_distribution": "o", "held_out": "s", "all": "D"}
EM_LABEL = "expected misalignment\n(probability on misaligned options)"


def arm_colours(names: Sequence[str]) -> dict[str, str]:
    return {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(names)}


def error_bar(e: Estimate) -> tuple[float, float]:
    """(below, above) distances from the value to its interval ends."""
    if e.value is None or e.ci is None:
        return (0.0, 0.0)
    return (max(0.0, e.value - e.ci[0]), max(0.0, e.ci[1] - e.value))


def save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_families(comparison: Comparison, path: Path) -> Path:
    """Dot plot: one row per family (grouped in-distribution, then held-out), one dot per arm."""
    arms = [r.name for r in comparison.rows if r.misalignment]
    colours = arm_colours(arms)
    families: list[tuple[str, str]] = list(
        dict.fromkeys((p.group, p.family) for p in comparison.families)
    )
    families.sort(key=lambda gf: (list(GROUP_MARKERS).index(gf[0]) if gf[0] in GROUP_MARKERS
                                  else 9))
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(families) + 1.6))
    spread = 0.6 / max(1, len(arms))
    for a_index, arm in enumerate(arms):
        offset = (a_index - (len(arms) - 1) / 2) * spread
        for f_index, (group, family) in enumerate(families):
            point = next(
                (p for p in comparison.families
                 if p.arm == arm and p.family == family and p.group == group),
                None,
            )
            if point is None or point.expected.value is None:
                continue
            below, above = error_bar(point.expected)
            ax.errorbar(
                point.expected.value, f_index + offset, xerr=[[below], [above]], fmt="o",
                color=colours[arm], markersize=5, capsize=2, label=arm if f_index == 0 else None,
            )
    ax.set_yticks(range(len(families)))
    ax.set_yticklabels([f"{family}  ({GROUP_LABELS.get(group, group)})"
                        for group, family in families])
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(EM_LABEL)
    ax.set_title("Misalignment per family (95% intervals)")
    ax.grid(axis="x", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=8)
    return save(fig, path)


def plot_groups(comparison: Comparison, path: Path) -> Path:
    """Per arm: in-distribution and held-out expected misalignment side by side, with chance."""
    rows = [r for r in comparison.rows if r.misalignment]
    groups = [g for g in ("in_distribution", "held_out", "all")
              if any(g in r.misalignment for r in rows)]
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(rows) + 2), 4.2))
    width = 0.8 / max(1, len(groups))
    for g_index, group in enumerate(groups):
        xs: list[float] = []
        ys: list[float] = []
        errs: list[list[float]] = [[], []]
        for r_index, row in enumerate(rows):
            figures = row.misalignment.get(group)
            if figures is None or figures.expected.value is None:
                continue
            below, above = error_bar(figures.expected)
            xs.append(r_index + (g_index - (len(groups) - 1) / 2) * width)
            ys.append(figures.expected.value)
            errs[0].append(below)
            errs[1].append(above)
        ax.bar(xs, ys, width=width * 0.9, yerr=errs, capsize=3,
               color=COLOURS[g_index], label=GROUP_LABELS.get(group, group))
        chance = next((r.misalignment[group].chance for r in rows
                       if group in r.misalignment and r.misalignment[group].chance is not None),
                      None)
        if chance is not None:
            ax.axhline(chance, color=COLOURS[g_index], linestyle=":", linewidth=1)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r.name for r in rows], rotation=20, ha="right")
    ax.set_ylabel(EM_LABEL)
    ax.set_ylim(0, 1)
    ax.set_title("In-distribution vs held-out families (dotted: chance)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return save(fig, path)


def plot_paired(comparison: Comparison, path: Path) -> Path:
    """Per arm and group: change in expected misalignment against the baseline (0 = no change)."""
    rows = [r for r in comparison.rows if r.vs_baseline]
    groups = [g for g in ("in_distribution", "held_out", "all")
              if any(g in r.vs_baseline for r in rows)]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) * max(1, len(groups)) + 1.8))
    labels = []
    y = 0
    for row in rows:
        for g_index, group in enumerate(groups):
            change = row.vs_baseline.get(group)
            if change is None or change.diff is None:
                continue
            ci = change.ci or (change.diff, change.diff)
            ax.errorbar(change.diff, y, xerr=[[change.diff - ci[0]], [ci[1] - change.diff]],
                        fmt=GROUP_MARKERS.get(group, "o"), color=COLOURS[g_index], capsize=3,
                        label=GROUP_LABELS.get(group, group))
            labels.append(f"{row.name}  ({GROUP_LABELS.get(group, group)})")
            y += 1
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel("change in expected misalignment vs baseline\n(negative: less misaligned)")
    ax.set_title(f"Paired change vs {comparison.baseline} (95% intervals, families resampled)")
    ax.grid(axis="x", alpha=0.3)
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), fontsize=8)
    return save(fig, path)


def dose_groups(comparison: Comparison) -> dict[str, list[str]]:
    """Arm groups run at two or more doses: group -> arm names."""
    groups: dict[str, list[str]] = {}
    for row in comparison.rows:
        if row.dose is not None and row.dose.records_limit is not None and row.misalignment:
            groups.setdefault(row.group, []).append(row.name)
    return {g: names for g, names in groups.items() if len(names) > 1}


def plot_dose(comparison: Comparison, path: Path) -> Path | None:
    """Expected misalignment against training tokens for arms run at several doses."""
    groups = dose_groups(comparison)
    if not groups:
        return None
    by_name = {r.name: r for r in comparison.rows}
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for c_index, (group_name, names) in enumerate(groups.items()):
        for m_index, group in enumerate(("in_distribution", "held_out")):
            points = []
            for name in names:
                row = by_name[name]
                figures = row.misalignment.get(group)
                if row.dose and figures and figures.expected.value is not None:
                    points.append((row.dose.tokens, figures.expected))
            if not points:
                continue
            points.sort(key=lambda p: p[0])
            plot_series(ax, points, COLOURS[c_index % len(COLOURS)],
                        "-" if m_index == 0 else "--",
                        f"{group_name} ({GROUP_LABELS[group]})")
    ax.set_xlabel("training tokens")
    ax.set_ylabel(EM_LABEL)
    ax.set_title("Dose-response")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save(fig, path)


def plot_series(
    ax: Axes, points: list[tuple[int, Estimate]], colour: str, style: str, label: str
) -> None:
    xs = [p[0] for p in points]
    ys = [p[1].value or 0.0 for p in points]
    errs = [[error_bar(p[1])[0] for p in points], [error_bar(p[1])[1] for p in points]]
    ax.errorbar(xs, ys, yerr=errs, color=colour, linestyle=style, marker="o", capsize=3,
                label=label)
