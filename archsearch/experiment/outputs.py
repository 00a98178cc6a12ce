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
from archsearch.viz import plot_all, plot_retrain
from archsearch.viz.records import RetrainPoint, TrialPoint

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
            test_error=test_error(res),
        )
        for spec, res in history.trained()
    ]


def retrain_points(history: JobHistory) -> list[RetrainPoint]:
    """Plot records of every retrained model beside its search-time numbers."""
    points = []
    for of, (spec, res) in sorted(history.retrained().items()):
        before = history.results[of]
        points.append(
            RetrainPoint(
                job_id=spec.job_id,
                of_job=of,
                label=(res.model_desc or spec.model_desc).label(),
                madd=res.madd,
                search_error=before.error_rate,
                search_test_error=test_error(before),
                error=res.error_rate,
                test_error=test_error(res),
            )
        )
    return points


def test_error(result: JobResult) -> float | None:
    """1 - top-1 on the test split, which no search decision sees (None without one)."""
    top1 = result.metrics.get("test_top1")
    return None if top1 is None else 1.0 - top1


def hull_members(
    trained: list[tuple[JobSpec, JobResult]], eps: float
) -> tuple[list[int], list[int]]:
    """Indices into ``trained`` of the hull (sorted by MAdd) and of its eps-band."""
    if not trained:
        return [], []
    points = np.array([[r.madd, r.error_rate] for _, r in trained], dtype=float)
    return [int(i) for i in lower_convex_hull(points)], [int(i) for i in eps_band(points, eps)]


def _retrain_entry(spec: JobSpec, res: JobResult) -> dict[str, Any]:
    return {
        "job_id": spec.job_id,
        "epochs": spec.train_conf.get("epochs"),
        "madd": res.madd,
        "params": res.params,
        "error": res.error_rate,
        "test_error": test_error(res),
        "weights": res.weights_path,
    }


def _entry(
    spec: JobSpec, res: JobResult, retrained: tuple[JobSpec, JobResult] | None
) -> dict[str, Any]:
    desc = res.model_desc or spec.model_desc
    return {
        "job_id": spec.job_id,
        "stage": spec.stage.value,
        "label": desc.label(),
        "madd": res.madd,
        "params": res.params,
        "error": res.error_rate,  # validation error of the saved (best-epoch) weights
        "test_error": test_error(res),
        "val_top1": res.metrics.get("val_top1"),
        "best_epoch": None if "best_epoch" not in res.metrics else int(res.metrics["best_epoch"]),
        "parent_id": spec.parent_id,
        "weights": res.weights_path,
        "retrain": _retrain_entry(*retrained) if retrained else None,
        "model_desc": desc.to_dict(),
    }


def write_hull_json(run_dir: Path, history: JobHistory, eps: float) -> list[dict[str, Any]]:
    """The hull (chosen on validation error) with test errors and retrained numbers."""
    trained = history.trained()
    hull, band = hull_members(trained, eps)
    retrained = history.retrained()
    entries = [_entry(*trained[i], retrained.get(trained[i][0].job_id)) for i in hull]
    doc = {
        "eps": eps,
        "hull": entries,
        "band": [trained[i][0].job_id for i in band],
        "trained": len(trained),
    }
    write_text_atomic(run_dir / HULL_FILE, json.dumps(doc, indent=1))
    return entries


def export_best(run_dir: Path, hull: list[dict[str, Any]]) -> None:
    """best/<k>/model.json + weights.pt (+ retrained.pt) for each hull point, k in MAdd order."""
    best = run_dir / "best"
    if best.exists():
        shutil.rmtree(best)
    keys = ("job_id", "label", "madd", "params", "error", "test_error", "best_epoch", "retrain")
    for k, entry in enumerate(hull):
        folder = best / str(k)
        folder.mkdir(parents=True)
        summary = {key: entry[key] for key in keys}
        write_text_atomic(folder / "model.json", json.dumps(entry["model_desc"], indent=1))
        write_text_atomic(folder / "summary.json", json.dumps(summary, indent=1))
        retrained = (entry["retrain"] or {}).get("weights")
        # Weights paths are relative to the run dir.
        for name, relative in (("weights.pt", entry["weights"]), ("retrained.pt", retrained)):
            if relative and (run_dir / relative).exists():
                shutil.copyfile(run_dir / relative, folder / name)


def draw_plots(run_dir: Path, history: JobHistory, eps: float, start_time: float) -> None:
    plot_all(trial_points(history, start_time), run_dir / "plots", eps)
    retrained = retrain_points(history)
    if retrained:
        plot_retrain(retrained, run_dir / "plots" / "retrain.png")
