"""What a run leaves for people: hull.json, best/<k>/ exported models, and frontier plots.

Everything here is derived from recorded jobs (the store's rows, cached in a JobHistory), never
from live strategy objects, so `archsearch plot` redraws the same pictures from a finished run.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from archsearch.experiment.history import JobHistory
from archsearch.experiment.hull_file import HULL_FILE
from archsearch.jobs.spec import JobResult, JobSpec
from archsearch.store.files import write_text_atomic
from archsearch.viz import PoolSeries, plot_all, plot_retrain
from archsearch.viz.records import RetrainPoint, TrialPoint

log = logging.getLogger(__name__)


# Models drawn in frontier.png beyond the hull, the band and the seeds: a uniform sample of the
# rest (evenly spaced in the order they finished), so a refresh costs the same at 10^3 and 10^5
# models and the cloud's density still reads true. The band is capped alike.
PLOT_SAMPLE = 2000
# Moments of the run that pool.png draws (each exact: the history keeps every model's numbers).
POOL_MOMENTS = 2000


def trial_points(
    history: JobHistory, start_time: float, rows: Iterable[int] | None = None
) -> list[TrialPoint]:
    """Plot records of every trained model (or of those at ``rows`` of the frontier)."""
    records = history.trained_records
    chosen = records if rows is None else [records[i] for i in rows]
    return [
        TrialPoint(
            job_id=r.job_id,
            stage=r.stage,
            madd=r.madd,
            params=r.params,
            error=r.error,
            label=r.label,
            finished_s=(r.finished_at or start_time) - start_time,
            parent_id=r.parent_id,
            test_error=r.test_error,
        )
        for r in chosen
    ]


def evenly(rows: np.ndarray, k: int) -> np.ndarray:
    """At most ``k`` of ``rows``, evenly spaced, the first and last among them."""
    if len(rows) <= k:
        return rows
    return rows[np.unique(np.linspace(0, len(rows) - 1, k).round().astype(int))]


def plot_rows(history: JobHistory, eps: float) -> np.ndarray:
    """Rows of the trained models frontier.png draws: every hull vertex and seed, the band and
    the rest each thinned to a bounded uniform sample."""
    frontier = history.frontier(eps)
    everything = np.arange(len(frontier))
    return np.unique(
        np.concatenate(
            [
                frontier.hull_rows(),
                np.asarray(history.seed_rows, dtype=np.intp),
                evenly(frontier.band_rows(), PLOT_SAMPLE // 2),
                evenly(everything, PLOT_SAMPLE),
            ]
        ).astype(np.intp)
    )


def pool_of(history: JobHistory, start_time: float) -> PoolSeries:
    """pool.png's series from the history's records, at most POOL_MOMENTS of them."""
    records = history.trained_records
    at = evenly(np.arange(len(records)), POOL_MOMENTS)
    seed_t = [records[i].finished_at or start_time for i in history.seed_rows]
    return PoolSeries(
        finished_s=np.array([(records[i].finished_at or start_time) - start_time for i in at]),
        trained=at + 1,
        hull_size=np.array([records[i].hull_size for i in at], dtype=int),
        best_error=np.array([records[i].best_error for i in at], dtype=np.float64),
        last_seed_s=max(seed_t) - start_time if seed_t and len(seed_t) < len(records) else None,
    )


def retrain_points(history: JobHistory) -> list[RetrainPoint]:
    """Plot records of every retrained model beside its search-time numbers."""
    points = []
    for of, (spec, res) in sorted(history.retrained().items()):
        before = history.result(of)
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
    frontier = history.frontier(eps)
    retrained = history.retrained()
    entries = [
        _entry(history.spec(i), history.result(i), retrained.get(i)) for i in frontier.hull_ids()
    ]
    doc = {"eps": eps, "hull": entries, "band": frontier.band_ids(), "trained": len(frontier)}
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
                _link_or_copy(run_dir / relative, folder / name)


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the filesystem allows one: best/ is rewritten whenever the hull moves,
    and a weights file is never changed once written (the driver replaces files, atomically),
    so a link is as good as a copy at no cost in time or disk."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def draw_plots(
    run_dir: Path, history: JobHistory, eps: float, start_time: float, seed_stats: bool = True
) -> None:
    """The plots at a cost bounded whatever the run's size (``plot_rows``, ``pool_of``);
    seed_stats.png only with ``seed_stats`` (it shows the seeds alone)."""
    points = trial_points(history, start_time, plot_rows(history, eps))
    pool = pool_of(history, start_time)
    total = len(history.trained_records)
    plot_all(points, run_dir / "plots", eps, pool=pool, total=total, seed_stats=seed_stats)
    retrained = retrain_points(history)
    if retrained:
        plot_retrain(retrained, run_dir / "plots" / "retrain.png")
