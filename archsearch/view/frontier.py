"""The frontier as JSON: every trained model, the hull, its eps-band and the hull's history.

Points come from the store's scalar columns (``StoreReader.trained_rows``), not from decoded
job records, so a 10^4-job run answers in tens of milliseconds; the hull and the band are
``archsearch.hull``'s, the same math the strategy and the plots use.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.colors import to_hex

from archsearch.experiment.history import TRAINED_STAGES
from archsearch.hull import band_mask, lower_convex_hull
from archsearch.space.desc import macro_label
from archsearch.store import StoreReader
from archsearch.viz.canvas import BAND_COLOR, GROWN_COLOR, HULL_COLOR, SEED_COLOR
from archsearch.viz.frontier import hull_curve
from archsearch.viz.records import TrialPoint, as_xy, plottable

# The PNG plots' colours, so the page and plots/frontier.png read alike.
COLORS = {
    name: to_hex(color)
    for name, color in (
        ("seed", SEED_COLOR),
        ("grown", GROWN_COLOR),
        ("hull", HULL_COLOR),
        ("band", BAND_COLOR),
    )
}


def trained_points(store: StoreReader, start_time: float) -> list[TrialPoint]:
    """The plot records of every trained model a log-MAdd plot can show."""
    rows = store.trained_rows(tuple(s.value for s in TRAINED_STAGES))
    return plottable(
        [
            TrialPoint(
                job_id=r["job_id"],
                stage=r["stage"],
                madd=r["madd"],
                params=int(r["params"] or 0),
                error=r["error_rate"],
                label=macro_label(r["macro"], r["n_cells"] or 0),
                finished_s=(r["finished_at"] or start_time) - start_time,
                parent_id=r["parent_id"],
            )
            for r in rows
        ]
    )


def frontier_doc(store: StoreReader, eps: float, start_time: float) -> dict[str, Any]:
    """Columns of every point (one list per field: compact for 10^4 points), the hull's job
    ids in MAdd order, the band's job ids, the hull and band edge as dense polylines (straight
    in linear MAdd, so curved on the page's log axis), and parent -> child links."""
    points = trained_points(store, start_time)
    xy = as_xy(points)
    hull = lower_convex_hull(xy)
    ids = [p.job_id for p in points]
    trained = set(ids)
    curve: dict[str, list[float]] = {"madd": [], "hull": [], "band": []}
    if len(points):
        xs, ys = hull_curve(xy, float(xy[:, 0].max()))
        curve = {"madd": xs.tolist(), "hull": ys.tolist(), "band": ((1 + eps) * ys).tolist()}
    best = min(points, key=lambda p: (p.error, p.madd), default=None)
    return {
        "eps": eps,
        "colors": COLORS,
        "points": {
            "job_id": ids,
            "stage": [p.stage for p in points],
            "seed": [p.is_seed for p in points],
            "madd": xy[:, 0].tolist(),
            "error": xy[:, 1].tolist(),
            "params": [p.params for p in points],
            "label": [p.label for p in points],
            "parent_id": [p.parent_id for p in points],
            "finished_s": [p.finished_s for p in points],
        },
        "hull": [ids[i] for i in hull],
        "band": [ids[i] for i in np.flatnonzero(band_mask(xy, eps))],
        "curve": curve,
        # Lineage drawn on the plot: both ends must be trained models.
        "links": [[p.parent_id, p.job_id] for p in points if p.parent_id in trained],
        "best": None if best is None else best.to_dict(),
    }


def hull_history_doc(store: StoreReader, start_time: float) -> list[dict[str, Any]]:
    """Every hull snapshot the driver recorded: seconds since the run's start, its vertices, and
    its polyline drawn out to the largest MAdd any snapshot reached."""
    history = store.hull_history()
    right = max((p["madd"] for h in history for p in h["points"]), default=0.0)
    docs = []
    for h in history:
        xy = np.array([[p["madd"], p["error"]] for p in h["points"]], dtype=float).reshape(-1, 2)
        xs, ys = hull_curve(xy, right) if len(xy) else (np.empty(0), np.empty(0))
        docs.append(
            {
                "version": h["version"],
                "t": h["at"] - start_time,
                "job_id": [p["job_id"] for p in h["points"]],
                "madd": xy[:, 0].tolist(),
                "error": xy[:, 1].tolist(),
                "curve": {"madd": xs.tolist(), "hull": ys.tolist()},
            }
        )
    return docs
