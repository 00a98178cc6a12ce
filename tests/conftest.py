"""Fixtures shared by every test folder: a small JobSpec factory and ONE local Ray cluster.

The Ray cluster is session-scoped and started only by the first test that asks for it
(``ray_cluster``): starting Ray costs ~15 s on two cores, so the whole session shares one.
It has 2 CPUs and 4 *fake* GPUs (scheduling slots only: no CUDA is involved), so GPU-sized
jobs schedule on a CPU-only machine. A test that needs another cluster shape (e.g. no GPU)
injects a resource view into the engine instead of starting a second cluster.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# `tests.engine.jobs_for_tests:...` job functions are imported by dotted path, here and on
# Ray workers: both need the repository root on their path, however pytest was started.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from archsearch.jobs.spec import JobSpec, Stage  # noqa: E402 - needs the path above
from archsearch.space.builders import seed_model  # noqa: E402

RAY_CPUS, RAY_FAKE_GPUS = 2, 4


def free_port() -> int:
    """A loopback port nobody listens on (free when asked; tests use it at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SignalledOnDelete:
    """Sends this process ``signum`` from its ``__del__``: a place where Python drops (and
    prints as "Exception ignored") what the signal's handler raises."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        for _ in range(1000):  # the handler runs at one of these bytecodes, inside __del__
            pass


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker trains with its share of the cores. Torch's default, a thread a core in
    every worker, oversubscribes the machine, and its OpenMP threads then wait for each other
    at every operation: a one-epoch smoke job took 140 s instead of 2 beside a busy core."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(workers)))


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` runs two xdist workers; the slow tests all go to one of them, one at a time.

    They start Ray outside this session's fixture: `ray start --head` clusters on the README's
    fixed ports (8265), and CLI drivers that join a cluster `ray start` recorded on this machine
    and take 8265 for their dashboard when it is free. Run side by side they would find each
    other; in one group they never overlap, and the fast tests fill the other worker.
    """
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.xdist_group("processes"))


@pytest.fixture
def make_spec(tmp_path: Path) -> Callable[..., JobSpec]:
    """``make_spec(job_id, stage=..., parent_id=..., **meta)``: a tiny seed-model job spec."""

    def make(
        job_id: int, stage: Stage = Stage.SEED_TRAIN, parent_id: int | None = None, **meta: Any
    ) -> JobSpec:
        desc = seed_model(
            cells=3,
            reductions=1,
            nodes=1,
            init_channels=4,
            num_classes=10,
            input_shape=(1, 8, 8),
            seed=job_id,
        )
        return JobSpec(
            job_id=job_id,
            stage=stage,
            model_desc=desc,
            train_conf={"epochs": 1},
            data_conf={"name": "digits"},
            parent_id=parent_id,
            seed=job_id,
            meta=dict(meta),
        )

    return make


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[dict[str, float]]:
    """The session's local Ray cluster; yields its total resources."""
    ray = pytest.importorskip("ray")
    if ray.is_initialized():  # someone else's cluster: use it, leave it running
        yield ray.cluster_resources()
        return
    # Workers inherit the environment of the raylet started here: give them the repository.
    old_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), old_path) if p)
    try:
        ray.init(
            address="local",  # never join a cluster some `ray start` left on this machine
            num_cpus=RAY_CPUS,
            num_gpus=RAY_FAKE_GPUS,
            include_dashboard=False,
            object_store_memory=100 * 1024**2,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
    finally:
        if old_path is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old_path
    yield ray.cluster_resources()
    ray.shutdown()
