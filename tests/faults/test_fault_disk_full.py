"""A full disk (ENOSPC) where the driver writes: a job's weights file (that job FAILS, naming
the file; the run goes on), or the store itself (the CLI stops with one line naming the store,
exit 2, run FAILED; the store still opens and a resume loses nothing of what was committed)."""

from __future__ import annotations

import pytest
import torch

from tests.faults.helpers import (
    FAKE_JOB,
    LOCAL,
    SMOKE,
    assert_clean_exit,
    assert_finished_intact,
    check_hull,
    committed,
    injected,
    jobs,
    meta,
)

pytestmark = pytest.mark.slow

NO_ROOM_FOR = (1, 3)  # a seed and the first search job
PROGRESS = ("run directory: ", "jobs ")  # what every run prints
STORE_PAGES_LEFT = 20  # ~15 jobs' worth of rows (4 KiB pages)


@pytest.mark.timeout(180)
def test_enospc_saving_weights_fails_those_jobs_and_the_run_goes_on(cli, tmp_path):
    run_dir = tmp_path / "runs" / "petridish_smoke"
    driver = cli(
        injected("run", str(SMOKE), "--out", str(tmp_path / "runs"), *LOCAL),
        job_fn=FAKE_JOB,
        sleep_s=0.1,
        enospc_weights=",".join(map(str, NO_ROOM_FOR)),
    )
    driver.wait(150)
    assert_clean_exit(driver, 0)
    db = run_dir / "experiment.db"
    assert meta(db, "status") == "SUCCEEDED"
    rows = jobs(db)
    for job in NO_ROOM_FOR:
        error = rows[job]["error"]
        assert rows[job]["status"] == "failed", rows[job]
        assert f"weights/{job}.pt" in error and "No space left on device" in error, error
        assert not (run_dir / "weights" / f"{job}.pt").exists()
    others = {j: r for j, r in rows.items() if j not in NO_ROOM_FOR}
    assert len(rows) == 8 and all(r["status"] == "succeeded" for r in others.values()), rows
    assert not list((run_dir / "weights").glob(".*"))  # no half-written temporary file left
    for job in others:  # every saved file is whole
        weights = torch.load(run_dir / "weights" / f"{job}.pt", weights_only=True)
        assert float(weights["w"][0]) == job
    check_hull(run_dir)
    print(
        f"\nFAULTS enospc-weights: ENOSPC saving weights of jobs {list(NO_ROOM_FOR)}: those "
        f"FAILED naming the file; {len(others)}/{len(rows) - len(NO_ROOM_FOR)} others "
        "succeeded, weights whole, no temp file left; run SUCCEEDED, exit 0"
    )


@pytest.mark.timeout(180)
def test_full_store_stops_with_one_line_and_resume_loses_nothing(cli, tmp_path):
    run_dir = tmp_path / "runs" / "petridish_smoke"
    db = run_dir / "experiment.db"
    faults = {"job_fn": FAKE_JOB, "sleep_s": 0.1}
    settings = [*LOCAL, "--set", "budget.max_jobs=30"]
    driver = cli(
        injected("run", str(SMOKE), "--out", str(tmp_path / "runs"), *settings),
        **faults,
        store_pages_left=STORE_PAGES_LEFT,
    )
    driver.wait(150)
    assert_clean_exit(driver, 2)
    said = [line for line in driver.err.splitlines() if not line.startswith(PROGRESS)]
    assert said == [f"error: {db}: cannot write the experiment store (database or disk is full)"], (
        driver.err
    )
    assert meta(db, "status") == "FAILED"
    before = committed(db)
    assert 0 < len(before) < 30, "the store did not fill in the middle of the search"

    resumed = cli(injected("resume", str(run_dir)), **faults)
    resumed.wait(150)
    assert_clean_exit(resumed, 0)
    assert_finished_intact(db, before, 30)
    check_hull(run_dir)
    print(
        f"\nFAULTS store-full: SQLITE_FULL after {len(before)} results: exit 2, one line, "
        f"FAILED; resume: exit 0 SUCCEEDED, lost 0, finished re-run 0, 30/30 succeeded"
    )
