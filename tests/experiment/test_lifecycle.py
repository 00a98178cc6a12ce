"""The NNI-style strategy lifecycle around ask/tell."""

import pytest

from archsearch.errors import RunLockedError
from archsearch.experiment import Experiment
from archsearch.experiment import experiment as experiment_module
from archsearch.store import ExperimentStore
from archsearch.store.lease import holder_gone, this_process
from archsearch.strategy import RandomSearch, make_strategy
from archsearch.strategy.base import LifecycleError, StrategyStatus
from tests.experiment.conftest import JOB, small_config


def test_run_once_and_in_order(make_driver):
    driver, strategy, _ = make_driver("budget.max_jobs=3")
    assert strategy.status is StrategyStatus.INITIALIZED
    with pytest.raises(LifecycleError, match="initialize"):
        strategy.initialize(driver)
    reason = strategy.run()
    assert "max_jobs" in reason and strategy.status is StrategyStatus.SUCCEEDED
    with pytest.raises(LifecycleError, match="runs once"):
        strategy.run()


def test_run_before_initialize_is_refused(tmp_path):
    from archsearch.experiment.history import JobHistory

    strategy = make_strategy(small_config(tmp_path), JobHistory())
    assert strategy.status is StrategyStatus.EMPTY
    with pytest.raises(LifecycleError):
        strategy.run()
    with pytest.raises(LifecycleError):
        strategy.wait_for_resource()


def test_list_models_best_first(make_driver):
    _, strategy, _ = make_driver("budget.max_jobs=5")
    strategy.run()
    models = strategy.list_models()
    scores = [strategy.score(m) for m in models]
    assert len(models) == 5 and scores == sorted(scores, reverse=True)
    assert strategy.list_models(limit=2) == models[:2]
    assert {m.job_id for m in strategy.list_models(sort=False)} == {m.job_id for m in models}


class Exploding(RandomSearch):
    """Proposes two jobs, then its ask raises."""

    def ask(self, n):
        if len(self.context.rows) >= 2:
            raise RuntimeError("strategy bug")
        return super().ask(min(n, 1))


def test_a_strategy_that_raises_fails_and_leaves_a_resumable_store(tmp_path, monkeypatch):
    monkeypatch.setattr(
        experiment_module, "make_strategy", lambda config, history: Exploding(config, history)
    )
    config = small_config(tmp_path, "resources.engine=local", "budget.max_jobs=6")
    exp = Experiment(config, job_fn=JOB)
    with pytest.raises(RuntimeError, match="strategy bug"):
        exp.run(progress=False)
    assert exp.strategy.status is StrategyStatus.FAILED
    assert exp.status()["status"] == "FAILED"
    jobs = exp.list_jobs()
    assert len(jobs) == 2 and all(j["status"] in ("succeeded", "interrupted") for j in jobs)

    monkeypatch.undo()  # a fixed strategy resumes the run: nothing is lost or run twice
    resumed = Experiment.resume(exp.run_dir, job_fn=JOB)
    assert "max_jobs" in resumed.run(progress=False)
    rows = resumed.list_jobs()
    assert len(rows) == 6 and all(j["status"] == "succeeded" for j in rows)
    assert [j["job_id"] for j in rows] == list(range(1, 7))


def test_a_resume_that_loses_the_lease_race_changes_nothing(tmp_path):
    """Two resumes can both pass the early check before either holds the lease: the one that
    loses must neither rewrite config.yaml nor announce a run it does not drive."""
    config = small_config(tmp_path, "resources.engine=local", "budget.max_jobs=2")
    exp = Experiment(config, job_fn=JOB)
    saved = (exp.run_dir / "config.yaml").read_text()
    late = Experiment.resume(exp.run_dir, ["budget.max_jobs=3"], job_fn=JOB)
    winner = f"{this_process().rpartition(':')[0]}:1"  # another live driver (pid 1)
    with ExperimentStore(exp.run_dir / "experiment.db") as store:
        assert store.take_lease(winner, holder_gone) is None
    announced = []
    with pytest.raises(RunLockedError, match=winner):
        late.run(progress=False, on_start=lambda: announced.append(True))
    assert not announced
    assert (exp.run_dir / "config.yaml").read_text() == saved

    with ExperimentStore(exp.run_dir / "experiment.db") as store:
        store.drop_lease(winner)
    assert "max_jobs" in late.run(progress=False, on_start=lambda: announced.append(True))
    assert announced == [True] and len(late.list_jobs()) == 3
    assert "max_jobs: 3" in (exp.run_dir / "config.yaml").read_text()
