"""The README's own `ray job submit` lines, verbatim, against a `ray start --head` cluster on
loopback: no `--out`, so the run must land in the persistent home (here `$HOME/archsearch`
of the head node), complete; `ray job stop` leaves it INTERRUPTED and the README's resume line
finishes it. Nothing a user sees is a traceback or Ray's C++ noise."""

import re
import shlex
from pathlib import Path

import pytest

from .cluster import (
    DASHBOARD,
    cluster_env,
    meta,
    ray_cli,
    results_of,
    start_node,
    stop_group,
    store_rows,
    wait_until,
)
from .conftest import REPO

pytestmark = pytest.mark.slow
GCS_PORT = 6390
NOISE = ("Traceback", "Mismatched ActorID", "Failed to push error", "authentication")


def readme_commands(heading: str) -> list[list[str]]:
    """The shell commands of the first ```bash block after ``heading`` in the README, each
    joined over its backslash continuations and split as the shell would (comments dropped)."""
    text = (REPO / "README.md").read_text()
    section = text[text.index(heading) :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, f"no bash block under {heading!r}"
    joined = block.group(1).replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in joined.splitlines() if line.strip()]


def submit_lines() -> tuple[list[str], list[str], list[str]]:
    """The README's submit, stop and resume lines (`ray job ...`)."""
    commands = [c for c in readme_commands("### On a Ray cluster") if c[:2] == ["ray", "job"]]
    submit = [c for c in commands if c[2] == "submit" and "--resume" not in c]
    stop = [c for c in commands if c[2] == "stop"]
    resume = [c for c in commands if c[2] == "submit" and "--resume" in c]
    assert submit and stop and resume, commands
    return submit[0], stop[0], resume[0]


@pytest.fixture
def head_node(tmp_path):
    """A head node with the dashboard (job server) on loopback, its HOME a temporary folder
    (the persistent home a job-submitted run lands in)."""
    home = tmp_path / "home"
    home.mkdir()
    env = cluster_env(HOME=str(home))
    env.pop("ARCHSEARCH_HOME", None)
    proc = start_node(
        [
            "--head",
            f"--port={GCS_PORT}",
            "--num-cpus=2",
            "--num-gpus=0",
            "--include-dashboard=true",
            "--dashboard-host=127.0.0.1",
            "--dashboard-port=8265",
        ],
        env,
    )
    try:
        wait_until(
            lambda: ray_cli("job", "list", "--address", DASHBOARD, env=env).returncode == 0,
            120,
            "the dashboard's job server",
            proc,
        )
        yield env, home
    finally:
        stop_group(proc, GCS_PORT)


def run_ray(args: list[str], env: dict[str, str], *extra: str):
    assert args[0] == "ray"
    return ray_cli(*args[1:], *extra, env=env)


def printed_run_dir(output: str) -> Path:
    found = re.findall(r"run directory: (\S+)", output)
    assert found, output
    return Path(found[-1])


def assert_quiet(output: str) -> None:
    for noise in NOISE:
        assert noise not in output, output


def test_readme_submit_lands_a_complete_run_in_the_home(head_node):
    env, home = head_node
    submit, _, _ = submit_lines()
    assert "--out" not in submit
    done = run_ray(submit, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_quiet(done.stdout + done.stderr)
    run_dir = printed_run_dir(done.stdout)
    assert run_dir.is_absolute() and run_dir.parent == home / "archsearch" / "runs"
    assert meta(run_dir / "experiment.db", "status") == "SUCCEEDED"
    assert (run_dir / "hull.json").exists() and (run_dir / "best" / "0" / "weights.pt").exists()
    assert (run_dir / "plots" / "frontier.png").read_bytes()[:4] == b"\x89PNG"


def test_ray_job_stop_interrupts_and_the_readme_resume_finishes(head_node):
    env, home = head_node
    submit, stop, resume = submit_lines()
    # `--no-wait` goes before the entrypoint's `--`, so the job keeps running while we watch it
    cut = submit.index("--")
    longer = [*submit[:cut], "--no-wait", *submit[cut:], "--set", "budget.max_jobs=20"]
    started = run_ray(longer, env)
    assert started.returncode == 0, started.stdout + started.stderr
    submission = re.search(r"raysubmit_\w+", started.stdout).group(0)
    run_dir = home / "archsearch" / "runs" / "petridish_smoke"
    db = run_dir / "experiment.db"
    wait_until(lambda: len(results_of(db)) >= 3, 300, "three results")

    stopped = run_ray([a if a != "<submission_id>" else submission for a in stop], env)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    wait_until(lambda: meta(db, "status") != "RUNNING", 60, "the driver to record its end")
    assert meta(db, "status") == "INTERRUPTED"
    logs = ray_cli("job", "logs", "--address", DASHBOARD, submission, env=env).stdout
    assert_quiet(logs)
    before = results_of(db)
    assert len(before) < 20

    again = [a if a != "<run_dir>" else str(run_dir) for a in resume]
    finished = run_ray(again, env)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert_quiet(finished.stdout + finished.stderr)
    assert printed_run_dir(finished.stdout) == run_dir
    assert meta(db, "status") == "SUCCEEDED"
    after = results_of(db)
    assert all(after[i] == r for i, r in before.items())  # no finished job trained again
    attempts = dict(store_rows(db, "SELECT job_id, attempts FROM jobs"))
    assert all(attempts[i] == 1 for i in before if before[i]["status"] == "succeeded")
