"""A Ray worker SIGKILLed in the middle of its job (the OOM killer, a lost node): the job is run
again up to ``resources.max_retries`` times; killed every time, it is FAILED with a message that
says so, and the search goes on to SUCCEEDED."""

from __future__ import annotations

import os
import signal

import pytest

from tests.faults.helpers import (
    FAKE_JOB,
    QUICK,
    SMOKE,
    assert_clean_exit,
    injected,
    jobs,
    meta,
    wait_until,
)

pytestmark = pytest.mark.slow

MAX_RETRIES = 1
MAX_JOBS = 6
ALWAYS_KILLED, KILLED_ONCE = 1, 2  # the two seed jobs
# (job, attempt) whose worker is killed, in this order: both seeds run at once on 2 CPUs
KILLED = [
    (ALWAYS_KILLED, 1),
    (KILLED_ONCE, 1),
    *((ALWAYS_KILLED, 1 + n) for n in range(1, MAX_RETRIES + 1)),
]


@pytest.mark.timeout(300)
def test_worker_killed_mid_job_is_retried_then_failed_and_search_goes_on(cli, tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    run_dir = tmp_path / "runs" / "petridish_smoke"
    settings = [
        *QUICK,
        *("--set", f"resources.max_retries={MAX_RETRIES}"),
        *("--set", f"budget.max_jobs={MAX_JOBS}"),
    ]
    driver = cli(
        injected("run", str(SMOKE), "--out", str(tmp_path / "runs"), *settings),
        job_fn=FAKE_JOB,
        sleep_s=0.5,
        pid_dir=pid_dir,
        hold=",".join(f"{job}-{attempt}" for job, attempt in KILLED),  # until killed
    )
    kills = []
    for job, attempt in KILLED:
        pid_file = pid_dir / f"{job}-{attempt}.pid"
        wait_until(f"attempt {attempt} of job {job}", pid_file.exists, 120, driver)
        pid = int(wait_until("its pid", pid_file.read_text, 10))
        assert pid != driver.pid  # a worker process, not the driver
        os.kill(pid, signal.SIGKILL)
        kills.append((job, attempt, pid))
    driver.wait(240)
    assert_clean_exit(driver, 0)
    db = run_dir / "experiment.db"
    assert meta(db, "status") == "SUCCEEDED"
    rows = jobs(db)
    failed = rows[ALWAYS_KILLED]
    assert failed["status"] == "failed", failed
    assert f"worker died on each of {1 + MAX_RETRIES} attempt(s)" in failed["error"], failed
    assert "max_retries" in failed["error"]
    assert not (pid_dir / f"{ALWAYS_KILLED}-{MAX_RETRIES + 2}.pid").exists()  # no extra attempt
    assert rows[KILLED_ONCE]["status"] == "succeeded"  # its retry finished it
    assert (pid_dir / f"{KILLED_ONCE}-2.pid").exists()
    others = [r for j, r in rows.items() if j != ALWAYS_KILLED]
    assert len(rows) == MAX_JOBS and all(r["status"] == "succeeded" for r in others), rows
    print(
        f"\nFAULTS worker-sigkill: {len(kills)} worker kills {kills}; job {ALWAYS_KILLED} "
        f"FAILED after {1 + MAX_RETRIES} attempts, job {KILLED_ONCE} succeeded on its retry; "
        f"{len(others)}/{MAX_JOBS - 1} other jobs succeeded; run SUCCEEDED, exit 0"
    )
