"""Bringing a store of an older schema to ours (``schema.SCHEMA_VERSION``).

A writer migrates the file in place, in its own transaction; a reader, which may not write,
reads a migrated copy in memory (``reads.ReadOnlyStore``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from archsearch.jobs.spec import JobSpec
from archsearch.space.desc import macro_label
from archsearch.store.schema import DDL, MIGRATES_FROM, SCHEMA_VERSION

# The columns of `jobs` that every version since 2 has, unchanged.
_KEPT = (
    "job_id, stage, status, parent_id, madd, params, val_top1, error_rate, attempts, "
    "submitted_at, started_at, finished_at, error"
)


def migrate(conn: sqlite3.Connection, version: int) -> None:
    """Rewrite a store of schema ``version`` (one of ``MIGRATES_FROM``) as ours; run it inside
    a transaction, so that it lands whole or not at all."""
    if version not in MIGRATES_FROM:
        raise ValueError(f"no migration from schema version {version}")
    # 4: the JSON columns of `jobs` move to `records`; new scalar columns are filled in.
    conn.execute("ALTER TABLE jobs RENAME TO jobs_before")
    conn.execute("DROP INDEX IF EXISTS jobs_by_stage_status")  # recreated on the new table
    for statement in ddl_statements():
        conn.execute(statement)
    model_hash = "model_hash" if version >= 3 else "NULL"  # 2 has none: computed below
    conn.execute(
        f"INSERT INTO jobs ({_KEPT}, test_top1, epochs, train_time_s, model_hash) "
        f"SELECT {_KEPT}, json_extract(result_json, '$.metrics.test_top1'), "
        "COALESCE(json_extract(spec_json, '$.train_conf.epochs'), 0), "
        f"json_extract(result_json, '$.metrics.train_time_s'), {model_hash} FROM jobs_before"
    )
    conn.execute("INSERT INTO records SELECT job_id, spec_json, result_json FROM jobs_before")
    if version == 2:  # 3: the model hash, which takes the whole description
        specs = conn.execute("SELECT job_id, spec_json FROM records").fetchall()
        conn.executemany(
            "UPDATE jobs SET model_hash = ? WHERE job_id = ?",
            [(JobSpec.from_json(spec_json).model_hash, job_id) for job_id, spec_json in specs],
        )
    conn.executemany("UPDATE jobs SET label = ? WHERE job_id = ?", _labels(conn))
    conn.execute("DROP TABLE jobs_before")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


def ddl_statements() -> Iterator[str]:
    """``DDL`` one statement at a time (``executescript`` would commit the open transaction)."""
    statement = ""
    for line in DDL.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""


def _labels(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(label, job_id) of every job's model, the trained one where there is a result, from the
    macro SQLite's JSON functions pull out of the records (no description decoded)."""
    rows = conn.execute(
        "SELECT job_id, macro, CASE WHEN json_extract(macro, '$.cells') IS NULL THEN "
        "COALESCE(json_array_length(result_json, '$.model_desc.cells'), "
        "json_array_length(spec_json, '$.model_desc.cells')) END "
        "FROM (SELECT *, COALESCE(json_extract(result_json, '$.model_desc.macro'), "
        "json_extract(spec_json, '$.model_desc.macro')) AS macro FROM records)"
    )
    return [
        (macro_label(json.loads(macro or "{}"), n_cells or 0), job_id)
        for job_id, macro, n_cells in rows
    ]
