"""Kill a running search with SIGKILL; `archsearch resume` finishes it without retraining."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from archsearch.hull import lower_convex_hull

from .conftest import REPO, archsearch

pytestmark = pytest.mark.slow


def committed(db_path):
    if not db_path.exists():
        return {}
    db = sqlite3.connect(db_path, timeout=10)
    try:
        rows = db.execute("SELECT job_id, result_json FROM records WHERE result_json IS NOT NULL")
        return dict(rows.fetchall())
    except sqlite3.OperationalError:  # schema not created yet
        return {}
    finally:
        db.close()


def test_sigkill_then_resume_keeps_every_committed_result(smoke_conf, tmp_path):
    overrides = ["--set", "resources.engine=local", "--set", "budget.max_jobs=9"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archsearch.cli",
            "run",
            str(smoke_conf),
            "--out",
            str(tmp_path),
            *overrides,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    run_dir = tmp_path / "petridish_smoke"
    deadline = time.monotonic() + 240
    while len(committed(run_dir / "experiment.db")) < 3:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no results committed in time"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = committed(run_dir / "experiment.db")
    assert 3 <= len(before) < 9
    gone = archsearch("status", str(run_dir))  # the store still says RUNNING; the driver is dead
    assert "DRIVER_GONE" in gone.stdout and "archsearch resume" in gone.stdout

    done = archsearch("resume", str(run_dir), timeout=400)
    assert done.returncode == 0, done.stderr

    db = sqlite3.connect(run_dir / "experiment.db")
    after = dict(db.execute("SELECT job_id, result_json FROM records").fetchall())
    for job_id, result in before.items():
        assert after[job_id] == result  # kept as committed, never recomputed
    assert len(after) == 9 and all(r is not None for r in after.values())
    log = (run_dir / "log.txt").read_text()
    for job_id in before:
        assert f"resubmitted job {job_id}:" not in log
    status = db.execute("SELECT value FROM meta WHERE key='status'").fetchone()[0]
    assert status == "SUCCEEDED"

    hull = json.loads((run_dir / "hull.json").read_text())["hull"]
    trained = db.execute(
        "SELECT job_id, madd, error_rate FROM jobs WHERE status='succeeded' AND stage != 'search'"
    ).fetchall()
    points = np.array([[m, e] for _, m, e in trained])
    expected = sorted(trained[i][0] for i in lower_convex_hull(points))
    assert sorted(h["job_id"] for h in hull) == expected
    madds = [h["madd"] for h in hull]
    errors = [h["error"] for h in hull]
    assert madds == sorted(madds) and errors == sorted(errors, reverse=True)
    for madd, err in points:  # every trained model lies on or above the hull
        assert err >= np.interp(madd, madds, errors) - 1e-9 or madd < madds[0]


def test_ctrl_c_exits_130_and_resume_continues(smoke_conf, tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archsearch.cli",
            "run",
            str(smoke_conf),
            "--out",
            str(tmp_path),
            "--set",
            "resources.engine=local",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    run_dir = tmp_path / "petridish_smoke"
    deadline = time.monotonic() + 240
    while len(committed(run_dir / "experiment.db")) < 1:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert b"resume" in err
    db = sqlite3.connect(run_dir / "experiment.db")
    assert db.execute("SELECT value FROM meta WHERE key='status'").fetchone()[0] == "INTERRUPTED"
    db.close()
    done = archsearch("resume", str(run_dir), timeout=400)
    assert done.returncode == 0, done.stderr
    status = archsearch("status", str(run_dir))
    assert "SUCCEEDED" in status.stdout and "hull (" in status.stdout
