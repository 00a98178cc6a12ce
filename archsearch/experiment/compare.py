"""Several runs side by side: one frontier plot and the numbers that rank them.

Hypervolume is normalised inside one box shared by all compared runs (log10 MAdd from half the
smallest to twice the largest MAdd, error from 0 to the largest error), the same box
``viz.plot_comparison`` uses, so the numbers printed and plotted agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from archsearch.errors import NothingTrainedError
from archsearch.experiment.history import JobHistory
from archsearch.experiment.outputs import trial_points
from archsearch.hull import hull_error_at, lower_convex_hull, normalized_hypervolume
from archsearch.store import ReadOnlyStore
from archsearch.viz import plot_comparison
from archsearch.viz.records import TrialPoint


def load_points(run_dir: Path) -> list[TrialPoint]:
    store = ReadOnlyStore(run_dir / "experiment.db")
    history = JobHistory()
    history.load(store)
    return trial_points(history, float(store.get_meta("created_at") or 0.0))


def hull_errors(points: list[TrialPoint], madds: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """The validation error of the points' hull at each MAdd, and the test error of the same
    hull (chosen on validation error): its vertices' test errors, interpolated alike. +inf left
    of the cheapest point or with no points; the test error is nan where a vertex has none."""
    pts = np.array([[p.madd, p.error] for p in points]).reshape(-1, 2)
    if not len(pts):
        return np.full(len(madds), np.inf), np.full(len(madds), np.inf)
    vertices = lower_convex_hull(pts)
    tests = [points[i].test_error for i in vertices]
    test = np.array([np.nan if t is None else t for t in tests], dtype=np.float64)
    at = np.array(madds)
    # hull_error_at's interpolation, which refuses a missing (nan) error, for the test errors
    test_at = np.interp(at, pts[vertices, 0], test, left=np.inf, right=test[-1])
    return hull_error_at(pts[vertices], at), test_at


def compare_runs(
    run_dirs: list[Path], plot_path: Path, madd_levels: list[float] | None = None
) -> list[dict[str, Any]]:
    """Per run: normalised hypervolume, best error, error of its hull at each MAdd level
    (None left of its cheapest model), the same hull's test error there and the test error of
    the model with the best validation error (None without a test split); and the comparison
    plot at ``plot_path``."""
    runs = {str(d): load_points(d) for d in run_dirs}
    rows = comparison_rows(runs, madd_levels)
    plot_comparison(runs, plot_path)
    return rows


def comparison_rows(
    runs: dict[str, list[TrialPoint]], madd_levels: list[float] | None = None
) -> list[dict[str, Any]]:
    """``compare_runs``'s numbers from the runs' points (by run name), without the plot."""
    every = [p for points in runs.values() for p in points]
    if not every:
        raise NothingTrainedError(
            f"nothing to compare: no run of {', '.join(runs)} has a trained model yet"
        )
    madds = np.array([p.madd for p in every])
    errors = np.array([p.error for p in every])
    ideal = (float(madds.min()) / 2, 0.0)
    ref = (float(madds.max()) * 2, max(float(errors.max()), 1e-9))
    levels = madd_levels or [float(x) for x in np.geomspace(madds.min(), madds.max(), 3)]
    rows = []
    for name, points in runs.items():
        pts = np.array([[p.madd, p.error] for p in points]).reshape(-1, 2)
        at, test_at = hull_errors(points, levels)
        best = min(points, key=lambda p: p.error) if points else None
        rows.append(
            {
                "run": name,
                "trained": len(points),
                "hypervolume": normalized_hypervolume(pts, ref, ideal) if len(pts) else 0.0,
                "best_error": float(pts[:, 1].min()) if len(pts) else None,
                "error_at": {
                    f"{m:.3g}": (None if not np.isfinite(e) else float(e))
                    for m, e in zip(levels, at, strict=True)
                },
                "best_test_error": None if best is None else best.test_error,
                "test_error_at": {
                    f"{m:.3g}": (None if not np.isfinite(e) else float(e))
                    for m, e in zip(levels, test_at, strict=True)
                },
            }
        )
    return rows


def format_comparison(rows: list[dict[str, Any]]) -> str:
    levels = list(rows[0]["error_at"]) if rows else []
    head = f"{'run':<32} {'trained':>7} {'hypervol':>9} {'best err':>9}" + "".join(
        f" {'err@' + m:>12}" for m in levels
    )
    lines = [head]
    for r in rows:
        best = "-" if r["best_error"] is None else f"{r['best_error']:.4f}"
        cells = "".join(f" {'-' if v is None else f'{v:.4f}':>12}" for v in r["error_at"].values())
        lines.append(
            f"{r['run'][-32:]:<32} {r['trained']:>7} {r['hypervolume']:>9.4f} {best:>9}{cells}"
        )
    return "\n".join(lines)
