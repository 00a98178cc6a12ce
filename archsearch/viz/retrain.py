"""plots/retrain.png: each retrained hull point beside its search-time numbers."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from archsearch.viz.canvas import (
    HULL_COLOR,
    TEST_COLOR,
    log_axis,
    new_figure,
    placeholder,
    save_atomic,
)
from archsearch.viz.records import RetrainPoint


def plot_retrain(points: list[RetrainPoint], path: str | os.PathLike[str]) -> Path:
    """Error vs. MAdd: hollow markers at search time, filled after the retrain, an arrow from
    one to the other; test error (red) where the run has a test split, else validation."""
    fig = new_figure()
    if not points:
        placeholder(fig, "no retrained models yet")
        return save_atomic(fig, path)
    ax = fig.add_subplot()
    tested = all(p.test_error is not None and p.search_test_error is not None for p in points)
    color = TEST_COLOR if tested else HULL_COLOR
    which = "test" if tested else "validation"
    before = np.array([(p.madd, p.search_test_error if tested else p.search_error) for p in points])
    after = np.array([(p.madd, p.test_error if tested else p.error) for p in points])
    ax.scatter(*before.T, s=50, fc="none", ec=color, lw=1.2, label=f"search-time {which} error")
    ax.scatter(*after.T, s=50, c=color, lw=0, label=f"retrained {which} error")
    for (x, y0), (_, y1), p in zip(before, after, points, strict=True):
        ax.annotate("", xy=(x, y1), xytext=(x, y0), arrowprops={"arrowstyle": "-|>", "lw": 0.8})
        ax.annotate(
            f"#{p.of_job} {p.label}",
            (x, y1),
            textcoords="offset points",
            xytext=(6, -10),
            fontsize=8,
        )
    log_axis(ax, "x", before[:, 0])
    ax.set_xlabel("MAdd (multiply-adds per sample, log scale)")
    ax.set_ylabel(f"{which} error (1 - top-1)")
    ax.set_xlim(before[:, 0].min() / 2.0, before[:, 0].max() * 2.0)
    ax.grid(True, which="both", alpha=0.25)
    ax.set_title(f"{len(points)} retrained hull points", fontsize=11)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    return save_atomic(fig, path)
