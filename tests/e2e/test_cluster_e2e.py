"""`ray job submit` of the smoke search to a `ray start --head` cluster on loopback."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow
DASHBOARD = "http://127.0.0.1:8265"
GCS_PORT = 6390


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the head node's own process group, SIGKILL what is left after a grace period."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):  # `ray start --block` can leave gcs_server
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # A killed head leaves its address recorded; remove it so later `ray.init()`s don't try it.
    record = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"
    if record.exists() and record.read_text().strip().endswith(f":{GCS_PORT}"):
        record.unlink()


@pytest.fixture
def head_node(tmp_path):
    """A head node with 2 fake GPUs on loopback; stopped by killing its own process group
    only, so the test session's cluster (and anyone else's) keeps running. Token auth (on by
    default since Ray 2.5x) is disabled for this loopback-only cluster and its clients."""
    bin_dir = Path(sys.executable).parent
    ray = shutil.which("ray", path=str(bin_dir)) or "ray"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "RAY_AUTH_MODE": "disabled"}
    env.pop("RAY_ADDRESS", None)
    proc = subprocess.Popen(
        [
            ray,
            "start",
            "--head",
            "--block",
            f"--port={GCS_PORT}",
            "--num-cpus=2",
            "--num-gpus=2",
            "--include-dashboard=true",
            "--dashboard-host=127.0.0.1",
            "--dashboard-port=8265",
            "--disable-usage-stats",
        ],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while (
            subprocess.run(
                [ray, "job", "list", "--address", DASHBOARD], env=env, capture_output=True
            ).returncode
            != 0
        ):
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "dashboard did not come up"
            time.sleep(1)
        yield ray, env
    finally:
        stop_group(proc)


def test_job_submit_runs_the_search_on_the_cluster(head_node, tmp_path):
    ray, env = head_node
    out = tmp_path / "runs"
    submitted = subprocess.run(
        [
            ray,
            "job",
            "submit",
            "--address",
            DASHBOARD,
            "--working-dir",
            ".",
            "--",
            "python",
            "scripts/search.py",
            "--config",
            "confs/petridish_smoke.yaml",
            "--out",
            str(out),
            "--set",
            "budget.max_jobs=6",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    assert "succeeded" in submitted.stdout.lower()
    run_dir = out / "petridish_smoke"
    assert (run_dir / "plots" / "frontier.png").read_bytes()[:4] == b"\x89PNG"
    assert (run_dir / "hull.json").exists()
