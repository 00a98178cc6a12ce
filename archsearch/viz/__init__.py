"""Plots of a search, drawn from plain ``TrialPoint`` records (never from live objects).

``plot_all`` writes what ``runs/<name>/plots/`` holds: frontier.png, pool.png, seed_stats.png.
Every file is written atomically, so a plot can be refreshed while someone looks at it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from archsearch.viz.compare import plot_comparison
from archsearch.viz.frontier import plot_frontier
from archsearch.viz.pool import PoolSeries, plot_pool, plot_seed_stats
from archsearch.viz.records import RetrainPoint, TrialPoint
from archsearch.viz.retrain import plot_retrain

logger = logging.getLogger(__name__)

__all__ = [
    "PoolSeries",
    "RetrainPoint",
    "TrialPoint",
    "plot_all",
    "plot_comparison",
    "plot_frontier",
    "plot_pool",
    "plot_retrain",
    "plot_seed_stats",
]


def plot_all(
    points: list[TrialPoint],
    plots_dir: str | os.PathLike[str],
    eps: float,
    pool: PoolSeries | None = None,
    total: int | None = None,
    seed_stats: bool = True,
) -> list[Path]:
    """Write frontier.png, pool.png and (with ``seed_stats``) seed_stats.png into
    ``plots_dir``; return their paths. ``points`` may be a sample of ``total`` models
    (``plot_frontier`` says so); ``pool``: the run's growth, else computed from ``points``."""
    plots_dir = Path(plots_dir)
    paths = [
        plot_frontier(points, plots_dir / "frontier.png", eps, total=total),
        plot_pool(points, plots_dir / "pool.png", pool),
    ]
    if seed_stats:
        paths.append(plot_seed_stats(points, plots_dir / "seed_stats.png"))
    logger.debug("wrote %d plots of %d models to %s", len(paths), len(points), plots_dir)
    return paths
