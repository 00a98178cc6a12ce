"""The error-vs-MAdd frontier: pure numpy math for Petridish and for plots (no torch, no ray).

``lower_convex_hull`` (monotone, as archai), ``eps_band``, ``sample_parent``, ``pareto_front``,
``hypervolume_2d`` and the ``Hull`` pool a strategy keeps in its ``state_dict()``.
"""

from archsearch.hull.frontier import (
    band_mask,
    eps_band,
    hull_error_at,
    lower_convex_hull,
    pareto_front,
)
from archsearch.hull.hypervolume import hypervolume_2d, normalized_hypervolume
from archsearch.hull.sampling import parent_weights, sample_parent
from archsearch.hull.state import Hull

__all__ = [
    "Hull",
    "band_mask",
    "eps_band",
    "hull_error_at",
    "hypervolume_2d",
    "lower_convex_hull",
    "normalized_hypervolume",
    "parent_weights",
    "pareto_front",
    "sample_parent",
]
