"""The frontier plot: every trained model, the monotone hull, its eps-band and the lineage."""

from __future__ import annotations

import logging
import os
from itertools import pairwise
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

from archsearch.hull import hull_error_at, lower_convex_hull
from archsearch.viz.canvas import (
    BAND_COLOR,
    GROWN_COLOR,
    HULL_COLOR,
    SEED_COLOR,
    TEST_COLOR,
    log_axis,
    new_figure,
    placeholder,
    save_atomic,
)
from archsearch.viz.labels import BELOW_LEFT, place_labels
from archsearch.viz.records import TrialPoint, as_xy, plottable

logger = logging.getLogger(__name__)

_MAX_ARROWS = 100


def marker_size(n: int) -> float:
    """Smaller markers as the pool grows, so 500 points do not merge into a blob."""
    return 40.0 if n <= 60 else 18.0 if n <= 250 else 9.0


def hull_curve(xy: np.ndarray, right: float) -> tuple[np.ndarray, np.ndarray]:
    """The hull as a dense polyline from its first vertex to ``right``.

    Segments are straight in linear MAdd, so on a log axis they are curves; sampling each one
    geometrically draws the true hull (and the band) rather than a chord through it.
    """
    hull = xy[lower_convex_hull(xy)]
    right = max(right, hull[-1, 0])
    knots = np.append(hull[:, 0], right)
    xs = np.concatenate([np.geomspace(a, b, 24) for a, b in pairwise(knots)])
    # geomspace may round an end a hair outside [a, b]; left of the first vertex is +inf.
    xs = np.unique(np.clip(xs, knots[0], right))
    return xs, hull_error_at(hull, xs)


def draw_hull_and_band(ax: Axes, xy: np.ndarray, eps: float) -> np.ndarray:
    """Draw the hull (dotted where flat past the best model) and the band; return the hull
    polyline as an ``(n, 2)`` array."""
    xs, ys = hull_curve(xy, float(xy[:, 0].max()))
    last = float(xy[lower_convex_hull(xy)][-1, 0])
    inside = xs <= last
    ax.plot(xs[inside], ys[inside], color=HULL_COLOR, lw=1.6, label="hull (monotone)", zorder=3)
    if (~inside).any():  # flat extension right of the best model: the monotone cut
        ax.plot(xs[xs >= last], ys[xs >= last], color=HULL_COLOR, lw=1.0, ls=":", zorder=3)
    if eps > 0:
        ax.fill_between(
            xs, ys, (1 + eps) * ys, color=BAND_COLOR, alpha=0.2, lw=0, label=f"eps-band ({eps:g})"
        )
    return np.column_stack([xs, ys])


def draw_lineage(ax: Axes, points: list[TrialPoint]) -> None:
    """Faint parent -> child links: arrows for a small pool, plain lines past
    ``_MAX_ARROWS`` links (arrow patches cost ~10 ms each to draw, and a child always has the
    larger MAdd, so the direction is still left to right)."""
    by_id = {p.job_id: p for p in points}
    links = [
        ((by_id[p.parent_id].madd, by_id[p.parent_id].error), (p.madd, p.error))
        for p in points
        if p.parent_id in by_id
    ]
    if not links:
        return
    color = "0.55"
    if len(links) > _MAX_ARROWS:
        ax.add_collection(LineCollection(links, colors=color, alpha=0.18, lw=0.5, zorder=1))
    else:
        arrow = {
            "arrowstyle": "-|>",
            "color": color,
            "alpha": 0.35,
            "lw": 0.6,
            "shrinkA": 3,
            "shrinkB": 3,
            "mutation_scale": 7,
        }
        for start, end in links:
            ax.annotate("", xy=end, xytext=start, arrowprops=arrow, zorder=1)
    # A proxy so the legend explains the links.
    ax.plot([], [], color=color, alpha=0.6, lw=0.8, label="grown from (parent → child)")


def plot_frontier(
    points: list[TrialPoint],
    path: str | os.PathLike[str],
    eps: float,
    title: str = "Validation error vs. MAdd",
    lineage: bool = True,
    total: int | None = None,
) -> Path:
    """Every trained model, seeds apart, with the hull, the eps-band and hull labels; or a
    sample of ``total`` models that holds the hull, the band and the seeds (the title says)."""
    fig = new_figure()
    pts = plottable(points)
    if not pts:
        placeholder(fig, "no trained models yet")
        return save_atomic(fig, path)
    xy = as_xy(pts)
    hull_ids = lower_convex_hull(xy)
    ax = fig.add_subplot()
    size = marker_size(len(pts))
    seeds = np.array([p.is_seed for p in pts])
    curve = draw_hull_and_band(ax, xy, eps)
    if lineage:
        draw_lineage(ax, pts)
    if (~seeds).any():
        ax.scatter(*xy[~seeds].T, s=size, c=GROWN_COLOR, alpha=0.75, lw=0, label="grown", zorder=2)
    if seeds.any():
        ax.scatter(
            *xy[seeds].T, s=size * 1.3, marker="s", c=SEED_COLOR, lw=0, label="seed", zorder=2
        )
    ax.scatter(
        *xy[hull_ids].T, s=size * 2.2, fc="none", ec=HULL_COLOR, lw=1.1, label="on hull", zorder=4
    )
    # Test error of the hull points only: the hull is chosen on validation error, and this is
    # the honest number for the models it chose; for every point it would double the cloud.
    tested = np.array(
        [(pts[i].madd, pts[i].test_error) for i in hull_ids if pts[i].test_error is not None],
        dtype=np.float64,
    ).reshape(-1, 2)
    if len(tested):
        ax.scatter(
            *tested.T, s=size * 1.2, marker="x", c=TEST_COLOR, lw=1.2, label="test error (hull)"
        )
    log_axis(ax, "x", xy[:, 0])
    ax.set_xlabel("MAdd (multiply-adds per sample, log scale)")
    ax.set_ylabel("validation error (1 - top-1)" + ("; x: test error" if len(tested) else ""))
    ax.grid(True, which="both", alpha=0.25)
    # Room under the hull for its labels (nothing else is drawn there), but not below an
    # error of 0, which no model reaches.
    ys = np.concatenate([xy[:, 1], tested[:, 1]])
    low, high = ys.min(), ys.max()
    span = max(high - low, 0.02 * max(abs(high), 1e-3))
    ax.set_ylim(max(low - 0.15 * span, min(low, 0.0)), high + 0.08 * span)
    ax.set_xlim(xy[:, 0].min() / 2.0, xy[:, 0].max() * 1.4)
    shown = f"{len(pts)} models"
    if total is not None and total > len(pts):
        shown = f"{total:,} models ({len(pts):,} drawn: hull, band, seeds and a uniform sample)"
    ax.set_title(
        f"{title}\n{shown} ({int(seeds.sum())} seeds), {len(hull_ids)} on the hull", fontsize=11
    )
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    labels = [(pts[i].madd, pts[i].error, f"#{pts[i].job_id} {pts[i].label}") for i in hull_ids]
    # Markers as one-point polylines, so no label is written over a model or the hull.
    avoid = [curve, *xy[:, None, :], *tested[:, None, :]]
    skipped = place_labels(fig, ax, labels, BELOW_LEFT, avoid=avoid)
    if skipped:
        logger.debug("frontier: %d hull labels left out for lack of room", skipped)
    return save_atomic(fig, path)
