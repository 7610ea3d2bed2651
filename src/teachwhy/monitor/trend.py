"""The history's trend as a PNG: each metric a policy uses, run by run, with its thresholds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from teachwhy.monitor.history import HistoryRun  # noqa: E402
from teachwhy.spec.policy import Threshold  # noqa: E402


def metric_names(runs: Sequence[HistoryRun]) -> list[str]:
    return list(dict.fromkeys(name for run in runs for name in run.metrics))


def plot_trend(
    runs: Sequence[HistoryRun],
    path: Path,
    thresholds: Mapping[str, Threshold] | None = None,
    metrics: Sequence[str] | None = None,
) -> Path:
    """One small panel per metric: value per run (x: run id), threshold lines dashed."""
    names = list(metrics or metric_names(runs))
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.1 * len(names) + 0.6), squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        points = [(run.id, run.metrics[name]) for run in runs
                  if run.metrics.get(name) is not None]
        xs = [p[0] for p in points]
        ys = [float(p[1] or 0.0) for p in points]
        ax.plot(xs, ys, marker="o", color="#4c72b0")
        alerted = [(run.id, run.metrics[name]) for run in runs
                   if any(a.metric == name for a in run.alerts)
                   and run.metrics.get(name) is not None]
        if alerted:
            ax.scatter([a[0] for a in alerted], [a[1] for a in alerted], color="#c44e52",
                       zorder=3, label="alert")
            ax.legend(fontsize=7, loc="upper left")
        bound = (thresholds or {}).get(name)
        if bound is not None:
            for value in (bound.min, bound.max):
                if value is not None:
                    ax.axhline(value, color="#c44e52", linestyle="--", linewidth=1)
        ax.set_title(name, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[-1, 0].set_xlabel("monitoring run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
