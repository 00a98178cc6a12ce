"""A run's data out of its store: every trial, the hull and the best models, as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from archsearch.errors import ConfigError
from archsearch.experiment.hull_file import read_hull_json
from archsearch.store import ReadOnlyStore
from archsearch.store.files import write_text_atomic

FORMATS = ("csv", "json")


def export_run(run_dir: Path, format: str = "json", path: str | Path | None = None) -> Path:
    """Write ``export/trials.csv`` (one row per job) or ``export/run.json`` (jobs with their
    per-epoch curves, the hull, the best models) under the run, or at ``path``."""
    if format not in FORMATS:
        raise ConfigError(f"export format {format!r}; allowed: {', '.join(FORMATS)}")
    store = ReadOnlyStore(run_dir / "experiment.db")
    jobs = store.jobs()
    default = run_dir / "export" / ("trials.csv" if format == "csv" else "run.json")
    out = Path(path) if path else default
    out.parent.mkdir(parents=True, exist_ok=True)
    if format == "csv":
        write_text_atomic(out, _csv(jobs))
    else:
        curves = store.all_job_metrics()
        doc: dict[str, Any] = {
            "run": str(run_dir),
            "status": store.get_meta("status"),
            "jobs": [{**job, "curve": curves.get(job["job_id"], [])} for job in jobs],
            "hull": read_hull_json(run_dir),
        }
        write_text_atomic(out, json.dumps(doc, indent=1))
    return out


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
