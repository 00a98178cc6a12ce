"""A run's state read from its store: jobs by stage and state, the hull, elapsed time."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from archsearch.experiment.hull_file import POINT_KEYS, read_hull_json
from archsearch.experiment.progress import format_duration
from archsearch.store import ReadOnlyStore, StoreError, StoreReader
from archsearch.store.lease import holder_gone

# A run whose store says RUNNING but whose driver process is gone: killed (SIGKILL, OOM, a
# preempted node) before it could record how it ended. ``resume`` continues it.
DRIVER_GONE = "DRIVER_GONE"
UNREADABLE = "UNREADABLE"  # `list`: a run whose store or hull.json is damaged (logged why)

log = logging.getLogger(__name__)


def run_state(store: StoreReader) -> tuple[str, str | None, str | None]:
    """(status, stop reason, driver) of a run; DRIVER_GONE when it says RUNNING but its
    driver's lease is gone."""
    status, stop_reason = store.get_meta("status") or "EMPTY", store.get_meta("stop_reason")
    lease = store.lease()
    driver = lease["holder"] if lease else None
    if status == "RUNNING" and (lease is None or holder_gone(driver, lease["heartbeat_at"])):
        status = DRIVER_GONE
        stop_reason = f"driver {driver or '?'} is gone; `archsearch resume` continues"
    return status, stop_reason, driver


def run_status(run_dir: Path) -> dict[str, Any]:
    store = ReadOnlyStore(run_dir / "experiment.db")
    hull_doc = read_hull_json(run_dir)
    hull = hull_doc["hull"] if hull_doc else []
    status, stop_reason, driver = run_state(store)
    return {
        "run_dir": str(run_dir),
        "status": status,
        "driver": driver,
        "stop_reason": stop_reason,
        "elapsed_s": float(store.get_meta("elapsed_s") or 0.0),
        "counts": store.counts_by_stage_status(),
        "retrain_status": store.get_meta("retrain_status"),
        "hull": [
            {
                **{k: h[k] for k in POINT_KEYS},
                "test_error": h.get("test_error"),
                "retrain": h.get("retrain"),
            }
            for h in hull
        ],
    }


def _err(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def format_status(status: dict[str, Any]) -> str:
    lines = [
        f"run      {status['run_dir']}",
        f"status   {status['status']}"
        + (f" ({status['stop_reason']})" if status["stop_reason"] else ""),
        f"elapsed  {format_duration(status['elapsed_s'])}",
        "",
        "jobs by stage and state:",
    ]
    counts: dict[str, dict[str, int]] = status["counts"]
    states = sorted({s for by_status in counts.values() for s in by_status})
    lines.append(f"  {'stage':<12}" + "".join(f"{s:>13}" for s in states))
    for stage, by_status in sorted(counts.items()):
        lines.append(f"  {stage:<12}" + "".join(f"{by_status.get(s, 0):>13}" for s in states))
    lines += [
        "",
        f"hull ({len(status['hull'])} points; error: validation, which chose them; test: held "
        "out):",
        f"  {'job':>5}  {'model':<10} {'stage':<11} {'MAdd':>11} {'params':>9} {'error':>7} "
        f"{'test':>7}",
    ]
    for h in status["hull"]:
        lines.append(
            f"  {h['job_id']:>5}  {h['label']:<10} {h['stage']:<11} {h['madd']:>11.4g} "
            f"{h['params']:>9} {h['error']:>7.4f} {_err(h.get('test_error')):>7}"
        )
    retrained = [h for h in status["hull"] if h.get("retrain")]
    if retrained or status.get("retrain_status"):
        lines += [
            "",
            f"retrained hull points ({status.get('retrain_status') or 'none yet'}):",
            f"  {'job':>5}  {'of':>5}  {'model':<10} {'epochs':>6} {'MAdd':>11} {'params':>9} "
            f"{'error':>7} {'test':>7}  (search time: error, test)",
        ]
        for h in retrained:
            r = h["retrain"]
            lines.append(
                f"  {r['job_id']:>5}  {h['job_id']:>5}  {h['label']:<10} {r['epochs']:>6} "
                f"{r['madd']:>11.4g} {r['params']:>9} {_err(r['error']):>7} "
                f"{_err(r['test_error']):>7}  ({_err(h['error'])}, {_err(h.get('test_error'))})"
            )
    return "\n".join(lines)


def list_runs(out_dir: Path) -> list[dict[str, Any]]:
    """Every run directory under ``out_dir`` with its state, job count and best error."""
    runs = []
    for db in sorted(out_dir.glob("*/experiment.db")):
        try:
            status = run_status(db.parent)
        except StoreError as e:  # one damaged run must not hide the others
            log.warning("%s", e)
            status = {"status": UNREADABLE, "counts": {}, "hull": [], "elapsed_s": 0.0}
        errors = [h["error"] for h in status["hull"]]
        runs.append(
            {
                "run": db.parent.name,
                "status": status["status"],
                "jobs": sum(sum(c.values()) for c in status["counts"].values()),
                "hull": len(status["hull"]),
                "best_error": min(errors) if errors else None,
                "elapsed_s": status["elapsed_s"],
            }
        )
    return runs


def format_runs(runs: list[dict[str, Any]]) -> str:
    lines = [f"{'run':<28} {'status':<12} {'jobs':>5} {'hull':>5} {'best err':>9} {'elapsed':>9}"]
    for r in runs:
        best = "-" if r["best_error"] is None else f"{r['best_error']:.4f}"
        lines.append(
            f"{r['run']:<28} {r['status']:<12} {r['jobs']:>5} {r['hull']:>5} "
            f"{best:>9} {format_duration(r['elapsed_s']):>9}"
        )
    return "\n".join(lines)
