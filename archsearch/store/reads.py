"""Read-only queries of ``experiment.db``: what ``status``, ``export``, the plots and the web
view need.

``StoreReader`` is the query half of ``ExperimentStore`` (which inherits it), split off so
each module holds one idea: here typed answers, there the one-transaction-per-event writes.
``ReadOnlyStore`` is a reader alone, for processes that must never take the write lock.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from archsearch.errors import StoreError
from archsearch.jobs.spec import JobResult, JobSpec
from archsearch.store.migrate import migrate
from archsearch.store.schema import FINISHED, MIGRATES_FROM, SCHEMA_VERSION

log = logging.getLogger(__name__)

_JOB_COLUMNS = (
    "job_id, stage, status, parent_id, label, madd, params, val_top1, error_rate, test_top1, "
    "epochs, train_time_s, attempts, submitted_at, started_at, finished_at, error"
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
        rows = self._conn.execute("SELECT spec_json FROM records ORDER BY job_id")
        return [JobSpec.from_json(r[0]) for r in rows]

    def unfinished_specs(self) -> list[JobSpec]:
        """Submitted or interrupted jobs without a result: what resume submits again."""
        rows = self._conn.execute(
            "SELECT spec_json FROM records WHERE job_id IN "
            f"(SELECT job_id FROM jobs WHERE status NOT IN {FINISHED!r}) ORDER BY job_id"
        )
        return [JobSpec.from_json(r[0]) for r in rows]

    def results(self) -> list[JobResult]:
        rows = self._conn.execute(
            "SELECT result_json FROM records WHERE result_json IS NOT NULL ORDER BY job_id"
        )
        return [JobResult.from_json(r[0]) for r in rows]

    def job_rows(self) -> list[sqlite3.Row]:
        """What a driver keeps of every job, by id, without decoding one record: ``job_id,
        stage, status, parent_id, model_hash, epochs`` (submitted), ``train_time_s`` (of the
        result, 0 without one) and ``finished`` (whether it has a result)."""
        return self._conn.execute(
            "SELECT job_id, stage, status, parent_id, model_hash, epochs, "
            "COALESCE(train_time_s, 0.0) AS train_time_s, "
            f"status IN {FINISHED!r} AS finished FROM jobs ORDER BY job_id"
        ).fetchall()

    def spec(self, job_id: int) -> JobSpec:
        row = self._conn.execute("SELECT spec_json FROM records WHERE job_id = ?", (job_id,))
        found = row.fetchone()
        if found is None:
            raise KeyError(job_id)
        return JobSpec.from_json(found[0])

    def result(self, job_id: int) -> JobResult:
        row = self._conn.execute("SELECT result_json FROM records WHERE job_id = ?", (job_id,))
        found = row.fetchone()
        if found is None or found[0] is None:
            raise KeyError(job_id)
        return JobResult.from_json(found[0])

    def jobs(self, stage: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Job rows without the JSON columns (for tables, ``status``, the view), by id."""
        names, rows = self.job_table(stage, status)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def job_table(
        self, stage: str | None = None, status: str | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """``jobs()`` as column names and plain rows (a CSV of 10^5 jobs needs no dicts)."""
        sql, args = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE 1", []
        for column, value in (("stage", stage), ("status", status)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value.value if isinstance(value, Enum) else value)
        cursor = self._conn.execute(sql + " ORDER BY job_id", args)
        cursor.row_factory = None  # tuples, not sqlite3.Row
        rows = cursor.fetchall()
        return [d[0] for d in cursor.description], rows

    def job_metrics(self, job_id: int) -> list[dict[str, float]]:
        """Per-epoch metrics of a job, one dict per epoch with its ``epoch`` key, by epoch."""
        rows = self._conn.execute(
            "SELECT job_id, epoch, name, value FROM metrics WHERE job_id = ? ORDER BY epoch, name",
            (job_id,),
        )
        return _curves(rows).get(job_id, [])

    def all_job_metrics(self) -> dict[int, list[dict[str, float]]]:
        """``job_metrics`` of every job that has any, in one pass over the table."""
        rows = self._conn.execute(
            "SELECT job_id, epoch, name, value FROM metrics ORDER BY job_id, epoch, name"
        )
        return _curves(rows)

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

    # --- for the web view: cheap enough to answer on every change of a 10^4-job store ------
    def data_version(self) -> int:
        """Changes whenever another connection commits (SQLite's ``PRAGMA data_version``): a
        reader polls it to learn, for nothing, that the driver wrote something."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def job(self, job_id: int) -> dict[str, Any] | None:
        """One job: its ``jobs()`` columns plus ``spec`` and ``result`` (None until finished)."""
        row = self._conn.execute(
            f"SELECT {_JOB_COLUMNS}, spec_json, result_json FROM jobs JOIN records "
            "USING (job_id) WHERE job_id = ?",
            (job_id,),
        ).fetchone()
        if row is None:
            return None
        job = {k: v for k, v in dict(row).items() if not k.endswith("_json")}
        job["spec"] = JobSpec.from_json(row["spec_json"])
        job["result"] = JobResult.from_json(row["result_json"]) if row["result_json"] else None
        return job

    def trained_rows(self, stages: tuple[str, ...]) -> list[sqlite3.Row]:
        """Succeeded jobs of ``stages`` with a MAdd and an error, by id: the frontier's points.
        Columns ``job_id, stage, parent_id, madd, params, error_rate, finished_at, test_error``
        (1 - test top-1; NULL without a test split) and ``label``; scalar columns only, so no
        record is read (10^5 rows in tens of milliseconds)."""
        marks = ", ".join("?" * len(stages))
        return self._conn.execute(
            "SELECT job_id, stage, parent_id, madd, params, error_rate, finished_at, "
            "1.0 - test_top1 AS test_error, label FROM jobs "
            f"WHERE status = 'succeeded' AND stage IN ({marks}) "
            "AND madd IS NOT NULL AND error_rate IS NOT NULL ORDER BY job_id",
            stages,
        ).fetchall()

    def usage(self) -> dict[str, float]:
        """What the budgets count: jobs and epochs submitted, training seconds of results."""
        row = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(epochs), 0), COALESCE(SUM(train_time_s), 0) FROM jobs"
        ).fetchone()
        return {"jobs": row[0], "epochs": row[1], "train_time_s": float(row[2])}

    def hull_history(self) -> list[dict[str, Any]]:
        """Every hull snapshot, oldest first: ``{version, at, points}``."""
        rows = self._conn.execute("SELECT version, at, points_json FROM hull ORDER BY version")
        return [{"version": r[0], "at": r[1], "points": json.loads(r[2])} for r in rows]

    def events_of(self, *kinds: str) -> list[dict[str, Any]]:
        """The events of the given kinds, oldest first (payload decoded)."""
        rows = self._conn.execute(
            "SELECT id, at, kind, job_id, payload_json FROM events "
            f"WHERE kind IN ({', '.join('?' * len(kinds))}) ORDER BY id",
            kinds,
        )
        return [{**dict(r), "payload": json.loads(r["payload_json"] or "null")} for r in rows]

    def last_event_at(self, kind: str) -> float | None:
        row = self._conn.execute("SELECT MAX(at) FROM events WHERE kind = ?", (kind,)).fetchone()
        return row[0]


@contextmanager
def closed_unless_opened(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Opening checks on ``conn``: if they fail, it is closed and the failure is one
    ``StoreError`` naming the file (SQLite's own errors included)."""
    try:
        yield
    except sqlite3.DatabaseError as e:
        conn.close()
        raise StoreError(f"{path}: cannot open the experiment store ({e})") from None
    except StoreError:
        conn.close()
        raise


def check_is_ours(conn: sqlite3.Connection, path: Path, also: tuple[int, ...] = ()) -> int:
    """Refuse another program's database, an incomplete one, or another schema version than
    ours (or one of ``also``), unaltered; returns the version. Stores are created whole
    (``db._create_whole``): a part-made one is not ours."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" not in tables:
        raise StoreError(f"{path}: not an archsearch experiment store (no meta table)")
    found = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if found is None:
        raise StoreError(f"{path}: not an archsearch experiment store (no schema version)")
    if found[0] not in {str(v) for v in (SCHEMA_VERSION, *also)}:
        raise StoreError(
            f"{path} has schema version {found[0]}; this archsearch reads version "
            f"{SCHEMA_VERSION} (open the run with the archsearch that wrote it)"
        )
    return int(found[0])


class ReadOnlyStore(StoreReader):
    """A connection that can only read (SQLite ``mode=ro``): WAL lets it read while the driver
    writes, and it can never hold the write lock the driver waits on. Use it from one thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreError(f"no experiment store at {self.path} (is this a run directory?)")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        self._conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0)
        self._conn.row_factory = sqlite3.Row
        with closed_unless_opened(self._conn, self.path):
            version = check_is_ours(self._conn, self.path, also=MIGRATES_FROM)
        if version != SCHEMA_VERSION:
            self._conn = _migrated_copy(self._conn, version)
            log.info(
                "%s: schema version %d, read through a copy brought to %d in memory (a writer, "
                "such as `archsearch resume`, migrates the file); a driver's later writes are "
                "not seen",
                self.path,
                version,
                SCHEMA_VERSION,
            )

    def close(self) -> None:
        self._conn.close()


def _curves(rows: Iterable[sqlite3.Row]) -> dict[int, list[dict[str, float]]]:
    """(job_id, epoch, name, value) rows, by job then epoch -> each job's per-epoch dicts."""
    curves: dict[int, list[dict[str, float]]] = {}
    for job_id, epoch, name, value in rows:
        curve = curves.setdefault(job_id, [])
        if not curve or curve[-1]["epoch"] != epoch:
            curve.append({"epoch": epoch})
        curve[-1][name] = value
    return curves


def _migrated_copy(conn: sqlite3.Connection, version: int) -> sqlite3.Connection:
    """The store of ``conn`` (closed here), copied into memory and migrated there."""
    memory = sqlite3.connect(":memory:", isolation_level=None)
    memory.row_factory = sqlite3.Row
    conn.backup(memory)
    conn.close()
    memory.execute("BEGIN")
    migrate(memory, version)
    memory.execute("COMMIT")
    return memory
