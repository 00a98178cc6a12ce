"""Read-only queries of ``experiment.db``: what ``status``, ``export`` and the plots need.

``StoreReader`` is the query half of ``ExperimentStore`` (which inherits it), split off so
each module holds one idea: here typed answers, there the one-transaction-per-event writes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from enum import Enum
from typing import Any

from archsearch.jobs.spec import JobResult, JobSpec

_JOB_COLUMNS = (
    "job_id, stage, status, parent_id, madd, params, val_top1, error_rate, "
    "attempts, submitted_at, started_at, finished_at, error"
)


@dataclass(frozen=True)
class Control:
    """A request from another process, e.g. ``("update", {"max_jobs": 200})``."""

    id: int
    at: float
    kind: str
    payload: dict[str, Any]


class StoreReader:
    _conn: sqlite3.Connection

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def lease(self) -> dict[str, Any] | None:
        """The driver holding the run: ``holder`` (host:pid), ``acquired_at``, ``heartbeat_at``."""
        row = self._conn.execute(
            "SELECT holder, acquired_at, heartbeat_at FROM lease WHERE id = 1"
        ).fetchone()
        return None if row is None else dict(row)

    def load_strategy_state(self) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT state_json FROM strategy_state").fetchone()
        return None if row is None else json.loads(row[0])

    def specs(self) -> list[JobSpec]:
        """Every job ever submitted, by id."""
        rows = self._conn.execute("SELECT spec_json FROM jobs ORDER BY job_id")
        return [JobSpec.from_json(r[0]) for r in rows]

    def unfinished_specs(self) -> list[JobSpec]:
        """Submitted or interrupted jobs without a result: what resume submits again."""
        rows = self._conn.execute(
            "SELECT spec_json FROM jobs WHERE result_json IS NULL ORDER BY job_id"
        )
        return [JobSpec.from_json(r[0]) for r in rows]

    def results(self) -> list[JobResult]:
        rows = self._conn.execute(
            "SELECT result_json FROM jobs WHERE result_json IS NOT NULL ORDER BY job_id"
        )
        return [JobResult.from_json(r[0]) for r in rows]

    def jobs(self, stage: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Job rows without the JSON columns (for tables, CSV export, ``status``), by id."""
        sql, args = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE 1", []
        for column, value in (("stage", stage), ("status", status)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value.value if isinstance(value, Enum) else value)
        return [dict(r) for r in self._conn.execute(sql + " ORDER BY job_id", args)]

    def job_metrics(self, job_id: int) -> list[dict[str, float]]:
        """Per-epoch metrics of a job, one dict per epoch with its ``epoch`` key, by epoch."""
        by_epoch: dict[int, dict[str, float]] = {}
        for r in self._conn.execute(
            "SELECT epoch, name, value FROM metrics WHERE job_id = ? ORDER BY epoch, name",
            (job_id,),
        ):
            by_epoch.setdefault(r["epoch"], {"epoch": r["epoch"]})[r["name"]] = r["value"]
        return list(by_epoch.values())

    def latest_hull(self) -> tuple[int, list[dict[str, Any]]] | None:
        """(version, points) of the latest hull snapshot, or None before the first."""
        row = self._conn.execute(
            "SELECT version, points_json FROM hull ORDER BY version DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def events(self, after_id: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """The event log after ``after_id``, oldest first (payload decoded)."""
        rows = self._conn.execute(
            "SELECT id, at, kind, job_id, payload_json FROM events "
            "WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit or -1),
        )
        return [{**dict(r), "payload": json.loads(r["payload_json"] or "null")} for r in rows]

    def counts_by_stage_status(self) -> dict[str, dict[str, int]]:
        """``{stage: {status: n}}``, e.g. ``{"seed_train": {"succeeded": 6, "failed": 1}}``."""
        counts: dict[str, dict[str, int]] = {}
        for r in self._conn.execute(
            "SELECT stage, status, COUNT(*) FROM jobs GROUP BY stage, status"
        ):
            counts.setdefault(r[0], {})[r[1]] = r[2]
        return counts

    def pending_controls(self) -> list[Control]:
        rows = self._conn.execute(
            "SELECT id, at, kind, payload_json FROM control WHERE applied_at IS NULL ORDER BY id"
        )
        return [Control(r[0], r[1], r[2], json.loads(r[3])) for r in rows]
