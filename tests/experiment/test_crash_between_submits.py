"""A driver that dies between the submits of one batch loses no proposal (issue: Petridish
popped a whole batch from its queues, and the state stored with the first submit no longer
held the rest). Killed after several different submits and resumed each time, every seed and
every finished search is trained exactly once, or is still in the strategy's saved queue."""

from collections import Counter
from pathlib import Path

import pytest

from archsearch.config import load_config
from archsearch.engine.local_engine import LocalEngine
from archsearch.experiment.driver import Driver
from archsearch.experiment.history import JobHistory
from archsearch.jobs.spec import Stage
from archsearch.store import ExperimentStore
from archsearch.strategy import make_strategy

SLEEP_JOB = "bench.sleep_job:fake_result"  # an instant, plausible result


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, the store keeps what was committed."""


class WideLocalEngine(LocalEngine):
    """Four slots, so the driver fills a batch of four proposals at once."""

    def capacity(self) -> int:
        return 4


def drive(run_dir: Path, config, kill_after_submits: int | None) -> None:
    store = ExperimentStore(run_dir / "experiment.db")
    history = JobHistory()
    strategy = make_strategy(config, history)
    if (state := store.load_strategy_state()) is not None:
        strategy.load_state_dict(state)
    driver = Driver(config, store, WideLocalEngine(SLEEP_JOB), strategy, history, run_dir)
    strategy.initialize(driver)
    submitted = 0
    submit = driver._submit_spec

    def submit_then_maybe_die(spec, resubmit):
        nonlocal submitted
        submit(spec, resubmit)
        submitted += not resubmit
        if submitted == kill_after_submits:
            raise Killed

    driver._submit_spec = submit_then_maybe_die
    try:
        strategy.run()
    except Killed:
        pass
    finally:
        store.close()


def test_kills_between_submits_lose_no_seed_and_no_finished_search(tmp_path: Path):
    config = load_config(
        None,
        [
            "data.name=synthetic",
            "strategy.seed_grid.reductions=[1]",
            "strategy.seed_grid.cells=[3, 4]",
            "strategy.seed_grid.nodes=[1, 2, 3]",
            "budget.max_jobs=30",
        ],
    )
    run_dir = tmp_path / "run"
    for kill_after in (2, 3, 5, 6, 7):  # inside the seed batch, then among searches
        drive(run_dir, config, kill_after)
    drive(run_dir, config, None)

    with ExperimentStore(run_dir / "experiment.db") as store:
        specs, results = store.specs(), {r.job_id: r for r in store.results()}
        state = store.load_strategy_state()
    assert len(specs) == 30 and all(s.job_id in results for s in specs)
    seeds = Counter(
        (*(s.model_desc.macro[k] for k in ("reductions", "cells", "nodes")), s.meta["seed_ops"])
        for s in specs
        if s.stage is Stage.SEED_TRAIN
    )
    # One identity seed and one random seed per combination (strategy.seed_ops' default).
    grid = {(1, c, n, ops) for c in (3, 4) for n in (1, 2, 3) for ops in ("identity", "random")}
    assert set(seeds) | {tuple(t) for t in state["seeds_todo"]} == grid
    assert all(count == 1 for count in seeds.values()), seeds
    searches = {s.job_id for s in specs if s.stage is Stage.SEARCH and results[s.job_id].ok}
    post_trained = Counter(s.meta["search_job"] for s in specs if s.stage is Stage.POST_TRAIN)
    assert searches, "the search never grew a network"
    for search in searches:
        waiting = search in state["post_train_todo"]
        assert post_trained[search] + waiting == 1, (search, post_trained[search], waiting)


@pytest.fixture(autouse=True)
def _repo_on_path(monkeypatch):
    from tests.conftest import REPO  # bench.sleep_job is imported by dotted path

    monkeypatch.syspath_prepend(str(REPO))
