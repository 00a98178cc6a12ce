"""Each budget stops the search, and nothing is submitted past it."""

import time

from tests.experiment.jobs import write_settings


def test_max_jobs_submits_exactly_that_many(make_driver):
    driver, strategy, store = make_driver("budget.max_jobs=4")
    assert "budget.max_jobs" in strategy.run()
    assert len(store.jobs()) == 4 and driver.budget_exhausted()


def test_max_duration_stops_and_cancels(make_driver, tmp_path):
    _, strategy, store = make_driver("budget.max_duration_s=1.0")
    write_settings(tmp_path, sleep_s=0.3)
    start = time.time()
    assert "budget.max_duration_s" in strategy.run()
    jobs = store.jobs()
    assert 2 <= len(jobs) <= 5
    assert all(j["submitted_at"] <= start + 1.0 + 0.2 for j in jobs)


def test_max_gpu_hours_counts_job_time_times_gpus(make_driver, tmp_path):
    driver, strategy, store = make_driver("budget.max_gpu_hours=1.0", "resources.gpus=1")
    write_settings(tmp_path, train_time_s=1800)  # half an hour of one GPU per job
    assert "budget.max_gpu_hours" in strategy.run()
    assert len(store.jobs(status="succeeded")) == 2 and driver.gpu_hours() == 1.0


def test_query_available_resource_and_wait_models(make_driver):
    driver, strategy, store = make_driver()
    assert driver.query_available_resource() == 1  # LocalEngine: one job at a time
    (job_id,) = driver.submit_models(*strategy.ask(1))
    assert driver.query_available_resource() == 0
    (result,) = driver.wait_models(job_id)
    assert result.ok and store.jobs()[0]["status"] == "succeeded"
    assert driver.list_models() == [result]


def test_max_epochs_stops_once_the_submitted_epochs_reach_it(make_driver):
    driver, strategy, store = make_driver("budget.max_epochs=5", "train.epochs=2")
    assert "budget.max_epochs" in strategy.run()
    # 2 + 2 < 5, so a third job goes out; then the budget is spent and nothing else is.
    assert len(store.jobs()) == 3 and driver.epochs_submitted() == 6
