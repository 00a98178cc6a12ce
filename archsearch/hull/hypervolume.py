"""Hypervolume (dominated area) of a set of (madd, error) points, for comparing runs.

``hypervolume_2d`` is the raw area in (madd, error) units. Raw MAdd spans orders of magnitude,
so the area is ruled by the largest models and the value depends on the reference point's
MAdd; to compare runs use ``normalized_hypervolume``: MAdd on a log10 scale (each decade
counts the same, as on the frontier plot) and the area divided by that of the box between an
``ideal`` point and ``ref``, giving a number in [0, 1]. Compare runs only with the same
``ref`` and ``ideal``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from archsearch.hull.frontier import as_points, pareto_front


def hypervolume_2d(points: ArrayLike, ref: tuple[float, float]) -> float:
    """Area dominated by ``points`` and bounded by ``ref = (madd_ref, error_ref)``.

    Only points strictly better than ``ref`` on both axes contribute; an empty set gives 0.
    """
    pts = as_points(points)
    ref_madd, ref_err = float(ref[0]), float(ref[1])
    pts = pts[(pts[:, 0] < ref_madd) & (pts[:, 1] < ref_err)]
    if len(pts) == 0:
        return 0.0
    front = pts[pareto_front(pts)]  # MAdd rising, error falling (duplicates add zero width)
    widths = np.diff(np.append(front[:, 0], ref_madd))
    return float(np.sum(widths * (ref_err - front[:, 1])))


def normalized_hypervolume(
    points: ArrayLike,
    ref: tuple[float, float],
    ideal: tuple[float, float],
    log_madd: bool = True,
) -> float:
    """Hypervolume as a fraction of the box from ``ideal`` to ``ref``, in [0, 1].

    With ``log_madd`` (the default) MAdd is measured in log10 units, so MAdd values and both
    corners must be positive. Points better than ``ideal`` are clipped to it.
    """
    pts = as_points(points)
    lo, hi = np.array(ideal, dtype=np.float64), np.array(ref, dtype=np.float64)
    if not (lo < hi).all():
        raise ValueError(f"ideal must be below ref on both axes; got ideal={ideal}, ref={ref}")
    if log_madd:
        if lo[0] <= 0 or (pts[:, 0] <= 0).any():
            raise ValueError("log_madd needs positive MAdd in the points and in ideal")
        pts = np.column_stack([np.log10(pts[:, 0]), pts[:, 1]])
        lo[0], hi[0] = np.log10(lo[0]), np.log10(hi[0])
    clipped = np.maximum(pts, lo)
    box = float(np.prod(hi - lo))
    return hypervolume_2d(clipped, (hi[0], hi[1])) / box
