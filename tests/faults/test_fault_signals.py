"""SIGTERM as users send it (``kill -TERM`` the CLI started with the README's command line and
relative paths, real jobs on a real Ray): at random moments of start-up, ``ray.init``, jobs and
plots, each ends the CLI with exit 130, no traceback, the run INTERRUPTED; a resume finishes it.
Ctrl-C in a terminal (SIGINT to the whole process group, Ray's processes included) too.

A SIGTERM that arrives before the CLI has installed its handler (Python still importing it,
~0.4 s) kills the process as SIGTERM does any program (-15); then it has touched no run."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time

import pytest

from tests.faults.helpers import (
    ARCHSEARCH,
    FAKE_JOB,
    SMOKE,
    assert_clean_exit,
    committed,
    injected,
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
# (what the moment is counted from, the window it is drawn from in seconds, the signal)
MOMENTS = [
    ("process start", 4.0, "SIGTERM"),
    ("lease taken", 4.0, "SIGTERM"),  # mostly inside ray.init
    ("lease taken", 6.0, "Ctrl-C"),  # SIGINT to the process group, as a terminal sends it
    ("a job started", 3.0, "SIGTERM"),
]


def lease_of(db, pid: int) -> int | None:
    """The id of the event where process ``pid`` took the run, if it did."""
    rows = query(
        db, "SELECT id FROM events WHERE kind = 'lease' AND payload_json LIKE ?", (f'%:{pid}"%',)
    )
    return rows[0][0] if rows else None


def started_since(db, event_id: int) -> bool:
    return bool(query(db, "SELECT 1 FROM events WHERE kind = 'started' AND id > ?", (event_id,)))


@pytest.mark.timeout(420)
def test_sigterm_at_random_moments_interrupts_and_resume_finishes(cli, tmp_path):
    seed = int(os.environ.get("FAULTS_SEED", time.time_ns() % 2**31))
    print(f"FAULTS_SEED={seed} reproduces this test's moments")  # shown when it fails
    rng = random.Random(seed)
    (tmp_path / "confs").mkdir()
    shutil.copy(SMOKE, tmp_path / "confs")
    run_dir = tmp_path / "runs" / "petridish_smoke"
    db = run_dir / "experiment.db"
    outcomes = []
    for since, window, how in MOMENTS:
        driver = cli(RESUME if db.exists() else RUN)
        if since != "process start":
            took = wait_until("the lease", lambda d=driver: lease_of(db, d.pid), 120, driver)
            if since == "a job started":
                wait_until("a job start", lambda t=took: started_since(db, t), 180, driver)
        before = committed(db)
        time.sleep(rng.uniform(0.0, window))
        at = time.monotonic() - driver.started
        assert driver.proc.poll() is None, f"the run ended before its SIGTERM: {driver.err}"
        if how == "SIGTERM":
            driver.signal(signal.SIGTERM)
        else:
            os.killpg(driver.pid, signal.SIGINT)
        code = driver.wait(120)
        status = meta(db, "status")
        outcomes.append((how, since, round(at, 1), code, status))
        if code == -signal.SIGTERM:  # before main() installed the handler: nothing touched
            assert lease_of(db, driver.pid) is None, driver.err
            continue
        assert_clean_exit(driver, 130)
        assert "archsearch resume" in driver.err
        if db.exists():
            finished = all(r["status"] == "succeeded" for r in jobs(db).values())
            assert (
                status == "INTERRUPTED"
                or (status == "SUCCEEDED" and finished)  # the signal stopped its final plots
                or (status == "INITIALIZED" and not jobs(db))  # before the search began
            ), (status, driver.err)
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
        f"\nFAULTS sigterm seed={seed}: (signal, counted from, at s, exit, status) {outcomes}; "
        f"resume: exit 0 SUCCEEDED, {len(rows)}/2 jobs succeeded, finished re-run 0"
    )


@pytest.mark.timeout(180)
def test_sigterm_while_the_final_outputs_are_written_keeps_the_search_succeeded(cli, tmp_path):
    """The search has ended (SUCCEEDED) and the driver draws its final plots: a SIGTERM then
    stops the drawing (exit 130, no traceback) but the search stays SUCCEEDED; `archsearch
    plot` draws them again."""
    run_dir = tmp_path / "runs" / "petridish_smoke"
    db = run_dir / "experiment.db"
    settings = ["--set", "resources.engine=local", "--set", "plot_every_s=1000"]
    driver = cli(
        injected("run", str(SMOKE), "--out", str(tmp_path / "runs"), *settings),
        job_fn=FAKE_JOB,
        sleep_s=0.1,
    )
    wait_until("the search's end", lambda: meta(db, "status") == "SUCCEEDED", 120, driver)
    driver.signal(signal.SIGTERM)
    code = driver.wait(60)
    assert_clean_exit(driver, code)
    assert code in (0, 130)  # 0: the outputs were written before the signal came
    assert meta(db, "status") == "SUCCEEDED"
    assert all(r["status"] == "succeeded" for r in jobs(db).values())
    replot = subprocess.run([str(ARCHSEARCH), "plot", str(run_dir)], capture_output=True, text=True)
    assert replot.returncode == 0 and (run_dir / "plots" / "frontier.png").exists(), replot.stderr
    print(f"\nFAULTS sigterm-final-outputs: exit {code}, status SUCCEEDED kept; plot redraws")
