"""``ExperimentStore``: the SQLite file that is the source of truth of a run.

Durability. The file is in WAL mode with ``synchronous=NORMAL`` by default: a commit appends
to the WAL and returns without fsync, so a killed driver (SIGKILL, OOM killer, ``os._exit``)
loses nothing it committed (the WAL lives in the OS page cache, which outlives the process)
and the next open replays it. Only an OS crash or power loss can drop the last few commits,
and even then the file stays consistent: resume re-runs the jobs whose results were lost.
``synchronous="FULL"`` fsyncs every commit for hosts where that trade is wrong. WAL needs a
local filesystem (it shares memory between processes); keep the run directory off NFS.

Writers. Only the driver writes, one transaction per event (a submit, a result, a hull
change), each also carrying the strategy's state when given, so no crash can separate a
result from the strategy state that has seen it. The one exception is ``post_control``: other
processes (the CLI) insert requests that the driver applies. Writes open with
``BEGIN IMMEDIATE`` so a second writer waits on ``busy_timeout`` instead of failing.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from archsearch.errors import RunLockedError, StoreError
from archsearch.jobs.spec import JobResult, JobSpec, Status
from archsearch.store.migrate import migrate
from archsearch.store.reads import StoreReader, check_is_ours, closed_unless_opened
from archsearch.store.schema import DDL, FINISHED, MIGRATES_FROM, SCHEMA_VERSION, RunStatus

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0  # how long a writer waits for another one before giving up


class ExperimentStore(StoreReader):
    """One connection to ``experiment.db``; open one per process, use it from one thread."""

    def __init__(
        self,
        path: str | Path,
        create: bool = True,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        new_meta: Mapping[str, str] | None = None,
    ) -> None:
        """The store at ``path``; with ``create``, a missing one is made first, holding
        ``new_meta`` (e.g. the run's name and status) beside the schema's own keys."""
        self.path = Path(path)
        if not self.path.is_file():
            if not create:
                raise StoreError(f"no experiment store at {self.path} (is this a run directory?)")
            _create_whole(self.path, new_meta or {})
        # Autocommit mode: every transaction is an explicit BEGIN IMMEDIATE ... COMMIT below;
        # ``timeout`` is SQLite's busy_timeout.
        self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        self._conn.row_factory = sqlite3.Row
        with closed_unless_opened(self._conn, self.path):
            # A damaged page would otherwise surface later, as "database disk image is
            # malformed" in the middle of a search; reading every page costs ~30 ms per 50 MB.
            if self._conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("database disk image is malformed")
            # Before WAL mode, which rewrites the header.
            version = check_is_ours(self._conn, self.path, also=MIGRATES_FROM)
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                log.warning("%s: WAL mode unavailable (got %r); a crash may cost more", path, mode)
            self._conn.execute(f"PRAGMA synchronous = {synchronous}")
        if version != SCHEMA_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        """Bring a store of an older schema to ours, in one transaction (all or nothing)."""
        with self._tx() as c:
            migrate(c, version)
        log.info("%s: schema version %d brought to %d", self.path, version, SCHEMA_VERSION)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it. A write SQLite refuses (a
        full disk, an I/O error) is a ``StoreError`` naming the file, the store as it was."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException as e:
            # SQLite has rolled back by itself after some errors (SQLITE_FULL, SQLITE_IOERR):
            # a ROLLBACK then fails with "no transaction is active", hiding the real error.
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.OperationalError):
                raise StoreError(f"{self.path}: cannot write the experiment store ({e})") from e
            raise

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ExperimentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- meta ----------------------------------------------------------------------------------
    def set_meta(self, key: str, value: str | int | float | Enum) -> None:
        text = value.value if isinstance(value, Enum) else str(value)
        with self._tx() as c:
            _put_meta(c, key, text)

    def next_job_id(self) -> int:
        """A fresh id, committed before it is returned: never handed out twice, even across a
        crash between this call and ``record_submitted``."""
        with self._tx() as c:
            counter = int(
                c.execute("SELECT value FROM meta WHERE key = 'next_job_id'").fetchone()[0]
            )
            top = c.execute("SELECT COALESCE(MAX(job_id), 0) FROM jobs").fetchone()[0]
            job_id = max(counter, top + 1)
            c.execute("UPDATE meta SET value = ? WHERE key = 'next_job_id'", (str(job_id + 1),))
        return job_id

    # --- job events (the driver) ---------------------------------------------------------------
    def record_submitted(self, spec: JobSpec, strategy_state: dict[str, Any] | None = None) -> None:
        """A job handed to the engine. Submitting an id again (resume) counts another attempt."""
        # Serialise before BEGIN: the write lock is held for SQL only, never for encoding.
        spec_json, state_json = spec.to_json(), _dumps(strategy_state)
        epochs = int(spec.train_conf.get("epochs", 0))
        with self._tx() as c:
            row = c.execute(
                "SELECT status, attempts FROM jobs WHERE job_id = ?", (spec.job_id,)
            ).fetchone()
            now = time.time()
            if row is None:
                attempt = 1
                c.execute(
                    "INSERT INTO jobs (job_id, stage, status, parent_id, epochs, label, "
                    "model_hash, submitted_at) VALUES (?, ?, 'submitted', ?, ?, ?, ?, ?)",
                    (
                        spec.job_id,
                        spec.stage.value,
                        spec.parent_id,
                        epochs,
                        spec.model_desc.label(),
                        spec.model_hash,
                        now,
                    ),
                )
                c.execute(
                    "INSERT INTO records (job_id, spec_json) VALUES (?, ?)",
                    (spec.job_id, spec_json),
                )
            elif row["status"] in ("succeeded", "failed"):
                raise StoreError(
                    f"job {spec.job_id} already {row['status']}; ids are never "
                    "reused (use next_job_id)"
                )
            else:
                attempt = row["attempts"] + 1
                c.execute(
                    "UPDATE jobs SET status = 'submitted', attempts = ?, submitted_at = ?, "
                    "started_at = NULL WHERE job_id = ?",
                    (attempt, now, spec.job_id),
                )
            _event(
                c,
                "submitted",
                spec.job_id,
                {"stage": spec.stage.value, "parent_id": spec.parent_id, "attempt": attempt},
            )
            _put_state(c, state_json)

    def record_started(self, job_id: int, at: float | None = None) -> None:
        """The job began on a worker (``at``: the worker's clock, unix seconds)."""
        with self._tx() as c:
            c.execute(
                "UPDATE jobs SET started_at = COALESCE(started_at, ?) WHERE job_id = ?",
                (time.time() if at is None else at, job_id),
            )
            _event(c, "started", job_id, None)

    def record_result(
        self,
        result: JobResult,
        strategy_state: dict[str, Any] | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> None:
        """A finished job: its result, the columns copied from it, its curve into ``metrics``,
        and ``meta`` keys set in the same transaction (one commit per result, not two).
        An INTERRUPTED result records no result, so resume runs the job again."""
        if result.status is Status.INTERRUPTED:
            self.record_interrupted([result.job_id], strategy_state)
            return
        result_json, state_json = result.to_json(), _dumps(strategy_state)
        with self._tx() as c:
            now = time.time()
            updated = c.execute(
                "UPDATE jobs SET status = ?, madd = ?, params = ?, val_top1 = ?, error_rate = ?, "
                "test_top1 = ?, train_time_s = ?, label = COALESCE(?, label), finished_at = ?, "
                "error = ? WHERE job_id = ?",
                (
                    result.status.value,
                    result.madd,
                    result.params,
                    result.metrics.get("val_top1"),
                    result.error_rate,
                    result.metrics.get("test_top1"),
                    result.metrics.get("train_time_s"),
                    result.model_desc.label() if result.model_desc else None,
                    now,
                    result.error,
                    result.job_id,
                ),
            ).rowcount
            if not updated:
                raise StoreError(f"result of job {result.job_id}, which was never submitted")
            c.execute(
                "UPDATE records SET result_json = ? WHERE job_id = ?", (result_json, result.job_id)
            )
            for i, point in enumerate(result.curve):
                _put_metrics(c, result.job_id, int(point.get("epoch", i)), point, now)
            _event(
                c,
                "result",
                result.job_id,
                {
                    "status": result.status.value,
                    "val_top1": result.metrics.get("val_top1"),
                    "madd": result.madd,
                    "error": _last_line(result.error),
                },
            )
            _put_state(c, state_json)
            for key, text in (meta or {}).items():
                _put_meta(c, key, text)

    def record_interrupted(
        self, job_ids: list[int], strategy_state: dict[str, Any] | None = None
    ) -> None:
        """Jobs cancelled without a result (Ctrl-C, budget): resume submits them again."""
        state_json = _dumps(strategy_state)
        with self._tx() as c:
            for job_id in job_ids:
                c.execute(
                    "UPDATE jobs SET status = 'interrupted' "
                    f"WHERE job_id = ? AND status NOT IN {FINISHED!r}",
                    (job_id,),
                )
                _event(c, "interrupted", job_id, None)
            _put_state(c, state_json)

    def record_metric(self, job_id: int, epoch: int, metrics: dict[str, float]) -> None:
        """Intermediate metrics of a running job (no event: the metrics table is the log)."""
        with self._tx() as c:
            _put_metrics(c, job_id, epoch, metrics, time.time())

    def record_hull(self, points: list[dict[str, Any]]) -> int | None:
        """A new hull snapshot if it differs from the latest; returns its version, else None."""
        text = json.dumps(points, sort_keys=True)
        with self._tx() as c:
            last = c.execute(
                "SELECT version, points_json FROM hull ORDER BY version DESC LIMIT 1"
            ).fetchone()
            if last is not None and last["points_json"] == text:
                return None
            version = 1 if last is None else last["version"] + 1
            c.execute(
                "INSERT INTO hull (version, at, points_json) VALUES (?, ?, ?)",
                (version, time.time(), text),
            )
            _event(c, "hull", None, {"version": version, "points": len(points)})
        return version

    def save_strategy_state(self, state: dict[str, Any]) -> None:
        state_json = _dumps(state)
        with self._tx() as c:
            _put_state(c, state_json)

    # --- the lease: one driver per run (store/lease.py) -------------------------------------
    def take_lease(self, holder: str, gone: Callable[[str, float], bool]) -> str | None:
        """Take the lease for ``holder``; returns the gone driver it was taken from, if any.
        Raises ``RunLockedError`` while a live driver (``gone`` says no) holds it."""
        from archsearch.store.lease import locked_message

        with self._tx() as c:
            row = c.execute("SELECT holder, heartbeat_at FROM lease WHERE id = 1").fetchone()
            previous = None
            if row is not None and row["holder"] != holder:
                if not gone(row["holder"], row["heartbeat_at"]):
                    raise RunLockedError(
                        locked_message(self.path.parent, row["holder"], row["heartbeat_at"])
                    )
                previous = row["holder"]
            now = time.time()
            c.execute(
                "INSERT INTO lease (id, holder, acquired_at, heartbeat_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, "
                "acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at",
                (holder, now, now),
            )
            _event(c, "lease", None, {"holder": holder, "taken_from": previous})
        return previous

    def touch_lease(self, holder: str) -> bool:
        """The holder's heartbeat; False if the lease is no longer its own."""
        with self._tx() as c:
            return bool(
                c.execute(
                    "UPDATE lease SET heartbeat_at = ? WHERE id = 1 AND holder = ?",
                    (time.time(), holder),
                ).rowcount
            )

    def drop_lease(self, holder: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM lease WHERE id = 1 AND holder = ?", (holder,))

    # --- control requests: any process posts, the driver marks them applied ------------------
    def post_control(self, kind: str, payload: dict[str, Any]) -> int:
        """A request for the running driver (``update``, ``kill``); returns its id."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO control (at, kind, payload_json) VALUES (?, ?, ?)",
                (time.time(), kind, json.dumps(payload, sort_keys=True)),
            )
        return int(cur.lastrowid)

    def mark_control_applied(self, control_id: int) -> None:
        with self._tx() as c:
            row = c.execute(
                "SELECT kind, payload_json FROM control WHERE id = ?", (control_id,)
            ).fetchone()
            c.execute("UPDATE control SET applied_at = ? WHERE id = ?", (time.time(), control_id))
            if row is not None:
                payload = {"id": control_id, "kind": row[0], "payload": json.loads(row[1])}
                _event(c, "control", None, payload)


def _create_whole(path: Path, new_meta: Mapping[str, str]) -> None:
    """Make the store at ``path`` whole or not at all: built under a temporary name, then
    linked into place. A run exists exactly when its ``experiment.db`` does, so a Ctrl-C or
    SIGTERM during creation leaves either nothing (``run`` again starts it) or a complete
    store (``resume`` continues it), never a half-made file that both would refuse."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    os.close(fd)
    tmp = Path(name)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.executescript(DDL)
            own = {
                "schema_version": str(SCHEMA_VERSION),
                "created_at": repr(time.time()),
                "status": RunStatus.EMPTY.value,
                "next_job_id": "1",
            }
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", own.items())
            for key, value in new_meta.items():  # as set_meta would: a status is logged
                _put_meta(conn, key, value)
            # Persistent in the file's header: readers may open it while the driver writes.
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()  # the last connection: its WAL is folded into the file and removed
        try:
            os.link(tmp, path)  # unlike a rename, never replaces a store made meanwhile
        except FileExistsError:
            raise StoreError(
                f"{path} was created by another process meanwhile; start this run again"
            ) from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def _put_meta(c: sqlite3.Connection, key: str, text: str) -> None:
    c.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )
    if key == "status":  # status changes belong in the log; elapsed_s ticks do not
        _event(c, "meta", None, {key: text})


def _event(c: sqlite3.Connection, kind: str, job_id: int | None, payload: Any) -> None:
    c.execute(
        "INSERT INTO events (at, kind, job_id, payload_json) VALUES (?, ?, ?, ?)",
        (time.time(), kind, job_id, None if payload is None else json.dumps(payload)),
    )


def _dumps(state: dict[str, Any] | None) -> str | None:
    return None if state is None else json.dumps(state, sort_keys=True)


def _put_state(c: sqlite3.Connection, state_json: str | None) -> None:
    if state_json is not None:
        c.execute(
            "INSERT INTO strategy_state (id, at, state_json) VALUES (1, ?, ?) ON CONFLICT "
            "(id) DO UPDATE SET at = excluded.at, state_json = excluded.state_json",
            (time.time(), state_json),
        )


def _put_metrics(
    c: sqlite3.Connection, job_id: int, epoch: int, metrics: dict[str, Any], now: float
) -> None:
    c.executemany(
        "INSERT OR REPLACE INTO metrics (job_id, epoch, name, value, at) VALUES (?, ?, ?, ?, ?)",
        [
            (job_id, epoch, k, float(v), now)
            for k, v in metrics.items()
            if k != "epoch" and isinstance(v, int | float) and not isinstance(v, bool)
        ],
    )


def _last_line(text: str | None) -> str | None:
    """The last line of a traceback names the exception: enough for the event log."""
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else None
