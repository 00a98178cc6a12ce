"""`update` and `kill` applied to a running search, from outside its loop."""

import time

import pytest

from archsearch.experiment import Experiment
from tests.experiment.conftest import JOB, small_config
from tests.experiment.jobs import write_settings

pytestmark = pytest.mark.ray


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_update_raises_max_jobs_of_a_running_search(ray_cluster, tmp_path):
    write_settings(tmp_path, sleep_s=1.5)
    exp = Experiment(
        small_config(tmp_path, "budget.max_jobs=3", "resources.max_concurrent=1"), job_fn=JOB
    )
    exp.start()
    wait_for(lambda: len(exp.list_jobs(status="succeeded")) >= 1)
    exp.update(max_jobs=6)
    assert "6 jobs submitted" in exp.wait()
    assert len(exp.list_jobs(status="succeeded")) == 6


def test_kill_cancels_one_running_job_and_the_search_goes_on(ray_cluster, tmp_path):
    write_settings(tmp_path, sleep_s=0.3, slow_job=2)
    exp = Experiment(small_config(tmp_path, "budget.max_jobs=5"), job_fn=JOB)
    exp.start()
    wait_for(lambda: any(j["job_id"] == 2 for j in exp.list_jobs()))
    started = time.monotonic()
    exp.kill(2)
    exp.wait()
    # Did not sit out the five-minute job; the bound is loose because the other four jobs took
    # 40 s on a loaded CI machine.
    assert time.monotonic() - started < 150
    jobs = {j["job_id"]: j for j in exp.list_jobs()}
    assert jobs[2]["status"] == "failed" and "killed" in jobs[2]["error"]
    assert sum(j["status"] == "succeeded" for j in jobs.values()) == 4


def test_stop_interrupts_and_resume_finishes(ray_cluster, tmp_path):
    write_settings(tmp_path, sleep_s=1.0)
    exp = Experiment(small_config(tmp_path, "budget.max_jobs=6"), job_fn=JOB)
    exp.start()
    wait_for(lambda: len(exp.list_jobs(status="succeeded")) >= 2)
    exp.stop()
    exp.wait()
    assert exp.status()["status"] == "SUCCEEDED" and len(exp.list_jobs()) < 6
    resumed = Experiment.resume(exp.run_dir, job_fn=JOB)
    resumed.run(progress=False)
    assert len(resumed.list_jobs(status="succeeded")) == 6
