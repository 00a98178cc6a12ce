"""Each new strategy through the real driver loop: LocalEngine, SQLite store, fake jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsearch.engine import LocalEngine
from archsearch.experiment.driver import Driver
from archsearch.experiment.history import JobHistory
from archsearch.store import ExperimentStore
from bench.sleep_job import sleep_job
from tests.strategy.conftest import CLASSES, make_config


def run(name: str, run_dir: Path, max_jobs: int, **section) -> tuple[str, ExperimentStore]:
    """One driver run (or a resumed one: strategy state and history come from the store)."""
    config = make_config(name, **section)
    config.budget.max_jobs = max_jobs
    (run_dir / "weights").mkdir(parents=True, exist_ok=True)
    store = ExperimentStore(run_dir / "experiment.db")
    history = JobHistory()
    strategy = CLASSES[name](config, history)
    state = store.load_strategy_state()
    if state is not None:
        strategy.load_state_dict(state)
    driver = Driver(config, store, LocalEngine(sleep_job), strategy, history, run_dir)
    return driver.run(), store


@pytest.mark.parametrize("name", ["random", "evolution"])
def test_runs_until_the_job_budget_and_resumes(name, tmp_path):
    reason, store = run(name, tmp_path, max_jobs=7)
    store.close()
    reason, store = run(name, tmp_path, max_jobs=12)  # resume: 5 more, none run twice
    assert "12 jobs submitted" in reason
    jobs = store.jobs()
    assert [j["job_id"] for j in jobs] == list(range(1, 13))
    assert {j["status"] for j in jobs} == {"succeeded"} and {j["stage"] for j in jobs} == {"train"}
    specs = store.specs()
    if name == "evolution":  # population 4, one job at a time: 4 random models, then children
        children = [s for s in specs if s.parent_id is not None]
        assert [s.job_id for s in children] == list(range(5, 13))  # the population was resumed
        assert all(s.parent_id < s.job_id and s.meta["mutation"] for s in children)
    else:
        assert len({s.model_desc.content_hash() for s in specs}) == 12
    store.close()


def test_grid_runs_every_point_then_stops_on_its_own(tmp_path):
    reason, store = run("grid", tmp_path, max_jobs=50)
    assert reason.startswith("the grid is done")
    specs = store.specs()
    assert len(specs) == 6  # SECTIONS["grid"]: r1 x c{3,5} x n{1,2} + r2 x c5 x n{1,2}
    assert len({tuple(s.meta["macro"]) for s in specs}) == 6
    store.close()
