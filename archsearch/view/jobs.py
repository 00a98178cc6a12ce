"""The jobs table and one job's page: its numbers, curve, architecture, lineage and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archsearch.space.desc import ModelDesc
from archsearch.store import StoreReader

LINEAGE_MAX = 10_000  # ids are unique, so a cycle is impossible; this bounds a corrupt store


def last_line(text: str | None) -> str | None:
    """A failure's last line names the exception: what a table cell can hold."""
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else None


def jobs_doc(store: StoreReader) -> list[dict[str, Any]]:
    """Every job's row (as ``archsearch export``), its model's label and its failure's last
    line; the page sorts and filters them."""
    return [{**row, "error": last_line(row["error"])} for row in store.jobs()]


def model_desc(job: dict[str, Any]) -> ModelDesc:
    """The network a job trained (after SEARCH: the finalised one), else the one it was given."""
    result = job["result"]
    return result.model_desc if result and result.model_desc else job["spec"].model_desc


def lineage(store: StoreReader, job: dict[str, Any]) -> list[dict[str, Any]]:
    """The job and its ancestors back to a job without a parent (a seed), child first."""
    chain = []
    while job is not None and len(chain) < LINEAGE_MAX:
        chain.append(
            {
                "job_id": job["job_id"],
                "stage": job["stage"],
                "status": job["status"],
                "label": model_desc(job).label(),
                "madd": job["madd"],
                "error": job["error_rate"],
                "search_job": job["spec"].meta.get("search_job"),
            }
        )
        parent = job["parent_id"]
        job = None if parent is None else store.job(parent)
    return chain


def job_doc(store: StoreReader, job: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    spec, result = job["spec"], job["result"]
    desc = model_desc(job)
    return {
        **{k: v for k, v in job.items() if k not in ("spec", "result")},
        "label": desc.label(),
        "model_desc": desc.to_dict(),
        "metrics": result.metrics if result else {},
        "train_conf": spec.train_conf,
        "meta": spec.meta,
        "curve": store.job_metrics(job["job_id"]),
        "lineage": lineage(store, job),
        "has_weights": weights_file(run_dir, job["job_id"]).is_file(),
    }


def weights_file(run_dir: Path, job_id: int) -> Path:
    """Where the driver keeps a job's weights. Built from the integer id alone, never from a
    path read from the store, so no request can name a file outside the run directory."""
    return run_dir / "weights" / f"{int(job_id)}.pt"
