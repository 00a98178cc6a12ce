"""Listeners hear every job's metrics; per-epoch metrics come from the workers as they train."""

import pytest

from archsearch.config import ResourcesConfig
from tests.experiment.conftest import JOB
from tests.experiment.jobs import EPOCHS, write_settings


class Recorder:
    def __init__(self, driver=None):
        self.intermediate, self.final, self.ended = [], [], []
        self.driver, self.live = driver, set()

    def on_intermediate_metric(self, job_id, epoch, metrics):
        self.intermediate.append((job_id, epoch, metrics["val_top1"]))
        if self.driver is not None and job_id in self.driver.in_flight:
            self.live.add(job_id)  # reported by the worker while the job still ran

    def on_metric(self, job_id, metrics):
        self.final.append(job_id)

    def on_training_end(self, job_id, result):
        self.ended.append(job_id)


def check(driver, store, recorder, jobs):
    assert sorted(recorder.final) == sorted(recorder.ended) == list(range(1, jobs + 1))
    for job_id in range(1, jobs + 1):
        epochs = [(e, v) for j, e, v in recorder.intermediate if j == job_id]
        assert epochs == [(e, pytest.approx(0.1 * (e + 1))) for e in range(EPOCHS)]
        assert [m["epoch"] for m in store.job_metrics(job_id)] == list(range(EPOCHS))


def test_local_engine_reports_every_epoch_in_order(make_driver):
    driver, strategy, store = make_driver("budget.max_jobs=3")
    recorder = Recorder()
    driver.add_listener(recorder)
    strategy.run()
    check(driver, store, recorder, 3)


@pytest.mark.ray
def test_ray_workers_report_every_epoch_in_order(make_driver, ray_cluster, tmp_path):
    from archsearch.engine.ray_engine import RayEngine

    engine = RayEngine(JOB, ResourcesConfig(gpus=1, cpus=1))
    driver, strategy, store = make_driver("budget.max_jobs=4", engine=engine)
    write_settings(tmp_path, sleep_s=2.4)  # an epoch every 0.8 s, read every second
    recorder = Recorder(driver)
    driver.add_listener(recorder)
    strategy.run()
    check(driver, store, recorder, 4)
    assert len(recorder.live) >= 2, "per-epoch metrics should arrive while jobs run"


def test_a_failing_listener_does_not_stop_the_search(make_driver):
    class Broken:
        def on_metric(self, job_id, metrics):
            raise ValueError("listener bug")

    driver, strategy, store = make_driver("budget.max_jobs=2")
    driver.add_listener(Broken())
    assert "max_jobs" in strategy.run()
    assert len(store.jobs(status="succeeded")) == 2
