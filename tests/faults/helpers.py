"""Running the archsearch CLI as users do (a process of its own, its own Ray) and reading back
what its run left: the store through plain ``sqlite3``, the files on disk."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from archsearch.hull import lower_convex_hull

REPO = Path(__file__).resolve().parents[2]
ARCHSEARCH = Path(sys.executable).with_name("archsearch")  # the console script users run
SMOKE = REPO / "confs" / "petridish_smoke.yaml"
FAKE_JOB = "tests.faults.jobs:sleepy"
# Every fault run: no periodic plots (the final ones still draw), GPU-sized jobs on CPU slots.
QUICK = ["--set", "plot_every_s=1000"]
LOCAL = [*QUICK, "--set", "resources.engine=local"]  # no Ray where the case is not about it


class Cli:
    """A CLI process of a test; its output goes to files (a pipe nobody reads would block it).
    It leads a process group of its own, which teardown kills with whatever it left behind."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        n = len(list(log_dir.glob("*.err")))
        self.out_path, self.err_path = log_dir / f"{n}.out", log_dir / f"{n}.err"
        self.argv = argv
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
            )
        self.pid = self.proc.pid
        self.started = time.monotonic()

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.argv} still runs after {timeout} s:\n{self.err}") from None

    def signal(self, sig: int) -> None:
        """Signal the CLI process itself, as ``kill -SIG PID`` does."""
        if self.proc.poll() is None:
            os.kill(self.pid, sig)

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self.proc.wait()

    @property
    def err(self) -> str:
        return self.err_path.read_text(errors="replace")

    @property
    def out(self) -> str:
        return self.out_path.read_text(errors="replace")


def env_for(**faults: object) -> dict[str, str]:
    """The environment of a CLI run: the repository importable (here and on its Ray workers,
    which inherit it), a Ray of its own (never a cluster another `ray start` left here), and
    the faults to inject (``tests/faults/inject.py``, ``tests/faults/jobs.py``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "FAULTS_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.update({f"FAULTS_{k.upper()}": str(v) for k, v in faults.items()})
    return env


def injected(*args: str) -> list[str]:
    """``archsearch ARGS`` with the driver-side faults of ``tests.faults.inject``."""
    return [sys.executable, "-m", "tests.faults.inject", *args]


def wait_until(what: str, check: Callable[[], object], timeout: float, cli: Cli | None = None):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if cli is not None and cli.proc.poll() is not None:
            raise AssertionError(f"exited {cli.proc.returncode} before {what}:\n{cli.err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s" + (f":\n{cli.err}" if cli else ""))
        time.sleep(0.05)


def query(db_path: Path, sql: str, args: tuple = ()) -> list[tuple]:
    """Rows of ``sql`` on the run's store, read as any user's ``sqlite3`` would (read-only);
    [] while the store or its tables do not exist yet."""
    if not db_path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:
        return []
    try:
        return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # no such table yet
        return []
    finally:
        db.close()


def committed(db_path: Path) -> dict[int, str]:
    """job id -> result JSON of every job whose result is committed."""
    sql = "SELECT job_id, result_json FROM records WHERE result_json IS NOT NULL"
    return dict(query(db_path, sql))


def meta(db_path: Path, key: str) -> str | None:
    rows = query(db_path, "SELECT value FROM meta WHERE key = ?", (key,))
    return rows[0][0] if rows else None


def lease_holder(db_path: Path) -> str | None:
    rows = query(db_path, "SELECT holder FROM lease WHERE id = 1")
    return rows[0][0] if rows else None


def jobs(db_path: Path) -> dict[int, dict]:
    rows = query(db_path, "SELECT job_id, stage, status, attempts, error FROM jobs")
    keys = ("job_id", "stage", "status", "attempts", "error")
    return {r[0]: dict(zip(keys, r, strict=True)) for r in rows}


def reruns_of_finished(db_path: Path) -> list[int]:
    """Jobs submitted again after their result was recorded: finished work run twice."""
    finished_at: dict[int, int] = {}
    rerun = []
    events = query(db_path, "SELECT id, kind, job_id FROM events WHERE job_id IS NOT NULL")
    for event_id, kind, job_id in sorted(events):
        if kind == "result":
            finished_at.setdefault(job_id, event_id)
        elif kind == "submitted" and job_id in finished_at:
            rerun.append(job_id)
    return rerun


def assert_finished_intact(db: Path, kept: dict[int, str], n_jobs: int) -> None:
    """A resumed run ended SUCCEEDED with ``n_jobs`` jobs, all succeeded, none trained twice,
    and every result committed before the fault (``kept``) unchanged."""
    assert meta(db, "status") == "SUCCEEDED"
    after = committed(db)
    assert {j: after.get(j) for j in kept} == kept, "a committed result was lost or rewritten"
    rows = jobs(db)
    assert len(rows) == n_jobs and all(r["status"] == "succeeded" for r in rows.values()), rows
    assert reruns_of_finished(db) == []


def check_hull(run_dir: Path) -> list[int]:
    """hull.json against the store's succeeded jobs: the hull is the lower convex hull of their
    (MAdd, error), recomputed here; the strategy's saved state holds no pool. Returns the hull's
    job ids."""
    db = run_dir / "experiment.db"
    trained = query(
        db,
        "SELECT job_id, madd, error_rate FROM jobs "
        "WHERE status = 'succeeded' AND stage != 'search' ORDER BY job_id",
    )
    expected = sorted(trained[i][0] for i in lower_convex_hull(np.array([r[1:] for r in trained])))
    hull = json.loads((run_dir / "hull.json").read_text())["hull"]
    assert sorted(h["job_id"] for h in hull) == expected, (hull, trained)
    # The pool is the store's trained jobs, not strategy state: the state stays small.
    state = json.loads(query(db, "SELECT state_json FROM strategy_state")[0][0])
    assert "pool" not in state and len(json.dumps(state)) < 20_000
    return expected


def assert_clean_exit(cli: Cli, code: int) -> None:
    """Exit ``code`` and nothing a user should not see: no traceback, no Ray noise."""
    err = cli.err
    assert cli.proc.returncode == code, err
    assert "Traceback" not in err, err
    for noise in ("Mismatched ActorID", "Failed to push error", "Unhandled error"):
        assert noise not in err, err
