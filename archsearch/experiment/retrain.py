"""``archsearch retrain RUN_DIR --top K``: archai's final step, on the run's own engine and store.

The K models come from the search's hull, spread along it: hull points at evenly spaced
positions of the hull's MAdd order, always with its most accurate point (K = 1 picks only it;
K = 2 adds the cheapest). A frontier is what Petridish produces, so its retrained version
should span the same range of compute; the K lowest errors would all sit at the expensive end.
Each trains from scratch (or warm, ``retrain.warm_start``) for ``retrain.epochs`` with
``train`` + ``retrain.train`` as one RETRAIN job. Run it again after an interruption: points
with a finished or unfinished retrain are not retrained again, failed ones are.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from archsearch.config import BudgetConfig, Config, load_config
from archsearch.errors import ConfigError
from archsearch.experiment import interrupts
from archsearch.experiment.driver import Driver
from archsearch.experiment.driving import driving
from archsearch.experiment.experiment import DEFAULT_JOB_FN, make_engine
from archsearch.experiment.history import JobHistory
from archsearch.experiment.home import find_run_dir
from archsearch.experiment.live import write_final_outputs
from archsearch.jobs.spec import Stage, Status
from archsearch.store import ExperimentStore
from archsearch.strategy.retrain import Retrain

log = logging.getLogger(__name__)


def spread_along(n: int, k: int) -> list[int]:
    """``k`` of the positions ``0..n-1`` evenly spaced, the last one always among them, in
    ascending order (all of them when ``k >= n``)."""
    if k >= n:
        return list(range(n))
    return sorted({round(float(i)) for i in np.linspace(n - 1, 0, k)})


def retrain_targets(hull_ids: list[int], top: int) -> list[int]:
    """Job ids of the ``top`` hull points (``hull_ids``, by MAdd) to retrain, cheapest first."""
    return [hull_ids[i] for i in spread_along(len(hull_ids), top)]


def pending(history: JobHistory, targets: list[int]) -> list[int]:
    """The targets without a RETRAIN job that succeeded or has not finished yet."""
    covered = {
        row.parent_id
        for row in history.rows.values()
        if row.stage is Stage.RETRAIN and row.status in (None, Status.SUCCEEDED)
    }
    return [t for t in targets if t not in covered]


def retrain(
    run_dir: str | Path,
    top: int | None = None,
    overrides: list[str] | None = None,
    job_fn: str = DEFAULT_JOB_FN,
) -> str:
    """Retrain the run's chosen hull points; returns why it stopped. ``run_dir`` is a path or a
    run name; ``overrides`` (e.g. ``retrain.epochs=50``) apply to this retrain only, the run's
    config.yaml is unchanged. It holds the run's lease as a search does (one driver per run:
    ``RunLockedError`` while a search runs). Ctrl-C or SIGTERM cancels the running retrain
    jobs (run it again to continue) and propagates."""
    if top is not None and top < 1:
        raise ConfigError(f"--top {top}: retrain at least 1 hull point")
    run_dir = find_run_dir(run_dir)
    config = load_config(run_dir / "config.yaml", overrides)
    drivers: list[Driver] = []  # the one driver, once it exists: a lost lease stops it

    def lost(reason: str) -> None:
        for driver in drivers:
            driver.stop(reason)

    with driving(run_dir, on_lost=lost):
        return _retrain(run_dir, config, top or config.retrain.top, job_fn, drivers)


def _retrain(run_dir: Path, config: Config, top: int, job_fn: str, drivers: list[Driver]) -> str:
    from archsearch.data import load_data  # torch: imported only once the run is ours

    store = ExperimentStore(run_dir / "experiment.db", create=False)
    history = JobHistory(retrain=True, eps=config.frontier_eps)
    history.load(store)
    targets = retrain_targets(history.frontier().hull_ids(), top)
    todo = pending(history, targets)
    log.info("retrain: hull points %s, %d to submit", targets, len(todo))
    engine = make_engine(config, job_fn, load_data(config.data))
    strategy = Retrain(config, history, todo)
    # The search's budgets count the search's jobs; a retrain is bounded by its K points.
    driver_config = config.model_copy(update={"budget": BudgetConfig()})
    driver = Driver(driver_config, store, engine, strategy, history, run_dir)
    drivers.append(driver)
    strategy.initialize(driver)
    store.set_meta("retrain_status", "RUNNING")
    try:
        reason = strategy.run()
        store.set_meta("retrain_status", "SUCCEEDED")
        return reason
    except BaseException as e:
        interrupted = isinstance(e, KeyboardInterrupt)
        with interrupts.deferred():
            driver.cancel_all("retrain interrupted" if interrupted else "the retrain failed")
            store.set_meta("retrain_status", "INTERRUPTED" if interrupted else "FAILED")
        raise
    finally:
        try:
            with interrupts.deferred():
                start = float(store.get_meta("created_at") or 0.0)
                write_final_outputs(config, run_dir, history, start)
        finally:
            engine.shutdown()
