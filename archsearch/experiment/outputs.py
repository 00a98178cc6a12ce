"""What a run leaves for people: hull.json, best/<k>/ exported models, and frontier plots.

Everything here is derived from recorded jobs (the store's rows, cached in a JobHistory), never
from live strategy objects, so `archsearch plot` redraws the same pictures from a finished run.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from archsearch.experiment.history import JobHistory
from archsearch.experiment.hull_file import HULL_FILE
from archsearch.hull import eps_band, lower_convex_hull
from archsearch.jobs.spec import JobResult, JobSpec
from archsearch.store.files import write_text_atomic
from archsearch.viz import plot_all
from archsearch.viz.records import TrialPoint

log = logging.getLogger(__name__)


def trial_points(history: JobHistory, start_time: float) -> list[TrialPoint]:
    """Plot records of every trained model."""
    return [
        TrialPoint(
            job_id=spec.job_id,
            stage=spec.stage.value,
            madd=res.madd,
            params=int(res.params or 0),
            error=res.error_rate,
            label=(res.model_desc or spec.model_desc).label(),
            finished_s=(res.finished_at or start_time) - start_time,
            parent_id=spec.parent_id,
        )
        for spec, res in history.trained()
    ]


def hull_members(
    trained: list[tuple[JobSpec, JobResult]], eps: float
) -> tuple[list[int], list[int]]:
    """Indices into ``trained`` of the hull (sorted by MAdd) and of its eps-band."""
    if not trained:
        return [], []
    points = np.array([[r.madd, r.error_rate] for _, r in trained], dtype=float)
    return [int(i) for i in lower_convex_hull(points)], [int(i) for i in eps_band(points, eps)]


def _entry(spec: JobSpec, res: JobResult) -> dict[str, Any]:
    desc = res.model_desc or spec.model_desc
    return {
        "job_id": spec.job_id,
        "stage": spec.stage.value,
        "label": desc.label(),
        "madd": res.madd,
        "params": res.params,
        "error": res.error_rate,
        "val_top1": res.metrics.get("val_top1"),
        "parent_id": spec.parent_id,
        "weights": res.weights_path,
        "model_desc": desc.to_dict(),
    }


def write_hull_json(run_dir: Path, history: JobHistory, eps: float) -> list[dict[str, Any]]:
    trained = history.trained()
    hull, band = hull_members(trained, eps)
    entries = [_entry(*trained[i]) for i in hull]
    doc = {
        "eps": eps,
        "hull": entries,
        "band": [trained[i][0].job_id for i in band],
        "trained": len(trained),
    }
    write_text_atomic(run_dir / HULL_FILE, json.dumps(doc, indent=1))
    return entries


def export_best(run_dir: Path, hull: list[dict[str, Any]]) -> None:
    """best/<k>/model.json + weights.pt for each hull point, k in MAdd order."""
    best = run_dir / "best"
    if best.exists():
        shutil.rmtree(best)
    for k, entry in enumerate(hull):
        folder = best / str(k)
        folder.mkdir(parents=True)
        summary = {key: entry[key] for key in ("job_id", "label", "madd", "params", "error")}
        write_text_atomic(folder / "model.json", json.dumps(entry["model_desc"], indent=1))
        write_text_atomic(folder / "summary.json", json.dumps(summary, indent=1))
        weights = run_dir / entry["weights"] if entry["weights"] else None  # run-dir relative
        if weights and weights.exists():
            shutil.copyfile(weights, folder / "weights.pt")


def draw_plots(run_dir: Path, history: JobHistory, eps: float, start_time: float) -> None:
    plot_all(trial_points(history, start_time), run_dir / "plots", eps)
