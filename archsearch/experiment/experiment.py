"""An Experiment is a config + a run directory + a store + an engine + a strategy.

``Experiment.create(config).run()`` starts a search in ``runs/<name>/``;
``Experiment.open(run_dir).run()`` resumes one after a crash, a preemption or Ctrl-C.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from archsearch.config import Config, load_config
from archsearch.engine.base import Engine
from archsearch.errors import ConfigError
from archsearch.experiment.driver import Driver
from archsearch.experiment.history import JobHistory
from archsearch.experiment.outputs import draw_plots, export_best, hull_members, write_hull_json
from archsearch.experiment.progress import ProgressLine
from archsearch.store import ExperimentStore
from archsearch.store.files import write_text_atomic
from archsearch.strategy import make_strategy

log = logging.getLogger(__name__)


def make_engine(config: Config) -> Engine:
    """Jobs run through the pure job function; only the Ray engine imports ray."""
    from archsearch.jobs.run import run_job

    if config.resources.engine == "local":
        from archsearch.engine.local_engine import LocalEngine

        return LocalEngine(run_job)
    from archsearch.engine.ray_engine import RayEngine

    return RayEngine(run_job, config.resources)


def fresh_run_dir(out_dir: Path, name: str) -> Path:
    """runs/<name>, or runs/<name>-2, -3 ... when that run already exists (never overwrite)."""
    candidate, n = out_dir / name, 1
    while (candidate / "experiment.db").exists():
        n += 1
        candidate = out_dir / f"{name}-{n}"
    return candidate


def check_seeds_growable(config: Config) -> None:
    """Fail before training anything when ``max_madd`` is below every seed: nothing could grow."""
    from archsearch.nn import Model
    from archsearch.space.builders import seed_model
    from archsearch.train import profile

    input_shape, num_classes = config.data.sample_shape()
    smallest = None
    for r, c, n in config.strategy.seed_grid.combinations():
        desc = seed_model(
            c,
            r,
            n,
            init_channels=config.model.init_channels,
            num_classes=num_classes,
            input_shape=input_shape,
            edges_per_node=config.model.edges_per_node,
            primitives=config.model.primitives,
            seed=config.seed,
        )
        madd = profile(Model.from_desc(desc), input_shape).madd
        if madd < config.strategy.max_madd:
            return
        smallest = min(smallest or (madd, desc.label()), (madd, desc.label()))
    raise ConfigError(
        f"strategy.max_madd={config.strategy.max_madd:g} is below the MAdd of every seed "
        f"(smallest: {smallest[0]:.4g} for {smallest[1]}): no seed could be grown; raise "
        "strategy.max_madd or shrink strategy.seed_grid / model.init_channels"
    )


class Experiment:
    def __init__(self, config: Config, run_dir: Path) -> None:
        self.config = config
        self.run_dir = run_dir
        self.store = ExperimentStore(run_dir / "experiment.db")
        self.history = JobHistory()
        self.progress: ProgressLine | None = None
        self._last_plot = 0.0
        self._hull_ids: list[int] = []

    @classmethod
    def create(cls, config: Config, run_dir: Path | None = None) -> Experiment:
        if config.strategy.name == "petridish":
            check_seeds_growable(config)
        run_dir = run_dir or fresh_run_dir(Path(config.out_dir), config.name)
        (run_dir / "weights").mkdir(parents=True, exist_ok=True)
        write_text_atomic(run_dir / "config.yaml", config.to_yaml())
        exp = cls(config, run_dir)
        exp.store.set_meta("name", config.name)
        exp.store.set_meta("created_at", f"{time.time():.3f}")
        exp.store.set_meta("status", "INITIALIZED")
        return exp

    @classmethod
    def open(cls, run_dir: str | Path, overrides: list[str] | None = None) -> Experiment:
        """An existing run; ``overrides`` may raise budgets (``budget.max_jobs=200``)."""
        run_dir = Path(run_dir)
        if not (run_dir / "experiment.db").exists():
            raise ConfigError(f"{run_dir} is not a run directory (no experiment.db)")
        config = load_config(run_dir / "config.yaml", overrides)
        if overrides:
            write_text_atomic(run_dir / "config.yaml", config.to_yaml())
        return cls(config, run_dir)

    @property
    def start_time(self) -> float:
        return float(self.store.get_meta("created_at") or time.time())

    def run(self, progress: bool = True) -> str:
        """Search until done; returns why it stopped. Ctrl-C (KeyboardInterrupt) cancels the
        running jobs, records them interrupted, and propagates so the CLI exits 130."""
        file_log = logging.FileHandler(self.run_dir / "log.txt")
        file_log.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        package_log = logging.getLogger("archsearch")
        package_log.addHandler(file_log)
        if package_log.getEffectiveLevel() > logging.INFO:  # log.txt records every job event
            package_log.setLevel(logging.INFO)
        self.progress = ProgressLine() if progress else None
        engine = make_engine(self.config)
        strategy = make_strategy(self.config, self.history)
        state = self.store.load_strategy_state()
        if state is not None:
            strategy.load_state_dict(state)
        driver = Driver(
            self.config,
            self.store,
            engine,
            strategy,
            self.history,
            self.run_dir,
            on_change=self._on_change,
        )
        self.store.set_meta("status", "RUNNING")
        log.info("run %s: %s", self.run_dir, "resumed" if state else "started")
        try:
            reason = driver.run()
            self.store.set_meta("status", "SUCCEEDED")
            self.store.set_meta("stop_reason", reason)
            log.info("search stopped: %s", reason)
            return reason
        except KeyboardInterrupt:
            driver.cancel_all("interrupted (Ctrl-C or SIGTERM)")
            self.store.set_meta("status", "INTERRUPTED")
            log.warning("interrupted: `archsearch resume %s` continues", self.run_dir)
            raise
        except BaseException:
            self.store.set_meta("status", "FAILED")
            raise
        finally:
            self.store.set_meta("elapsed_s", f"{driver.elapsed_s:.3f}")
            try:
                self.write_outputs()
            except Exception:  # never mask why the run ended; `archsearch plot` redraws
                log.exception("could not write hull.json / best/ / plots")
            if self.progress:
                self._show_progress(driver, force=True)
                self.progress.close()
            engine.shutdown()
            package_log.removeHandler(file_log)
            file_log.close()

    def _on_change(self, driver: Driver) -> None:
        hull, _ = hull_members(self.history.trained(), self.config.frontier_eps)
        trained = self.history.trained()
        hull_ids = [trained[i][0].job_id for i in hull]
        if hull_ids != self._hull_ids:
            self._hull_ids = hull_ids
            self.store.record_hull(
                [
                    {
                        "job_id": trained[i][0].job_id,
                        "madd": trained[i][1].madd,
                        "error": trained[i][1].error_rate,
                    }
                    for i in hull
                ]
            )
            write_hull_json(self.run_dir, self.history, self.config.frontier_eps)
        if time.monotonic() - self._last_plot >= self.config.plot_every_s:
            self._last_plot = time.monotonic()
            draw_plots(self.run_dir, self.history, self.config.frontier_eps, self.start_time)
        if self.progress:
            self._show_progress(driver)

    def _show_progress(self, driver: Driver, force: bool = False) -> None:
        trained = self.history.trained()
        errors = [r.error_rate for _, r in trained]
        madds = [r.madd for _, r in trained]
        self.progress.update(
            driver.counts(),
            len(self._hull_ids),
            min(errors) if errors else None,
            max(madds) if madds else None,
            driver.elapsed_s,
            force=force,
        )

    def write_outputs(self) -> None:
        """hull.json, best/<k>/ and the plots, from what the store holds."""
        if not self.history.results:
            self.history.load(self.store)
        hull = write_hull_json(self.run_dir, self.history, self.config.frontier_eps)
        export_best(self.run_dir, hull)
        draw_plots(self.run_dir, self.history, self.config.frontier_eps, self.start_time)
