"""A parent's weights file damaged on disk before its children start (a resume refills the
engine from those files): each child of it FAILS with one line naming the file, the rest of the
search goes on to SUCCEEDED."""

from __future__ import annotations

import json

import pytest

from tests.faults.helpers import (
    FAKE_JOB,
    QUICK,
    SMOKE,
    assert_clean_exit,
    check_hull,
    injected,
    jobs,
    meta,
    query,
)

pytestmark = pytest.mark.slow

DAMAGED = 1  # a seed: the first search job grows one of the two seeds


@pytest.mark.timeout(240)
def test_damaged_parent_weights_fail_its_children_and_search_goes_on(cli, tmp_path):
    run_dir = tmp_path / "runs" / "petridish_smoke"
    db = run_dir / "experiment.db"
    faults = {"job_fn": FAKE_JOB, "sleep_s": 0.2}
    settings = [*QUICK, "--set", "resources.engine=local", "--set", "budget.max_jobs=2"]
    seeds = cli(injected("run", str(SMOKE), "--out", str(tmp_path / "runs"), *settings), **faults)
    seeds.wait(120)
    assert_clean_exit(seeds, 0)
    weights = run_dir / "weights" / f"{DAMAGED}.pt"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])  # truncated, as by a full disk or a crash

    more = cli(injected("resume", str(run_dir), "--set", "budget.max_jobs=10"), **faults)
    more.wait(180)
    assert_clean_exit(more, 0)
    assert meta(db, "status") == "SUCCEEDED"
    rows = jobs(db)
    warm_from = dict(
        query(db, "SELECT job_id, json_extract(spec_json, '$.warm_start_from') FROM records")
    )
    children = [j for j, parent in warm_from.items() if parent == DAMAGED]
    assert children, "no job grew the damaged parent: nothing was tested"
    for job in children:
        error = rows[job]["error"]
        assert rows[job]["status"] == "failed" and len(error.splitlines()) == 1, error
        assert f"weights/{DAMAGED}.pt" in error and "truncated or corrupt" in error, error
    others = [j for j in rows if j not in children]
    assert all(rows[j]["status"] == "succeeded" for j in others), rows
    assert any(warm_from[j] for j in others), "no healthy child: the search did not go on"
    assert json.loads(
        query(db, "SELECT result_json FROM records WHERE job_id = ?", (DAMAGED,))[0][0]
    )
    check_hull(run_dir)  # the damaged parent stays a trained model of the frontier
    print(
        f"\nFAULTS corrupt-weights: weights/{DAMAGED}.pt truncated; {len(children)} children "
        f"of it FAILED naming the file (e.g. {rows[children[0]]['error'][:90]}...); "
        f"{len(others)} other jobs succeeded; run SUCCEEDED, exit 0"
    )
