"""Stores of older schemas: a writer migrates the file, a reader reads a migrated copy."""

from __future__ import annotations

import sqlite3
import time

import pytest

from archsearch.jobs.spec import JobResult, Stage, Status
from archsearch.space.builders import insert_node
from archsearch.store import SCHEMA_VERSION, ExperimentStore, ReadOnlyStore

# `jobs` as schema 3 had it (schema 2: the same without model_hash); the other tables are ours.
OLD_JOBS = """CREATE TABLE jobs (
    job_id INTEGER PRIMARY KEY, stage TEXT NOT NULL, status TEXT NOT NULL, parent_id INTEGER,
    spec_json TEXT NOT NULL, result_json TEXT, madd REAL, params INTEGER, val_top1 REAL,
    error_rate REAL, attempts INTEGER NOT NULL DEFAULT 1, submitted_at REAL NOT NULL,
    started_at REAL, finished_at REAL, error TEXT{model_hash})"""


def old_store(path, version, specs, results):
    """A store as archsearch of schema ``version`` wrote it: ``specs`` submitted, ``results``
    (by job id) finished."""
    ExperimentStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE jobs")
    conn.execute("DROP TABLE records")
    conn.execute(OLD_JOBS.format(model_hash=", model_hash TEXT" if version == 3 else ""))
    conn.execute("CREATE INDEX jobs_by_stage_status ON jobs (stage, status)")
    for spec in specs:
        result = results.get(spec.job_id)
        row = {
            "job_id": spec.job_id,
            "stage": spec.stage.value,
            "status": result.status.value if result else "submitted",
            "parent_id": spec.parent_id,
            "spec_json": spec.to_json(),
            "result_json": result.to_json() if result else None,
            "madd": result.madd if result else None,
            "error_rate": result.error_rate if result else None,
            "submitted_at": time.time(),
        }
        if version == 3:
            row["model_hash"] = spec.model_hash
        names = ", ".join(row)
        conn.execute(
            f"INSERT INTO jobs ({names}) VALUES ({', '.join('?' * len(row))})", [*row.values()]
        )
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    conn.commit()
    conn.close()


@pytest.fixture
def records(make_spec):
    """Three jobs: a seed that trained (with a test split), a search that finalised a grown
    network (its label is the grown one's), one still to run."""
    seed, search, waiting = make_spec(1), make_spec(2, Stage.SEARCH, parent_id=1), make_spec(3)
    search.model_desc = insert_node(seed.model_desc)
    grown = insert_node(seed.model_desc)
    results = {
        1: JobResult(
            1,
            Status.SUCCEEDED,
            metrics={"val_top1": 0.8, "test_top1": 0.75, "train_time_s": 4.0},
            madd=2e5,
            params=300,
        ),
        2: JobResult(2, Status.SUCCEEDED, metrics={"val_top1": 0.7}, madd=3e5, model_desc=grown),
    }
    return [seed, search, waiting], results


def check_migrated(store, specs, results):
    rows = {r["job_id"]: r for r in store.job_rows()}
    assert [rows[s.job_id]["model_hash"] for s in specs] == [s.model_hash for s in specs]
    assert [rows[s.job_id]["finished"] for s in specs] == [1, 1, 0]
    assert rows[1]["train_time_s"] == 4.0 and rows[1]["epochs"] == 1
    jobs = {j["job_id"]: j for j in store.jobs()}
    assert jobs[1]["test_top1"] == 0.75 and jobs[2]["test_top1"] is None
    assert [jobs[i]["label"] for i in (1, 2, 3)] == ["c3r1n1", "c3r1n2", "c3r1n1"]
    assert store.specs() == specs
    assert store.results() == [results[1], results[2]]
    assert store.unfinished_specs() == [specs[2]]
    (trained,) = store.trained_rows(("seed_train",))
    assert trained["test_error"] == pytest.approx(0.25) and trained["label"] == "c3r1n1"


@pytest.mark.parametrize("version", [2, 3])
def test_a_writer_migrates_an_old_store_in_place(tmp_path, records, version):
    path = tmp_path / "experiment.db"
    old_store(path, version, *records)
    with ExperimentStore(path, create=False) as store:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        check_migrated(store, *records)
        tables = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master")}
        assert "jobs_before" not in tables and "jobs_by_stage_status" in tables
        # ...and goes on writing it: the job still to run finishes.
        store.record_result(JobResult(3, Status.FAILED, error="boom"))
        assert store.unfinished_specs() == []
    with ExperimentStore(path, create=False) as store:  # a second open: nothing to migrate
        assert len(store.results()) == 3


def test_a_reader_reads_an_old_store_through_a_migrated_copy_and_leaves_the_file(tmp_path, records):
    path = tmp_path / "experiment.db"
    old_store(path, 3, *records)
    before = path.read_bytes()
    store = ReadOnlyStore(path)
    check_migrated(store, *records)
    store.close()
    assert path.read_bytes() == before
