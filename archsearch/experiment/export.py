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
    default = run_dir / "export" / ("trials.csv" if format == "csv" else "run.json")
    out = Path(path) if path else default
    out.parent.mkdir(parents=True, exist_ok=True)
    if format == "csv":
        write_text_atomic(out, _csv(*store.job_table()))
    else:
        curves = store.all_job_metrics()
        doc: dict[str, Any] = {
            "run": str(run_dir),
            "status": store.get_meta("status"),
            "jobs": [{**job, "curve": curves.get(job["job_id"], [])} for job in store.jobs()],
            "hull": read_hull_json(run_dir),
        }
        # No indent: json's C encoder runs only without one (10^5 jobs: ~7 s with indent=1).
        write_text_atomic(out, json.dumps(doc))
    return out


def _csv(names: list[str], rows: list[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    writer.writerows(rows)
    return buffer.getvalue()
