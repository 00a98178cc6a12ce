"""Choosing the next parent to grow from the eps-band of the hull.

The weight of band member ``i`` is::

    w_i = 1 / (1 + times_sampled_i)  *  (1 + log10(madd_i / madd_min)) ** -madd_weight

where ``madd_min`` is the smallest positive MAdd among the eligible band members (a MAdd of 0
or less, a profiling failure, counts as ``madd_min`` rather than crashing a search).

The first factor spreads growth over the frontier (a point grown often yields to one never
grown); the second favours cheaper parents, whose children train faster, but only
logarithmically: with the default ``madd_weight = 1`` a parent 10x larger has half the weight
and one 100x larger a third, so the expensive end of the frontier keeps being grown on any
budget (a plain ``madd_min / madd_i`` would starve it). ``madd_weight = 0`` ignores MAdd. Petridish
takes it from ``strategy.madd_weight``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from archsearch.hull.frontier import as_points, band_mask


def parent_weights(
    points: ArrayLike,
    eps: float,
    times_sampled: ArrayLike,
    madd_weight: float = 1.0,
    exclude: ArrayLike | None = None,
    band: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Unnormalised sampling weight of every point; zero outside the band or when excluded.

    ``exclude`` is a boolean mask of points that shape the hull but must not be grown (e.g.
    those at or above ``max_madd``). ``band``: the eps-band as a mask, where the caller keeps
    it (``Hull`` does); else it is computed, O(n log n) in Python.
    """
    pts = as_points(points)
    counts = np.asarray(times_sampled, dtype=np.float64)
    if counts.shape != (len(pts),) or (counts < 0).any():
        raise ValueError(f"times_sampled must be {len(pts)} counts >= 0; got {counts!r}")
    if madd_weight < 0:
        raise ValueError(f"madd_weight must be >= 0; got {madd_weight}")
    eligible = band_mask(pts, eps) if band is None else np.array(band, dtype=bool)
    if eligible.shape != (len(pts),):
        raise ValueError(f"band must be a mask of {len(pts)} booleans; got {eligible.shape}")
    if exclude is not None:
        excluded = np.asarray(exclude, dtype=bool)
        if excluded.shape != (len(pts),):
            raise ValueError(f"exclude must be a mask of {len(pts)} booleans; got {excluded.shape}")
        eligible &= ~excluded
    weights = np.zeros(len(pts))
    if not eligible.any():
        return weights
    madd = pts[eligible, 0]
    positive = madd[madd > 0]
    floor = positive.min() if len(positive) else 1.0
    madd = np.maximum(madd, floor)
    cost = (1.0 + np.log10(madd / floor)) ** -madd_weight
    weights[eligible] = cost / (1.0 + counts[eligible])
    return weights


def sample_parent(
    points: ArrayLike,
    eps: float,
    times_sampled: ArrayLike,
    rng: np.random.Generator,
    madd_weight: float = 1.0,
    exclude: ArrayLike | None = None,
    band: ArrayLike | None = None,
) -> int | None:
    """Index of a band member drawn with ``parent_weights``; deterministic given ``rng``.

    None when no point is eligible (empty input, or every band member excluded): the search
    has nothing left to grow. The caller increments ``times_sampled`` of the pick.
    """
    weights = parent_weights(points, eps, times_sampled, madd_weight, exclude, band)
    total = weights.sum()
    if not total > 0:
        return None
    return int(rng.choice(len(weights), p=weights / total))
