from pathlib import Path

import pytest

from archsearch.config import load_config
from archsearch.engine.local_engine import LocalEngine
from archsearch.experiment.driver import Driver
from archsearch.experiment.history import JobHistory
from archsearch.store import ExperimentStore
from archsearch.strategy import make_strategy

JOB = "tests.experiment.jobs:epoch_job"


def small_config(tmp_path: Path, *overrides: str):
    return load_config(
        None,
        [
            f"out_dir={tmp_path}",
            "strategy.name=random",
            "data.name=synthetic",
            f"data.root={tmp_path}",  # where tests.experiment.jobs reads its settings
            "plot_every_s=1e9",
            *overrides,
        ],
    )


@pytest.fixture
def make_driver(tmp_path):
    """A Driver over a fresh store with a strategy bound to it (LocalEngine by default)."""

    def make(*overrides: str, engine=None):
        config = small_config(tmp_path, *overrides)
        run_dir = tmp_path / "run"
        (run_dir / "weights").mkdir(parents=True, exist_ok=True)
        store = ExperimentStore(run_dir / "experiment.db")
        history = JobHistory()
        strategy = make_strategy(config, history)
        driver = Driver(config, store, engine or LocalEngine(JOB), strategy, history, run_dir)
        strategy.initialize(driver)
        return driver, strategy, store

    return make
