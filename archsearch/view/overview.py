"""The overview page's numbers: state, strategy, budgets used and left with an ETA, jobs by stage
and status, hull size, best error, elapsed time."""

from __future__ import annotations

import time
from typing import Any

from archsearch.config import Config
from archsearch.experiment.status import run_state
from archsearch.store import RunStatus, StoreReader

UPDATABLE = ("max_jobs", "max_duration_s", "concurrency")  # what an "update" control changes


def effective_limits(store: StoreReader, config: Config) -> dict[str, float | None]:
    """The budgets the driver applies now: the config's, changed by every ``update`` control
    it applied since it last started (a resumed driver starts again from config.yaml)."""
    limits: dict[str, float | None] = {
        "max_jobs": config.budget.max_jobs,
        "max_duration_s": config.budget.max_duration_s,
        "concurrency": config.resources.max_concurrent,
    }
    started = {**limits}
    for event in store.events_of("meta", "control"):
        payload = event["payload"] or {}
        if event["kind"] == "meta" and payload.get("status") == RunStatus.RUNNING:
            limits = {**started}
        elif event["kind"] == "control" and payload.get("kind") == "update":
            limits.update({k: v for k, v in payload["payload"].items() if k in UPDATABLE})
    return limits


def elapsed_now(store: StoreReader, status: str) -> float:
    """The driver records its elapsed time with each result; while it runs, add the time since
    the later of that result and its (re)start."""
    elapsed = float(store.get_meta("elapsed_s") or 0.0)
    if status != RunStatus.RUNNING:
        return elapsed
    starts = [e["at"] for e in store.events_of("meta") if e["payload"].get("status") == "RUNNING"]
    since = max((t for t in (*starts[-1:], store.last_event_at("result")) if t), default=None)
    return elapsed if since is None else elapsed + max(0.0, time.time() - since)


def overview_doc(
    store: StoreReader, config: Config, frontier: dict[str, Any], run_dir: str
) -> dict[str, Any]:
    status, stop_reason, _ = run_state(store)
    counts = store.counts_by_stage_status()
    by_status: dict[str, int] = {}
    for per_stage in counts.values():
        for s, n in per_stage.items():
            by_status[s] = by_status.get(s, 0) + n
    elapsed = elapsed_now(store, status)
    usage = store.usage()
    limits = effective_limits(store, config)
    finished = by_status.get("succeeded", 0) + by_status.get("failed", 0)
    budgets = [
        # (name, used, limit, share of the work done: what the ETA extrapolates)
        ("jobs", usage["jobs"], limits["max_jobs"], finished),
        ("epochs", usage["epochs"], config.budget.max_epochs, usage["epochs"]),
        ("duration_s", elapsed, limits["max_duration_s"], elapsed),
        (
            "gpu_hours",
            usage["train_time_s"] * config.resources.gpus / 3600.0,
            config.budget.max_gpu_hours,
            usage["train_time_s"] * config.resources.gpus / 3600.0,
        ),
        ("hull_points", len(frontier["hull"]), getattr(config.strategy, "max_hull_points", None)),
    ]
    rows, etas = [], []
    for name, used, limit, *done in budgets:
        rows.append(
            {
                "name": name,
                "used": used,
                "limit": limit,
                "fraction": None if not limit else min(1.0, used / limit),
            }
        )
        if limit and done and status == RunStatus.RUNNING:
            share = min(1.0, done[0] / limit)
            if share > 0:
                etas.append(elapsed * (1 - share) / share)
    best = frontier["best"]
    return {
        "run_dir": run_dir,
        "name": store.get_meta("name"),
        "status": status,
        "stop_reason": stop_reason,
        "strategy": config.strategy.name,
        "engine": config.resources.engine,
        "concurrency": limits["concurrency"],
        "elapsed_s": elapsed,
        "eta_s": min(etas) if etas else None,
        "budgets": rows,
        "counts": counts,
        "by_status": by_status,
        "trained": len(frontier["points"]["job_id"]),
        "hull_size": len(frontier["hull"]),
        "best": best,
        "eps": frontier["eps"],
    }
