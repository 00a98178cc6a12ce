"""Ray nodes started with `ray start --block` in their own process groups, as an operator
would, and stopped by killing those groups only (never `ray stop`: other clusters on this
machine, the test session's own included, keep running). Token auth (on by default since
Ray 2.5x) is off for these loopback test clusters and their clients."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import free_port

from .conftest import REPO

BIN = Path(sys.executable).parent
RAY = shutil.which("ray", path=str(BIN)) or "ray"
DASHBOARD = "http://127.0.0.1:8265"


def cluster_env(**extra: str) -> dict[str, str]:
    """The environment of nodes and clients: this venv first, the repository importable by
    workers (tests' job functions), token auth off, no inherited RAY_ADDRESS."""
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "RAY_AUTH_MODE": "disabled",
        **extra,
    }
    env.pop("RAY_ADDRESS", None)
    return env


def start_node(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A node; its dashboard agent on a free port, not Ray's fixed 52365, which any other Ray
    on this machine (another test worker's, a benchmark's) may hold: a head whose agent cannot
    bind refuses every `ray job submit` ("No available agent to submit job")."""
    return subprocess.Popen(
        [
            RAY,
            "start",
            "--block",
            "--disable-usage-stats",
            "--object-store-memory=200000000",
            f"--dashboard-agent-listen-port={free_port()}",
            *args,
        ],
        # No drain at SIGTERM: these nodes are torn down whole, and Ray's default drain sat
        # out `stop_group`'s 15 s grace at every teardown.
        env={**env, "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"},
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop_group(proc: subprocess.Popen, gcs_port: int | None = None) -> None:
    """SIGTERM the node's own process group, SIGKILL what is left after a grace period."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):  # ProcessLookupError: it had exited
        pass
    with contextlib.suppress(ProcessLookupError):  # `ray start --block` can leave gcs_server
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # A killed head leaves its address recorded; remove it so later `ray.init()`s don't try it.
    record = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"
    if gcs_port and record.exists() and record.read_text().strip().endswith(f":{gcs_port}"):
        record.unlink()


def wait_until(check: Callable[[], object], timeout: float, what: str, proc=None) -> object:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process exited\n{proc.stdout.read().decode()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
    return value


def wait_for_resource(address: str, name: str, env: dict[str, str], proc=None) -> None:
    """Until the cluster at ``address`` lists resource ``name`` (a node that has joined): a
    driver started before that would find its jobs' resource absent."""

    def listed() -> bool:
        try:
            status = ray_cli("status", "--address", address, env=env, timeout=60)
        except subprocess.TimeoutExpired:
            return False
        return status.returncode == 0 and f" {name}" in status.stdout

    wait_until(listed, 120, f"resource {name!r} on {address}", proc)


def ray_cli(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RAY, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def store_rows(db: Path, sql: str) -> list[tuple]:
    """Rows of a run's store, read as `sqlite3` would, while a driver may be writing it."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        conn.close()


def meta(db: Path, key: str) -> str | None:
    rows = store_rows(db, f"SELECT value FROM meta WHERE key = '{key}'")
    return rows[0][0] if rows else None


def results_of(db: Path) -> dict[int, dict]:
    rows = store_rows(db, "SELECT job_id, result_json FROM records WHERE result_json IS NOT NULL")
    return {job_id: json.loads(text) for job_id, text in rows}
