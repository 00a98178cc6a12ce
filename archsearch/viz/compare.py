"""Several runs' frontiers on one plot (``archsearch compare``)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from archsearch.hull import lower_convex_hull, normalized_hypervolume
from archsearch.viz.canvas import log_axis, new_figure, placeholder, save_atomic
from archsearch.viz.frontier import hull_curve, marker_size
from archsearch.viz.records import TrialPoint, as_xy, plottable


def plot_comparison(
    runs: dict[str, list[TrialPoint]],
    path: str | os.PathLike[str],
    title: str = "Frontiers compared",
) -> Path:
    """Each run's models (faint) and monotone hull (solid), one colour per run.

    The legend gives each run's normalised hypervolume: MAdd in log10, inside one box shared
    by all runs (from half the smallest MAdd and error 0 to twice the largest MAdd and the
    largest error), so the numbers are comparable within this plot.
    """
    fig = new_figure()
    data = {name: as_xy(plottable(pts)) for name, pts in runs.items()}
    data = {name: xy for name, xy in data.items() if len(xy)}
    if not data:
        placeholder(fig, "no trained models in any run")
        return save_atomic(fig, path)
    every = np.vstack(list(data.values()))
    ideal = (every[:, 0].min() / 2, 0.0)
    ref = (every[:, 0].max() * 2, max(every[:, 1].max(), 1e-9))
    ax = fig.add_subplot()
    size = marker_size(len(every)) * 0.7
    for k, (name, xy) in enumerate(data.items()):
        color = f"C{k % 10}"
        xs, ys = hull_curve(xy, float(every[:, 0].max()))
        hv = normalized_hypervolume(xy, ref, ideal)
        hull = lower_convex_hull(xy)
        last = xy[hull, 0].max()  # right of its best model a monotone hull is flat: dotted
        label = f"{name}: {len(xy)} models, {len(hull)} on hull, HV {hv:.3f}"
        ax.scatter(*xy.T, s=size, color=color, alpha=0.3, lw=0)
        ax.plot(xs[xs <= last], ys[xs <= last], color=color, lw=1.8, label=label)
        ax.plot(xs[xs >= last], ys[xs >= last], color=color, lw=1.0, ls=":")
        ax.scatter(*xy[hull].T, s=size * 1.6, color=color, zorder=3)
    log_axis(ax, "x", every[:, 0])
    ax.set_xlabel("MAdd (multiply-adds per sample, log scale)")
    ax.set_ylabel("validation error (1 - top-1)")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(
        loc="upper right", fontsize=8, title="run (HV: log-MAdd, shared box)", title_fontsize=8
    )
    ax.set_title(title, fontsize=11)
    return save_atomic(fig, path)
