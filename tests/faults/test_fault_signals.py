"""SIGTERM as users send it (``kill -TERM`` the CLI started with the README's command line and
relative paths, real jobs on a real Ray): at random moments of start-up, ``ray.init``, jobs and
plots, each ends the CLI with exit 130, no traceback, the run INTERRUPTED; a resume finishes it.

A SIGTERM that arrives before the CLI has installed its handler (Python still importing it,
~0.3 s) kills the process as SIGTERM does any program (-15); then it has touched no run."""

from __future__ import annotations

import os
import random
import shutil
import signal
import time

import pytest

from tests.faults.helpers import (
    ARCHSEARCH,
    SMOKE,
    assert_clean_exit,
    committed,
    jobs,
    meta,
    query,
    reruns_of_finished,
    wait_until,
)

pytestmark = pytest.mark.slow

# The README's lines, from the folder that holds confs/ (relative paths, as users type them).
RUN = [str(ARCHSEARCH), "run", "confs/petridish_smoke.yaml", "--set", "budget.max_jobs=2"]
RESUME = [str(ARCHSEARCH), "resume", "runs/petridish_smoke"]
# (what the moment is counted from, the window it is drawn from, in seconds)
MOMENTS = [("process start", 4.0), ("lease taken", 4.0), ("a job started", 3.0)]


def lease_events(db) -> list[str]:
    return [r[0] for r in query(db, "SELECT payload_json FROM events WHERE kind = 'lease'")]


def job_started_since_lease(db) -> bool:
    rows = query(
        db,
        "SELECT COUNT(*) FROM events WHERE kind = 'started' "
        "AND id > (SELECT MAX(id) FROM events WHERE kind = 'lease')",
    )
    return bool(rows and rows[0][0])


@pytest.mark.timeout(420)
def test_sigterm_at_random_moments_interrupts_and_resume_finishes(cli, tmp_path):
    seed = int(os.environ.get("FAULTS_SEED", time.time_ns() % 2**31))
    rng = random.Random(seed)
    (tmp_path / "confs").mkdir()
    shutil.copy(SMOKE, tmp_path / "confs")
    run_dir = tmp_path / "runs" / "petridish_smoke"
    db = run_dir / "experiment.db"
    outcomes = []
    for since, window in MOMENTS:
        driver = cli(RESUME if db.exists() else RUN)
        if since == "lease taken":
            took = lambda d=driver: f":{d.pid}" in str(lease_events(db))  # noqa: E731
            wait_until("the lease", took, 120, driver)
        elif since == "a job started":
            wait_until("a job start", lambda: job_started_since_lease(db), 180, driver)
        before = committed(db)
        time.sleep(rng.uniform(0.0, window))
        at = time.monotonic() - driver.started
        assert driver.proc.poll() is None, f"the run ended before its SIGTERM: {driver.err}"
        driver.signal(signal.SIGTERM)
        code = driver.wait(120)
        status = meta(db, "status")
        outcomes.append((since, round(at, 1), code, status))
        if code == -signal.SIGTERM:  # before main() installed the handler: nothing touched
            assert f":{driver.pid}" not in str(lease_events(db)), driver.err
            continue
        assert_clean_exit(driver, 130)
        assert "archsearch resume" in driver.err
        if db.exists():
            assert status == "INTERRUPTED" or (
                status == "SUCCEEDED" and all(r["status"] == "succeeded" for r in jobs(db).values())
            ), (status, driver.err)  # the search had ended: the signal stopped its final plots
        after = committed(db)
        assert {j: after.get(j) for j in before} == before

    final = cli(RESUME if db.exists() else RUN)
    final.wait(300)
    assert_clean_exit(final, 0)
    assert meta(db, "status") == "SUCCEEDED"
    rows = jobs(db)
    assert len(rows) == 2 and all(r["status"] == "succeeded" for r in rows.values())
    assert reruns_of_finished(db) == []
    assert (run_dir / "hull.json").exists() and (run_dir / "plots" / "frontier.png").exists()
    print(
        f"\nFAULTS sigterm seed={seed}: (counted from, at s, exit, status) {outcomes}; "
        f"resume: exit 0 SUCCEEDED, {len(rows)}/2 jobs succeeded, finished re-run 0"
    )
