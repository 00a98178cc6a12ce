"""The driver SIGKILLed at 10 random moments, resumed after each: no committed result is lost or
rewritten, no finished job runs again, and the final hull is the hull of the succeeded jobs."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest

from tests.faults.helpers import (
    ARCHSEARCH,
    FAKE_JOB,
    QUICK,
    SMOKE,
    assert_clean_exit,
    assert_finished_intact,
    check_hull,
    committed,
    injected,
    jobs,
    lease_holder,
    query,
    wait_until,
)

pytestmark = pytest.mark.slow

KILLS = 10
MAX_JOBS = 40
SLEEP_S = 0.25  # per job: a kill lands before, inside and between jobs
# Each kill lands at a uniform moment of a window: most in the search loop (from the driver's
# first submit), some in its start (from the moment it took the run: data, engine, strategy).
LOOP_WINDOW_S, START_WINDOW_S, START_SHARE = 2.5, 1.5, 0.3


def held_by(db, pid: int) -> bool:
    holder = lease_holder(db)
    return bool(holder) and holder.endswith(f":{pid}")


def in_flight_of(db, pid: int) -> int:
    """Jobs the driver ``pid`` had submitted (or resubmitted) and not finished when it died."""
    rows = query(
        db,
        "SELECT COUNT(DISTINCT job_id) FROM events WHERE kind = 'submitted' AND id > "
        "(SELECT id FROM events WHERE kind = 'lease' AND payload_json LIKE ?) AND job_id IN "
        "(SELECT job_id FROM records WHERE result_json IS NULL)",
        (f'%:{pid}"%',),
    )
    return rows[0][0] if rows else 0


def submitted_since_lease(db) -> bool:
    """The driver holding the run has submitted a job: it is in its loop."""
    rows = query(
        db,
        "SELECT COUNT(*) FROM events WHERE kind = 'submitted' "
        "AND id > (SELECT MAX(id) FROM events WHERE kind = 'lease')",
    )
    return bool(rows and rows[0][0])


@pytest.mark.timeout(420)
def test_sigkill_at_random_moments_loses_nothing_and_reruns_nothing(cli, tmp_path):
    seed = int(os.environ.get("FAULTS_SEED", time.time_ns() % 2**31))
    rng = random.Random(seed)
    run_dir = tmp_path / "runs" / "petridish_smoke"
    db = run_dir / "experiment.db"
    settings = [*QUICK, "--set", "resources.engine=local", "--set", f"budget.max_jobs={MAX_JOBS}"]
    faults = {"job_fn": FAKE_JOB, "sleep_s": SLEEP_S}
    kept: dict[int, str] = {}  # every result committed before some kill, as it was committed
    landed = []  # (results committed, jobs running) when each kill landed
    for kill in range(KILLS):
        if kill == 0:
            argv = injected("run", str(SMOKE), "--out", str(tmp_path / "runs"), *settings)
        else:
            argv = injected("resume", str(run_dir))
        driver = cli(argv, **faults)
        wait_until("driver holding the run", lambda d=driver: held_by(db, d.pid), 120, driver)
        phase = "start" if rng.random() < START_SHARE else "loop"
        if phase == "loop":
            wait_until("a submit", lambda: submitted_since_lease(db), 120, driver)
        time.sleep(rng.uniform(0.0, LOOP_WINDOW_S if phase == "loop" else START_WINDOW_S))
        assert driver.proc.poll() is None, f"the run ended before kill {kill + 1}: {driver.err}"
        driver.signal(signal.SIGKILL)
        assert driver.wait(30) == -signal.SIGKILL
        now = committed(db)
        assert {j: now.get(j) for j in kept} == kept, "a committed result was lost or rewritten"
        kept.update(now)
        landed.append((phase, len(now), in_flight_of(db, driver.pid)))
        if kill == 0:
            status = subprocess.run(
                [str(ARCHSEARCH), "status", str(run_dir)], capture_output=True, text=True
            )
            assert "DRIVER_GONE" in status.stdout, status.stdout

    final = cli(injected("resume", str(run_dir)), **faults)
    final.wait(240)
    assert_clean_exit(final, 0)
    assert_finished_intact(db, kept, MAX_JOBS)
    hull = check_hull(run_dir)
    resubmitted = sum(r["attempts"] - 1 for r in jobs(db).values())
    print(
        f"\nFAULTS driver-sigkill seed={seed}: {KILLS} kills, (phase, results committed, jobs "
        f"in flight) at each: {landed}; {sum(1 for *_, r in landed if r)} with jobs in flight; "
        "lost 0; "
        "finished re-run "
        f"0; unfinished resubmitted {resubmitted}; {MAX_JOBS}/{MAX_JOBS} succeeded; hull "
        f"{hull} = hull of the succeeded jobs"
    )
