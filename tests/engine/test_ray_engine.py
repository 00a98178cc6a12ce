"""RayEngine beyond the contract: resources, GPU fallback, retries of dead workers.

All on the session's one local cluster (2 CPUs, 4 fake GPUs); a GPU-less cluster is shown to
the engine through an injected resource view.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from archsearch.config import ResourcesConfig
from archsearch.errors import ConfigError
from archsearch.jobs.spec import Status
from tests.engine import jobs_for_tests as jobs
from tests.engine.helpers import wait_all

pytestmark = pytest.mark.ray

RAY_CPUS, RAY_FAKE_GPUS = 2, 4  # the session cluster of tests/conftest.py


@pytest.fixture
def ray_engine(ray_cluster):
    from archsearch.engine.ray_engine import RayEngine

    shape = (ray_cluster.get("CPU"), ray_cluster.get("GPU"))
    assert shape == (RAY_CPUS, RAY_FAKE_GPUS), f"expected the conftest cluster, got {shape}"
    made = []

    def make(job_fn=jobs.echo, cluster_resources=None, **resources):
        engine = RayEngine(job_fn, ResourcesConfig(**resources), cluster_resources)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.shutdown()


@pytest.mark.parametrize(
    ("gpus", "cpus", "max_concurrent", "expected"),
    [
        (1, 0.25, None, 4),  # GPU-bound: 4 fake GPUs / 1 per job
        (0.5, 0.1, None, 8),  # fractional GPUs: 4 / 0.5
        (0.5, 1, None, 2),  # CPU-bound: 2 CPUs / 1 per job
        (0, 0.3, None, 6),  # CPU only: floor(2 / 0.3)
        (0.5, 0.1, 3, 3),  # capped by max_concurrent
    ],
)
def test_capacity_from_cluster_resources(ray_engine, gpus, cpus, max_concurrent, expected):
    engine = ray_engine(gpus=gpus, cpus=cpus, max_concurrent=max_concurrent)
    assert engine.capacity() == expected


def test_slots_floor_fractions_exactly():
    from archsearch.engine.ray_engine import _fits

    assert 0.3 // 0.1 == 2  # what float division would report
    assert (_fits(0.3, 0.1), _fits(2, 0.3), _fits(4, 0.5), _fits(0, 1)) == (3, 6, 8, 0)


def test_gpu_jobs_run_on_fake_gpus(ray_engine, make_spec):
    engine = ray_engine(gpus=1, cpus=0.25)
    results = wait_all(engine, [engine.submit(make_spec(i)) for i in range(1, 5)])
    assert all(r.ok for r in results)


@pytest.mark.parametrize(
    ("gpus", "reuse_workers", "fresh_process_per_job"),
    [(1, None, True), (0, None, False), (1, True, False)],
)
def test_gpu_jobs_get_a_fresh_worker_unless_told_to_reuse(
    ray_engine, make_spec, gpus, reuse_workers, fresh_process_per_job
):
    """A CUDA process stays on the GPU of its first job, so by default no GPU job runs in a
    worker another job used; CPU jobs (and GPU jobs with reuse_workers) share workers."""
    engine = ray_engine(gpus=gpus, cpus=0.25, reuse_workers=reuse_workers, max_concurrent=1)
    pids = [wait_all(engine, [engine.submit(make_spec(i))])[0].metrics["pid"] for i in range(1, 4)]
    assert (len(set(pids)) == 3) is fresh_process_per_job, pids


def test_no_gpu_cluster_warns_once_and_runs_on_cpu(ray_engine, make_spec, caplog):
    no_gpus = {"CPU": float(RAY_CPUS)}  # what a CPU-only cluster reports
    with caplog.at_level(logging.WARNING, logger="archsearch.engine.ray_engine"):
        engine = ray_engine(gpus=1, cpus=1, cluster_resources=lambda: no_gpus)
        for _ in range(3):
            assert engine.capacity() == RAY_CPUS
        results = wait_all(engine, [engine.submit(make_spec(i)) for i in (1, 2, 3)])
        engine._refresh()  # a later look at the cluster does not warn again
    assert all(r.ok for r in results)
    warnings = [r for r in caplog.records if "no GPU" in r.getMessage()]
    assert len(warnings) == 1


def test_gpus_that_appear_later_are_used(ray_engine, monkeypatch):
    from archsearch.engine import ray_engine as module

    view = {"CPU": float(RAY_CPUS)}
    engine = ray_engine(gpus=1, cpus=0.25, cluster_resources=lambda: dict(view))
    assert engine.capacity() == int(RAY_CPUS / 0.25)  # CPU fallback
    view["GPU"] = float(RAY_FAKE_GPUS)  # GPU nodes joined
    monkeypatch.setattr(module, "RESOURCE_REFRESH_S", 0.0)
    assert engine.capacity() == RAY_FAKE_GPUS


def test_job_larger_than_the_cluster_is_a_config_error(ray_engine):
    with pytest.raises(ConfigError, match="asks for 8 GPUs"):
        ray_engine(gpus=8, cpus=0.1)


def test_worker_death_is_retried(ray_engine, make_spec, tmp_path: Path):
    marker = tmp_path / "died"
    engine = ray_engine(jobs.die_once, gpus=0, cpus=0.5, max_retries=1)
    (result,) = wait_all(engine, [engine.submit(make_spec(1, marker=str(marker)))])
    assert marker.exists() and result.ok


def test_worker_that_always_dies_fails_after_max_retries(ray_engine, make_spec, tmp_path):
    attempts = tmp_path / "attempts"
    engine = ray_engine(jobs.always_die, gpus=0, cpus=0.5, max_retries=1)
    (result,) = wait_all(engine, [engine.submit(make_spec(1, marker=str(attempts)))])
    assert result.status is Status.FAILED and result.job_id == 1
    assert "worker died on each of 2 attempt(s)" in result.error
    assert "WorkerCrashedError" in result.error
    assert attempts.read_text().count("attempt") == 2


def test_cancel_kills_a_running_job(ray_engine, make_spec, tmp_path: Path):
    started, ended = tmp_path / "started", tmp_path / "ended"
    engine = ray_engine(gpus=0, cpus=0.5)
    handle = engine.submit(make_spec(1, sleep=30.0, started=str(started), marker=str(ended)))
    deadline = time.monotonic() + 30
    while not started.exists():  # the job is running on a worker now
        assert time.monotonic() < deadline
        time.sleep(0.05)
    engine.cancel(handle)
    done, _ = engine.wait([handle], timeout=10)
    assert done == [handle]
    result = engine.result(handle)
    assert result.status is Status.FAILED and "cancelled" in result.error
    assert not ended.exists()


def test_a_lost_cancel_is_sent_again(ray_engine, make_spec, tmp_path: Path, monkeypatch):
    """Ray can drop a cancel that races the task to its worker; the engine resends it."""
    import ray

    started = tmp_path / "started"
    sent = []
    real_cancel = ray.cancel

    def lossy_cancel(ref, **kw):
        sent.append(ref)
        if len(sent) > 1:  # the first one is "lost"
            real_cancel(ref, **kw)

    engine = ray_engine(gpus=0, cpus=0.5)
    handle = engine.submit(make_spec(1, sleep=30.0, started=str(started)))
    deadline = time.monotonic() + 30
    while not started.exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    monkeypatch.setattr(ray, "cancel", lossy_cancel)
    engine.cancel(handle)
    start = time.monotonic()
    result = engine.result(handle)
    assert time.monotonic() - start < 15 and len(sent) >= 2
    assert result.status is Status.FAILED and "cancelled" in result.error


def test_closures_are_refused(ray_cluster):
    from archsearch.engine.ray_engine import RayEngine

    with pytest.raises(TypeError, match="module-level"):
        RayEngine(lambda spec: spec, ResourcesConfig(gpus=0))


def test_a_full_pipeline_of_jobs_all_complete(ray_engine, make_spec):
    """Submit whenever a slot frees, as the driver does: every job's result comes back once.

    The driver's CPU per job under this loop is measured by bench/scheduler.py, not asserted here.
    """
    engine = ray_engine(gpus=0, cpus=0.5)  # 4 slots: the workers of earlier tests, reused
    in_flight, results = [], {}
    for spec in [make_spec(i) for i in range(1, 61)]:
        in_flight.append(engine.submit(spec))
        if len(in_flight) >= engine.capacity():
            done, in_flight = engine.wait(in_flight, timeout=30)
            results.update((h.job_id, engine.result(h)) for h in done)
    results.update((r.job_id, r) for r in wait_all(engine, in_flight))
    assert sorted(results) == list(range(1, 61))
    assert all(r.ok for r in results.values())
