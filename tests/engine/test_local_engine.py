"""LocalEngine beyond the contract: in-process, one job at a time, in submit order."""

from __future__ import annotations

import os

import pytest

from archsearch.config import load_config
from archsearch.engine import LocalEngine
from archsearch.experiment.experiment import make_engine
from archsearch.jobs.spec import Status
from tests.engine import jobs_for_tests as jobs


def test_runs_in_process_in_submit_order(make_spec):
    engine = LocalEngine(jobs.echo)
    handles = [engine.submit(make_spec(i)) for i in (1, 2, 3)]
    done, pending = engine.wait(handles)
    assert done == handles[:1] and pending == handles[1:]  # one job per wait, the oldest
    assert engine.result(done[0]).metrics["pid"] == os.getpid()
    assert engine.capacity() == 1


def test_result_before_wait_runs_that_job(make_spec):
    engine = LocalEngine(jobs.echo)
    first, second = engine.submit(make_spec(1)), engine.submit(make_spec(2))
    assert engine.result(second).job_id == 2
    assert engine.wait([first, second], timeout=0) == ([second], [first])


def test_shutdown_cancels_what_is_queued(make_spec):
    engine = LocalEngine(jobs.echo)
    handle = engine.submit(make_spec(1))
    engine.shutdown()
    assert engine.result(handle).status is Status.FAILED


def test_ctrl_c_in_a_job_stops_the_driver_and_the_job_can_be_cancelled(make_spec):
    engine = LocalEngine(jobs.interrupt)
    handle = engine.submit(make_spec(1))
    with pytest.raises(KeyboardInterrupt):
        engine.wait([handle])
    engine.cancel(handle)  # what the driver's Ctrl-C handler does next
    assert engine.result(handle).status is Status.FAILED


@pytest.mark.parametrize("cpus", [1, 2.5])
def test_a_job_gets_its_whole_cpus_as_torch_threads_and_the_driver_keeps_its_own(
    make_spec, tmp_path, cpus
):
    import torch

    config = load_config(
        overrides=["resources.engine=local", f"resources.cpus={cpus}", f"out_dir={tmp_path}"]
    )
    engine = make_engine(config, job_fn="tests.engine.jobs_for_tests:threads")
    driver_threads = torch.get_num_threads()
    torch.set_num_threads(3)  # neither the job's count nor the default
    try:
        result = engine.result(engine.submit(make_spec(1)))
        assert result.metrics["threads"] == int(cpus)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(driver_threads)
