"""How the pool grew over time, and what the seed models look like."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from archsearch.hull import lower_convex_hull
from archsearch.viz.canvas import (
    GROWN_COLOR,
    HULL_COLOR,
    SEED_COLOR,
    log_axis,
    new_figure,
    placeholder,
    save_atomic,
)
from archsearch.viz.labels import AROUND, place_labels
from archsearch.viz.records import TrialPoint, as_xy, plottable

# The hull size is recomputed at most this many times along the run: a few thousand models
# would otherwise cost a few thousand hull computations for one plot.
_MAX_HULL_SAMPLES = 300


def time_unit(seconds: float) -> tuple[float, str]:
    """Divisor and name of a readable unit for an elapsed time axis."""
    if seconds < 180:
        return 1.0, "s"
    if seconds < 3 * 3600:
        return 60.0, "min"
    return 3600.0, "h"


@dataclass(frozen=True)
class PoolSeries:
    """How the pool grew, at some moments of the run (time order): what ``plot_pool`` draws.
    ``trained``, ``hull_size`` and ``best_error`` are exact at each ``finished_s``, however few
    moments are kept."""

    finished_s: np.ndarray  # seconds from the start
    trained: np.ndarray  # models trained by then
    hull_size: np.ndarray  # vertices of the hull right then
    best_error: np.ndarray  # lowest validation error by then
    last_seed_s: float | None = None  # when the last seed finished, if anything else did after


def pool_series(points: list[TrialPoint]) -> PoolSeries:
    """The series of every completion in ``points`` (the hull recomputed at most
    ``_MAX_HULL_SAMPLES`` times and held between)."""
    pts = sorted(points, key=lambda p: p.finished_s)
    xy = as_xy(pts)
    ok = np.isfinite(xy).all(axis=1) & (xy[:, 0] > 0)  # what plottable() keeps
    at = np.unique(np.linspace(0, len(pts) - 1, min(len(pts), _MAX_HULL_SAMPLES)).astype(int))
    sizes = np.zeros(len(pts), dtype=int)
    sizes[at] = [len(lower_convex_hull(xy[: k + 1][ok[: k + 1]])) for k in at]
    sampled = np.isin(np.arange(len(pts)), at)
    sizes = sizes[np.maximum.accumulate(np.where(sampled, np.arange(len(pts)), 0))]  # held
    seed_t = [p.finished_s for p in pts if p.is_seed]
    return PoolSeries(
        finished_s=np.array([p.finished_s for p in pts], dtype=np.float64),
        trained=np.arange(1, len(pts) + 1),
        hull_size=sizes,
        best_error=np.fmin.accumulate(np.array([p.error for p in pts], dtype=np.float64)),
        last_seed_s=max(seed_t) if seed_t and len(seed_t) < len(pts) else None,
    )


def plot_pool(
    points: list[TrialPoint], path: str | os.PathLike[str], series: PoolSeries | None = None
) -> Path:
    """Models trained and hull size vs. elapsed time, with the best error on a second axis;
    ``series``: the run's own (a driver keeps it), else computed from ``points``."""
    fig = new_figure(9.0, 5.0)
    series = pool_series(points) if series is None else series
    if not len(series.finished_s):
        placeholder(fig, "no trained models yet")
        return save_atomic(fig, path)
    scale, unit = time_unit(float(series.finished_s[-1]))
    t = series.finished_s / scale
    ax = fig.add_subplot()
    # Step plots starting at t = 0: the pool is empty until the first job finishes.
    ax.step(np.r_[0, t], np.r_[0, series.trained], where="post", color=GROWN_COLOR,
            label="models trained")  # fmt: skip
    ax.step(
        np.r_[0, t],
        np.r_[0, series.hull_size],
        where="post",
        color=HULL_COLOR,
        label="models on the hull",
    )
    if series.last_seed_s is not None:
        ax.axvline(series.last_seed_s / scale, color=SEED_COLOR, ls="--", lw=0.8,
                   label="last seed trained")  # fmt: skip
    ax.set_xlabel(f"elapsed time ({unit})")
    ax.set_ylabel("models")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.25)

    ax2 = ax.twinx()
    ax2.step(t, series.best_error, where="post", color="tab:red", label="best validation error")
    ax2.set_ylabel("best validation error", color="tab:red")
    ax2.tick_params(axis="y", colors="tab:red")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    # Below the axes: inside, it would hide part of one of the lines whatever the corner.
    fig.legend(
        lines[0] + lines2[0], lines[1] + lines2[1], loc="outside lower center", ncol=4, fontsize=8
    )
    total = int(series.trained[-1])
    ax.set_title(f"Pool growth: {total} models in {t[-1]:.3g} {unit}", fontsize=11)
    return save_atomic(fig, path)


def plot_seed_stats(points: list[TrialPoint], path: str | os.PathLike[str]) -> Path:
    """MAdd vs. params of the seed models (coloured by error), and each one's spread."""
    fig = new_figure(10.0, 5.5)
    seeds = [p for p in plottable(points) if p.is_seed and p.params > 0]
    if not seeds:
        placeholder(fig, "no seed models trained yet")
        return save_atomic(fig, path)
    madd = np.array([p.madd for p in seeds])
    params = np.array([p.params for p in seeds], dtype=np.float64)
    grid = fig.add_gridspec(2, 2, width_ratios=[1.7, 1.0])
    ax = fig.add_subplot(grid[:, 0])
    dots = ax.scatter(
        madd, params, c=[p.error for p in seeds], cmap="viridis_r", s=40, edgecolors="0.3", lw=0.4
    )
    fig.colorbar(dots, ax=ax, label="validation error", pad=0.01)
    log_axis(ax, "x", madd)
    log_axis(ax, "y", params)
    ax.margins(0.12)
    ax.set_xlabel("MAdd (log scale)")
    ax.set_ylabel("parameters (log scale)")
    ax.grid(True, which="both", alpha=0.25)
    ax.set_title(f"{len(seeds)} seed models (cNrMnK: N cells, M reductions, K nodes)", fontsize=11)

    for row, (values, name) in enumerate([(madd, "MAdd"), (params, "parameters")]):
        hist = fig.add_subplot(grid[row, 1])
        lo, hi = values.min(), values.max()
        n_bins = min(12, max(4, len(values) // 3))
        hist.hist(
            values,
            bins=np.geomspace(lo / 1.05, hi * 1.05, n_bins + 1),
            color=SEED_COLOR,
            alpha=0.8,
            edgecolor="white",
        )
        log_axis(hist, "x", values)
        hist.yaxis.set_major_locator(MaxNLocator(integer=True))
        hist.set_xlabel(f"{name} (log scale)")
        hist.set_ylabel("seeds")
    if len(seeds) <= 60:  # beyond that labels only clutter; the colour still tells the story
        items = [(p.madd, p.params, p.label) for p in seeds]
        markers = [np.array([[p.madd, p.params]]) for p in seeds]
        place_labels(fig, ax, items, AROUND, fontsize=6.5, avoid=markers)
    return save_atomic(fig, path)
