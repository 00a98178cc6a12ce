"""The error-vs-MAdd frontier: Pareto front, monotone lower convex hull and its eps-band.

Points are rows ``(madd, error)`` with error = 1 - validation top-1; lower is better on both axes.
Every function takes an ``(n, 2)`` array-like and returns indices into it, so callers keep their
own ids alongside. Pure numpy: no torch, no ray.

Conventions (the tests pin them):
- The hull is *monotone*, as archai makes it: vertices right of the minimum-error vertex (the
  rising tail) are dropped, so the frontier never goes up with MAdd. Where several points share
  the minimum error, the one with the smallest MAdd ends the hull.
- Collinear middle points (to a relative 1e-14, so decimal rounding does not matter) are *not*
  hull vertices (the hull is strictly convex); they lie on it, so they are always in the band.
- Exact duplicates give one vertex, the lowest index. ``pareto_front`` keeps every copy.
- ``hull_error_at`` is ``+inf`` left of the first vertex (nothing supports the frontier there,
  so any point would be on it) and the last vertex's error right of the last vertex (flat).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Slack when testing "on or below the band": interpolation rounds (to ~1e-16 of the error
# scale, which is 1), and a collinear point exactly on the hull must never fall out of the band
# because of it; real errors differ by far more than 1e-12.
_BAND_TOL = 1e-12
# Three points count as collinear when their cross product is within this fraction of its
# terms: errors such as 0.4, 0.3, 0.2 are not exactly collinear in binary, and a middle point
# off the line by 1e-14 of the error range is no vertex worth growing.
_COLLINEAR_RTOL = 1e-14


def as_points(points: ArrayLike) -> NDArray[np.float64]:
    """``points`` as a float ``(n, 2)`` array; raises ValueError on another shape or non-finite."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2) as (madd, error); got {arr.shape}")
    if not np.isfinite(arr).all():
        bad = arr[~np.isfinite(arr).all(axis=1)][0]
        raise ValueError(f"points must be finite; got (madd, error) = {tuple(bad)}")
    return arr


def pareto_front(points: ArrayLike) -> NDArray[np.intp]:
    """Indices of the non-dominated points (minimising both), sorted by MAdd then error.

    A point is dominated when another is no worse on both axes and better on one; exact
    duplicates do not dominate each other, so every copy of a front point is returned.
    """
    pts = as_points(points)
    if len(pts) == 0:
        return np.empty(0, dtype=np.intp)
    # A plain (unstable) argsort is 3x faster than lexsort on 10^5 rows; ties are settled by
    # index below, on the few points that survive.
    order = np.argsort(pts[:, 0])
    madd, err = pts[order, 0], pts[order, 1]
    new_group = np.ones(len(madd), dtype=bool)
    new_group[1:] = madd[1:] != madd[:-1]
    group = np.cumsum(new_group) - 1
    group_best = np.minimum.reduceat(err, np.flatnonzero(new_group))
    # Best error among points with strictly smaller MAdd, per group.
    best_left = np.concatenate(([np.inf], np.minimum.accumulate(group_best)[:-1]))
    keep = order[(err == group_best[group]) & (err < best_left[group])]
    # Survivors of one MAdd share its best error, so (madd, index) is (madd, error, index).
    return keep[np.lexsort((keep, pts[keep, 0]))]


def lower_convex_hull(points: ArrayLike) -> NDArray[np.intp]:
    """Indices of the vertices of the monotone lower convex hull, sorted by MAdd.

    Error is strictly decreasing along the result. Every vertex is on the Pareto front, so the
    scan runs only over the front (usually a few dozen points even for 10^5 inputs).
    """
    front = pareto_front(points)
    if len(front) == 0:
        return front
    pts = as_points(points)[front]
    # Drop repeated copies: the front is sorted, so a copy follows its original.
    distinct = np.ones(len(front), dtype=bool)
    distinct[1:] = np.any(pts[1:] != pts[:-1], axis=1)
    front, pts = front[distinct], pts[distinct]
    # On the de-duplicated front MAdd strictly rises and error strictly falls, so Andrew's
    # monotone chain over it gives exactly the monotone lower hull (no rising tail exists).
    xs, ys = pts[:, 0].tolist(), pts[:, 1].tolist()
    stack: list[int] = []
    for i in range(len(xs)):
        x3, y3 = xs[i], ys[i]
        while len(stack) >= 2:
            a, b = stack[-2], stack[-1]
            turn = (xs[b] - xs[a]) * (y3 - ys[a])
            back = (ys[b] - ys[a]) * (x3 - xs[a])
            if turn - back > _COLLINEAR_RTOL * (abs(turn) + abs(back)):
                break  # strict left turn: b stays; a (near-)collinear b is removed
            stack.pop()
        stack.append(i)
    return front[np.asarray(stack, dtype=np.intp)]


def hull_error_at(hull_points: ArrayLike, madd: ArrayLike) -> NDArray[np.float64]:
    """The hull's error at ``madd`` by linear interpolation between vertices.

    ``hull_points`` are the vertices sorted by MAdd (``points[lower_convex_hull(points)]``).
    Left of the first vertex: ``+inf``; right of the last: the last vertex's error. An empty
    hull gives ``+inf`` everywhere. Returns an array shaped like ``madd``.
    """
    hull = as_points(hull_points)
    x = np.asarray(madd, dtype=np.float64)
    if len(hull) == 0:
        return np.full_like(x, np.inf)
    return np.interp(x, hull[:, 0], hull[:, 1], left=np.inf, right=hull[-1, 1])


def band_mask(points: ArrayLike, eps: float) -> NDArray[np.bool_]:
    """Boolean mask of ``eps_band`` membership, aligned with ``points``."""
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0 (relative band width); got {eps}")
    pts = as_points(points)
    if len(pts) == 0:
        return np.zeros(0, dtype=bool)
    return in_band(pts[:, 1], hull_error_at(pts[lower_convex_hull(pts)], pts[:, 0]), eps)


def in_band(error: ArrayLike, hull_error: ArrayLike, eps: float) -> NDArray[np.bool_]:
    """Whether ``error`` is within the eps-band over a hull whose error there is ``hull_error``
    (elementwise): the one test ``band_mask`` and the incremental ``Hull`` share."""
    limit = (1.0 + eps) * np.asarray(hull_error, dtype=np.float64)
    return np.asarray(error) <= limit + _BAND_TOL * np.maximum(np.abs(limit), 1.0)


def eps_band(points: ArrayLike, eps: float) -> NDArray[np.intp]:
    """Indices (ascending) of points with ``error <= (1 + eps) * hull error at their MAdd``.

    Multiplicative, as archai: ``eps = 0.025`` admits a point 2.5 % worse than the hull. Hull
    vertices, collinear points and duplicates on the hull are always members.
    """
    return np.flatnonzero(band_mask(points, eps))
