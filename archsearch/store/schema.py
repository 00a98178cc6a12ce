"""The tables of ``experiment.db``: small and flat, so a user can answer questions with sqlite3.

    sqlite3 runs/NAME/experiment.db \\
      "SELECT job_id, stage, status, madd, val_top1 FROM jobs ORDER BY val_top1 DESC LIMIT 5"

Times (``*_at``) are Unix seconds (REAL): ``datetime(at, 'unixepoch')`` shows them. JSON
columns hold the ``to_json()`` of the dataclasses in ``archsearch.jobs.spec``; the scalar
columns next to them (``madd``, ``val_top1``...) are copies for querying and sorting.

Bump ``SCHEMA_VERSION`` on any change to these statements; a store refuses to open a file of
another version rather than guess.
"""

from __future__ import annotations

from enum import StrEnum

# 2: the lease table; job specs name warm_start_from, not files. 3: jobs.model_hash, so a
# driver resuming 10^5 jobs knows every network's hash without decoding a single description.
# 4: the JSON records moved out of `jobs` into `records`, and the scalars every reader wants
# (test_top1, epochs, train_time_s, label) into `jobs`: a scan of 10^5 job rows read ~1 GB of
# JSON pages before, now a few MB.
SCHEMA_VERSION = 4
# Versions ``store.migrate`` brings to SCHEMA_VERSION: a writer in place, a reader in memory.
MIGRATES_FROM = (2, 3)
# Jobs with a result (succeeded or failed): the others are still to run.
FINISHED = ("succeeded", "failed")


class RunStatus(StrEnum):
    """``meta.status``: where the run as a whole stands."""

    EMPTY = "EMPTY"  # the file exists, nothing else yet
    INITIALIZED = "INITIALIZED"  # config recorded, no job submitted
    RUNNING = "RUNNING"  # a driver is (or was, if it crashed) running the search
    SUCCEEDED = "SUCCEEDED"  # a budget or the strategy ended the search
    INTERRUPTED = "INTERRUPTED"  # Ctrl-C, SIGTERM, preemption: resumable
    FAILED = "FAILED"  # the driver itself raised: resumable once the cause is fixed


JOB_STATUSES = ("submitted", "succeeded", "failed", "interrupted")

DDL = f"""
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);
-- One row per job, inserted at submit and updated in place when it starts and finishes.
-- Scalars only, so that reading every job's row (a resume, `status`, `export`, the view)
-- touches a few bytes per job; the records themselves are in `records`.
CREATE TABLE IF NOT EXISTS jobs (
    job_id       INTEGER PRIMARY KEY,  -- monotone, never reused (meta.next_job_id)
    stage        TEXT NOT NULL,        -- seed_train | search | post_train | train
    status       TEXT NOT NULL CHECK (status IN {JOB_STATUSES!r}),
    parent_id    INTEGER,              -- lineage: the job this one grows from
    madd         REAL,
    params       INTEGER,
    val_top1     REAL,                 -- validation top-1 after the last epoch
    error_rate   REAL,                 -- 1 - best validation top-1 over the epochs (the hull's
                                       -- y axis, JobResult.error_rate), not 1 - val_top1
    test_top1    REAL,                 -- top-1 on the test split, where the job measured one
    epochs       INTEGER NOT NULL DEFAULT 0,  -- train_conf.epochs of the spec
    train_time_s REAL,                 -- the result's metrics.train_time_s
    label        TEXT,                 -- ModelDesc.label() of the trained (else the given) model
    model_hash   TEXT,                 -- ModelDesc.content_hash() of the spec's model
    attempts     INTEGER NOT NULL DEFAULT 1,  -- submissions by the driver (resume adds one)
    submitted_at REAL NOT NULL,
    started_at   REAL,
    finished_at  REAL,
    error        TEXT                  -- the failure text of a failed job
);
-- Each job's whole records (a few KB each: the model description is in both).
CREATE TABLE IF NOT EXISTS records (
    job_id      INTEGER PRIMARY KEY,   -- jobs.job_id
    spec_json   TEXT NOT NULL,         -- JobSpec.to_json()
    result_json TEXT                   -- JobResult.to_json(); NULL until it finished
);
CREATE INDEX IF NOT EXISTS jobs_by_stage_status ON jobs (stage, status);
-- Per-epoch (intermediate) metrics, one row per (job, epoch, name).
CREATE TABLE IF NOT EXISTS metrics (
    job_id INTEGER NOT NULL,
    epoch  INTEGER NOT NULL,
    name   TEXT NOT NULL,
    value  REAL,
    at     REAL NOT NULL,
    PRIMARY KEY (job_id, epoch, name)
);
-- One snapshot per change of the hull: the latest version is the current frontier, the
-- history shows how it moved.
CREATE TABLE IF NOT EXISTS hull (
    version     INTEGER PRIMARY KEY,
    at          REAL NOT NULL,
    points_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           REAL NOT NULL,
    kind         TEXT NOT NULL,  -- submitted started result interrupted hull control meta
    job_id       INTEGER,
    payload_json TEXT
);
-- The latest strategy state_dict only: a single row, replaced.
CREATE TABLE IF NOT EXISTS strategy_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    at         REAL NOT NULL,
    state_json TEXT NOT NULL
);
-- The one driver that holds the run (store/lease.py): a single row, taken over only from a
-- driver that is gone (its pid is dead on this host, or its heartbeat is stale).
CREATE TABLE IF NOT EXISTS lease (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    holder       TEXT NOT NULL,  -- host:pid
    acquired_at  REAL NOT NULL,
    heartbeat_at REAL NOT NULL
);
-- Requests from other processes (archsearch update / kill); the driver applies and marks them.
CREATE TABLE IF NOT EXISTS control (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           REAL NOT NULL,
    kind         TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    applied_at   REAL
);
"""
