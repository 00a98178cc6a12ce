"""Greedy, overlap-free text labels for scatter points (matplotlib has no built-in for it)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

# Offsets (points) tried in turn: below-left first, where the frontier plot leaves room (no
# model is ever drawn below the hull), then further down, then to the right; above-left last,
# for hull points near the bottom edge (the most accurate ones) with no room under them.
BELOW_LEFT = [(-5, -5), (-5, -16), (6, -10), (-5, -27), (6, -22), (-5, -38), (6, -34)]
BELOW_LEFT += [(-8, 12), (-8, 24), (-8, 36), (-30, 18), (-30, 30)]
AROUND = [(5, 3), (-5, 3), (5, -9), (-5, -9), (5, 12), (-5, -18)]


def place_labels(
    fig: Figure,
    ax: Axes,
    items: list[tuple[float, float, str]],
    offsets: list[tuple[int, int]],
    fontsize: float = 7.5,
    avoid: list[np.ndarray] | None = None,
) -> int:
    """Label ``(x, y, text)`` items at the first offset whose text box fits inside the axes,
    overlaps no label placed before and covers none of ``avoid`` (``(n, 2)`` data-space
    polylines: markers and lines not to write over); returns how many found no room.

    Call after everything else is drawn: it draws the figure once to fix layout and limits.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    blocked = _display_samples(ax, avoid or [])
    placed: list[Bbox] = []
    skipped = 0
    for x, y, label in items:
        for dx, dy in offsets:
            text = ax.annotate(
                label,
                xy=(x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha="right" if dx < 0 else "left",
                va="top" if dy < 0 else "bottom",
                fontsize=fontsize,
                color="0.15",
                # A leader line once the label sits away from its point.
                arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.5} if abs(dy) > 10 else None,
            )
            text.set_in_layout(False)  # a label must not move the axes it was placed in
            # The text alone: an annotation's own extent includes its leader line.
            text.update_positions(renderer)
            box = Text.get_window_extent(text, renderer).expanded(1.04, 1.1)
            fits = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            covers = (
                (blocked[:, 0] > box.x0)
                & (blocked[:, 0] < box.x1)
                & (blocked[:, 1] > box.y0)
                & (blocked[:, 1] < box.y1)
            ).any()
            if fits and not covers and not any(box.overlaps(b) for b in placed):
                placed.append(box)
                break
            text.remove()
        else:
            skipped += 1
    return skipped


def _display_samples(ax: Axes, polylines: list[np.ndarray], step_px: float = 3.0) -> np.ndarray:
    """Pixel positions along each polyline, every ``step_px``, so a text box can be tested
    against a line as well as against its vertices (a single point is its own polyline)."""
    samples = [np.empty((0, 2))]
    for line in polylines:
        px = ax.transData.transform(np.asarray(line, dtype=np.float64).reshape(-1, 2))
        px = px[np.isfinite(px).all(axis=1)]  # e.g. a point at MAdd 0 on a log axis
        samples.append(px)
        for a, b in pairwise(px):
            n = int(np.hypot(*(b - a)) // step_px)
            if n > 1:
                samples.append(a + np.linspace(0, 1, n)[:, None] * (b - a))
    return np.vstack(samples)
