"""The frontier as JSON: every trained model, the hull, its eps-band and the hull's history.

Points come from the store's scalar columns (``StoreReader.trained_rows``), not from decoded
job records, so a 10^4-job run answers in tens of milliseconds; the hull and the band are
``archsearch.hull``'s, the same math the strategy and the plots use.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
from matplotlib.colors import to_hex

from archsearch.experiment.history import TRAINED_STAGES
from archsearch.hull import band_mask, lower_convex_hull
from archsearch.store import StoreReader
from archsearch.viz.canvas import BAND_COLOR, GROWN_COLOR, HULL_COLOR, SEED_COLOR
from archsearch.viz.frontier import hull_curve
from archsearch.viz.records import SEED_STAGE, TrialPoint

FIELDS = tuple(f.name for f in fields(TrialPoint))
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


def trained_columns(store: StoreReader, start_time: float) -> dict[str, list[Any]]:
    """Every trained model a log-MAdd plot can show (``viz.records.plottable``'s rule: finite
    error, finite positive MAdd), as one list per ``TrialPoint`` field plus ``seed``. Columns,
    not records: for 10^4 models this is what keeps the frontier within its 200 ms."""
    rows = store.trained_rows(tuple(s.value for s in TRAINED_STAGES))
    if not rows:
        return {field: [] for field in (*FIELDS, "seed")}
    job_id, stage, parent_id, madd, params, error, finished, test_error, label = zip(
        *rows, strict=True
    )
    madds, errors = np.array(madd, dtype=float), np.array(error, dtype=float)
    keep = np.flatnonzero(np.isfinite(madds) & np.isfinite(errors) & (madds > 0)).tolist()
    columns = {
        "job_id": [job_id[i] for i in keep],
        "stage": [stage[i] for i in keep],
        "madd": madds[keep].tolist(),
        "params": [int(params[i] or 0) for i in keep],
        "error": errors[keep].tolist(),
        "label": [label[i] for i in keep],
        "finished_s": [(finished[i] or start_time) - start_time for i in keep],
        "parent_id": [parent_id[i] for i in keep],
        "test_error": [test_error[i] for i in keep],
    }
    columns["seed"] = [s == SEED_STAGE for s in columns["stage"]]
    return columns


def trained_points(store: StoreReader, start_time: float) -> list[TrialPoint]:
    """The same models as plot records (what ``experiment.compare`` takes)."""
    columns = trained_columns(store, start_time)
    return [TrialPoint(**{f: columns[f][i] for f in FIELDS}) for i in range(len(columns["job_id"]))]


def frontier_doc(store: StoreReader, eps: float, start_time: float) -> dict[str, Any]:
    """Columns of every point (compact for 10^4 points), the hull's job ids in MAdd order, the
    band's job ids, the hull and band edge as dense polylines (straight in linear MAdd, so
    curved on the page's log axis), parent -> child links, and the best model."""
    points = trained_columns(store, start_time)
    ids = points["job_id"]
    xy = np.column_stack([points["madd"], points["error"]]).reshape(-1, 2)
    hull = lower_convex_hull(xy)
    curve: dict[str, list[float]] = {"madd": [], "hull": [], "band": []}
    best = None
    if len(ids):
        xs, ys = hull_curve(xy, float(xy[:, 0].max()))
        curve = {"madd": xs.tolist(), "hull": ys.tolist(), "band": ((1 + eps) * ys).tolist()}
        i = int(np.lexsort((xy[:, 0], xy[:, 1]))[0])  # least error, then least MAdd
        best = {f: points[f][i] for f in FIELDS}
    trained = set(ids)
    return {
        "eps": eps,
        "colors": COLORS,
        "points": points,
        "hull": [ids[i] for i in hull],
        "band": [ids[i] for i in np.flatnonzero(band_mask(xy, eps))],
        "curve": curve,
        # Lineage drawn on the plot: both ends must be trained models.
        "links": [[p, c] for p, c in zip(points["parent_id"], ids, strict=True) if p in trained],
        "best": best,
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
