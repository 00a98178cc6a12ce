"""A search on a real two-node Ray cluster on this machine (a head and a second node with its
own --temp-dir), with the data set and the run directory known to the driver only.

Part one runs every job on the second node (a custom resource only it has), part two, after a
resume, on the head. Workers open nothing under the run directory or the data folder (an
audit hook in the job function records every open under them), yet children inherit their
parents' weights, across nodes and across the resume, and the run is complete."""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.data.test_data_cifar10 import write_folder

from .cluster import (
    cluster_env,
    results_of,
    start_node,
    stop_group,
    store_rows,
    wait_for_resource,
)
from .conftest import REPO, SMOKE

pytestmark = pytest.mark.slow
GCS_PORT = 6391
ADDRESS = f"127.0.0.1:{GCS_PORT}"
JOB_FN = "tests.e2e.audited_job:run"
NEW = (
    "import sys; from archsearch import Experiment, load_config; "
    "print(Experiment(load_config(sys.argv[2], sys.argv[3:]), job_fn=sys.argv[1]).run())"
)
RESUME = (
    "import sys; from archsearch import Experiment; "
    "print(Experiment.resume(sys.argv[2], sys.argv[3:], job_fn=sys.argv[1]).run())"
)


@pytest.fixture
def short_temp_dir():
    """The second node's --temp-dir: short, as Ray's socket paths under it must fit in
    AF_UNIX's 107 bytes (pytest's tmp_path does not)."""
    path = tempfile.mkdtemp(prefix="node2-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def two_nodes(tmp_path, short_temp_dir):
    audit, data = tmp_path / "audit", tmp_path / "cifar10"
    audit.mkdir()
    write_folder(data)
    run_dir = tmp_path / "runs" / "petridish_smoke"
    watch = f"{run_dir}:{data}"
    env = cluster_env(ARCHSEARCH_TEST_AUDIT=str(audit), ARCHSEARCH_TEST_WATCH=watch)
    head = start_node(
        [
            "--head",
            f"--port={GCS_PORT}",
            "--num-cpus=1",
            "--num-gpus=0",
            '--resources={"head": 1}',
            "--include-dashboard=false",
        ],
        env,
    )
    second = None
    try:
        wait_for_resource(ADDRESS, "head", env, head)
        second = start_node(
            [
                f"--address={ADDRESS}",
                f"--temp-dir={short_temp_dir}",
                "--num-cpus=2",
                "--num-gpus=0",
                '--resources={"node2": 2}',
            ],
            env,
        )
        wait_for_resource(ADDRESS, "node2", env, second)
        yield {"env": env, "audit": audit, "data": data, "run_dir": run_dir, "tmp": tmp_path}
    finally:
        try:
            if second is not None:
                stop_group(second)
        finally:
            stop_group(head, GCS_PORT)


def drive(cluster, script: str, *args: str) -> subprocess.CompletedProcess:
    """The driver, in its own process, joined to the two-node cluster."""
    env = {**cluster["env"], "RAY_ADDRESS": ADDRESS}
    return subprocess.run(
        [sys.executable, "-c", script, JOB_FN, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
    )


def audit_records(audit: Path) -> dict[int, dict]:
    return {r["job_id"]: r for r in (json.loads(p.read_text()) for p in audit.glob("*.json"))}


def test_jobs_on_two_nodes_touch_no_driver_file_and_still_warm_start(two_nodes):
    c = two_nodes
    first = drive(
        c,
        NEW,
        str(SMOKE),
        f"out_dir={c['tmp'] / 'runs'}",
        "data.name=cifar10",
        f"data.root={c['data']}",
        "resources.custom={node2: 1}",
        "budget.max_jobs=6",
    )
    assert first.returncode == 0, first.stdout + first.stderr
    db = c["run_dir"] / "experiment.db"
    part_one = audit_records(c["audit"])
    assert sorted(part_one) == [1, 2, 3, 4, 5, 6]
    second_node = {r["node"] for r in part_one.values()}
    assert len(second_node) == 1, "every job of part one ran on the node with 'node2'"

    resumed = drive(
        c, RESUME, str(c["run_dir"]), "resources.custom={head: 1}", "budget.max_jobs=10"
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    records = audit_records(c["audit"])
    assert sorted(records) == list(range(1, 11)), resumed.stdout + resumed.stderr
    head_node = {records[i]["node"] for i in range(7, 11)}
    assert len(head_node) == 1 and head_node.isdisjoint(second_node)

    assert all(r["opened"] == [] for r in records.values()), [
        (i, r["opened"]) for i, r in records.items() if r["opened"]
    ]
    results = results_of(db)
    assert sorted(results) == list(range(1, 11))
    assert all(r["status"] == "succeeded" for r in results.values())
    specs = {i: json.loads(s) for i, s in store_rows(db, "SELECT job_id, spec_json FROM records")}
    warm = [i for i, s in specs.items() if s["warm_start_from"] is not None]
    assert any(i <= 6 for i in warm) and any(i > 6 for i in warm)
    for i in warm:  # parents' weights reached every child, from node to node and after resume
        assert results[i]["metrics"]["inherited_tensors"] > 0, i
        assert records[i]["inherited"] > 0
    for i in range(1, 11):
        assert (c["run_dir"] / "weights" / f"{i}.pt").stat().st_size > 0
    hull = json.loads((c["run_dir"] / "hull.json").read_text())["hull"]
    assert hull and all(
        (c["run_dir"] / "best" / str(k) / "weights.pt").exists() for k in range(len(hull))
    )
    assert (c["run_dir"] / "plots" / "frontier.png").read_bytes()[:4] == b"\x89PNG"
