"""An Experiment is a config + a run directory + a store + an engine + a strategy.

    exp = Experiment(config)            # a new run in runs/<name>/
    exp.run()                           # blocking; or exp.start() ... exp.stop(); exp.wait()
    exp = Experiment.resume("runs/x")   # after a crash, a preemption or Ctrl-C; then .run()
    exp.status(); exp.list_jobs(); exp.job_metrics(3); exp.export("csv")
    exp.update(max_jobs=200, concurrency=4); exp.kill(17)   # on a running search

``update`` and ``kill`` go through the store's control table, so they work the same from the
process that runs the search and from another one (`archsearch update` / `archsearch kill`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archsearch.config import Config, load_config
from archsearch.engine.base import Engine
from archsearch.errors import ArchsearchError, ConfigError
from archsearch.experiment import interrupts
from archsearch.experiment.driver import Driver
from archsearch.experiment.driving import driving
from archsearch.experiment.export import export_run
from archsearch.experiment.history import JobHistory
from archsearch.experiment.home import find_run_dir, resolve_out_dir
from archsearch.experiment.live import LiveOutputs, write_final_outputs, write_outputs
from archsearch.experiment.status import run_status
from archsearch.store import ExperimentStore
from archsearch.store.files import write_text_atomic
from archsearch.store.lease import check_free
from archsearch.strategy import make_strategy
from archsearch.strategy.base import Strategy

if TYPE_CHECKING:
    from archsearch.data import DataSplits
    from archsearch.view import ViewServer

log = logging.getLogger(__name__)


DEFAULT_JOB_FN = "archsearch.jobs.run:run_job"


def make_engine(
    config: Config, job_fn: str = DEFAULT_JOB_FN, data: DataSplits | None = None
) -> Engine:
    """Jobs run through a pure job function and get ``data``; only the Ray engine imports ray."""
    if config.resources.engine == "local":
        from archsearch.engine.local_engine import LocalEngine

        return LocalEngine(job_fn, data, threads=max(1, int(config.resources.cpus)))
    from archsearch.engine.ray_engine import RayEngine

    return RayEngine(job_fn, config.resources, data=data)


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
    def __init__(
        self, config: Config, run_dir: str | Path | None = None, job_fn: str = DEFAULT_JOB_FN
    ) -> None:
        """A run of ``config`` in ``run_dir``: a new one (default runs/<name>, never
        overwriting), or the existing run there, which ``run()`` then continues.

        ``job_fn`` is the ``module:function`` that runs one ``JobSpec`` on a worker and returns
        its ``JobResult`` (default: build, train and profile the described network); pass
        your own to train networks your way. A path, not a callable: Ray workers import it."""
        self.config = config
        self.job_fn = job_fn
        self._data: DataSplits | None = None
        existing = run_dir is not None and (Path(run_dir) / "experiment.db").exists()
        if not existing:
            # Everything that can refuse a new run does so before its folder exists: the data
            # set (loaded once here, shipped to every job) and the seeds' MAdd.
            self._data = _load_data(config)
            if config.strategy.name == "petridish":
                check_seeds_growable(config)
            run_dir = (
                Path(run_dir).resolve()
                if run_dir
                else fresh_run_dir(resolve_out_dir(config.out_dir), config.name)
            )
            (run_dir / "weights").mkdir(parents=True, exist_ok=True)
            write_text_atomic(run_dir / "config.yaml", config.to_yaml())
        self.run_dir = Path(run_dir).resolve()
        # This thread's connection; a new run's store is born whole, named and INITIALIZED.
        self.store = ExperimentStore(
            self.run_dir / "experiment.db",
            create=not existing,
            new_meta={"name": config.name, "status": "INITIALIZED"},
        )
        self.start_time = float(self.store.get_meta("created_at") or time.time())
        self.strategy: Strategy | None = None
        self._driver: Driver | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.stop_reason: str | None = None
        self._config_changed = False  # resume's overrides, saved once run() holds the lease
        self._listeners: list[object] = []  # handed to each driver this experiment starts

    @classmethod
    def resume(
        cls, run_dir: str | Path, overrides: list[str] | None = None, job_fn: str = DEFAULT_JOB_FN
    ) -> Experiment:
        """An existing run (a path, or a name under ./runs or ~/archsearch/runs), to ``run()``
        again; ``overrides`` may raise budgets (``budget.max_jobs=200``). They are saved in its
        config.yaml when ``run()`` holds the run's lease: a resume refused because another
        driver holds it changes nothing."""
        run_dir = find_run_dir(run_dir)
        config = load_config(run_dir / "config.yaml", overrides)
        if overrides:
            check_free(run_dir / "experiment.db")  # refused early; run() takes the lease
        exp = cls(config, run_dir, job_fn)
        exp._config_changed = bool(overrides)
        return exp

    # --- running -----------------------------------------------------------------------------
    def run(self, progress: bool = True, on_start: Callable[[], None] | None = None) -> str:
        """Search until done; returns why it stopped. Ctrl-C or SIGTERM (KeyboardInterrupt)
        cancels the running jobs, records them interrupted, and propagates so the CLI exits
        130. One driver per run: raises ``RunLockedError`` while another one holds it;
        ``on_start`` is called once this one holds it."""
        with driving(self.run_dir, on_lost=self._lease_lost):
            if self._config_changed:
                write_text_atomic(self.run_dir / "config.yaml", self.config.to_yaml())
                self._config_changed = False
            if on_start is not None:
                on_start()
            return self._run(progress)

    def _lease_lost(self, reason: str) -> None:
        if self._driver is not None:
            self._driver.stop(reason)

    def _run(self, progress: bool) -> str:
        # The driver writes through its own connection: run() may be on start()'s thread.
        store = ExperimentStore(self.run_dir / "experiment.db")
        file_log = _log_to(self.run_dir / "log.txt")
        history = JobHistory(eps=self.config.frontier_eps)
        engine: Engine | None = None
        driver: Driver | None = None
        live: LiveOutputs | None = None
        log.info("run %s: %s", self.run_dir, "started" if self._data else "resumed")
        try:
            data, self._data = self._data or _load_data(self.config), None
            engine = make_engine(self.config, self.job_fn, data)
            history.load(store)  # before the strategy, which reads its past from it
            self.strategy = strategy = make_strategy(self.config, history)
            state = store.load_strategy_state()
            if state is not None:
                strategy.load_state_dict(state)
            live = LiveOutputs(self.config, self.run_dir, history, store, self.start_time, progress)
            self._driver = driver = Driver(
                self.config, store, engine, strategy, history, self.run_dir, live.on_change
            )
            for listener in self._listeners:
                driver.add_listener(listener)
            strategy.initialize(driver)
            store.set_meta("status", "RUNNING")
            self.stop_reason = reason = strategy.run()
            store.set_meta("status", "SUCCEEDED")
            store.set_meta("stop_reason", reason)
            log.info("search stopped: %s", reason)
            return reason
        except KeyboardInterrupt:
            with interrupts.deferred():
                if driver is not None:
                    driver.cancel_all("interrupted (Ctrl-C or SIGTERM)")
                store.set_meta("status", "INTERRUPTED")
                log.warning("interrupted: `archsearch resume %s` continues", self.run_dir)
            raise
        except BaseException as e:
            with interrupts.deferred():
                if driver is not None:
                    driver.cancel_all("the search failed")
                store.set_meta("status", "FAILED")
                store.set_meta("stop_reason", _one_line(e))
                if not isinstance(e, ArchsearchError):
                    log.exception("the search failed")
            raise
        finally:
            try:
                with interrupts.deferred():
                    self._close(store, history, driver, live)
            finally:
                if engine is not None:
                    engine.shutdown()
                _unlog(file_log)

    def _close(
        self,
        store: ExperimentStore,
        history: JobHistory,
        driver: Driver | None,
        live: LiveOutputs | None,
    ) -> None:
        """What every ending does: elapsed time, hull.json, best/, plots, the progress line."""
        if driver is not None:
            store.set_meta("elapsed_s", f"{driver.elapsed_s:.3f}")
        write_final_outputs(self.config, self.run_dir, history, self.start_time)
        if live is not None and driver is not None:
            live.close(driver)
        if self.strategy is not None:
            self.strategy.cleanup()

    def start(self) -> None:
        """Run in a background thread; ``stop()`` ends it, ``wait()`` joins it."""

        def target() -> None:
            try:
                self.run(progress=False)
            except BaseException as e:  # kept for wait() to re-raise in the caller's thread
                self._error = e

        self._thread = threading.Thread(target=target, name=f"archsearch:{self.run_dir.name}")
        self._thread.start()

    def stop(self, reason: str = "stopped by request") -> None:
        """Stop a search started with ``start()``: running jobs are cancelled and recorded
        interrupted, so ``resume`` would run them again."""
        deadline = time.monotonic() + 60
        while self._driver is None and self._thread and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise TimeoutError("the search did not start within 60 s")
            time.sleep(0.05)
        if self._driver is not None:
            self._driver.stop(reason)

    def wait(self, timeout: float | None = None) -> str | None:
        """Join a search started with ``start()``; re-raises what ended it, if anything."""
        if self._thread is not None:
            self._thread.join(timeout)
        if self._error is not None:
            raise self._error
        return self.stop_reason

    def add_listener(self, listener: object) -> None:
        """Tell ``listener`` of every job event of the runs that follow (its callbacks:
        experiment/listeners.py); add it before ``run()`` or ``start()``."""
        self._listeners.append(listener)

    # --- inspection and control ---------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return run_status(self.run_dir)

    def list_jobs(self, stage: str | None = None, status: str | None = None) -> list[dict]:
        return self.store.jobs(stage=stage, status=status)

    def job_metrics(self, job_id: int) -> list[dict]:
        """Per-epoch metrics of one job, as its worker reported them."""
        return self.store.job_metrics(job_id)

    def export(self, format: str = "json", path: str | Path | None = None) -> Path:
        return export_run(self.run_dir, format, path)

    def update(
        self,
        max_jobs: int | None = None,
        max_duration_s: float | None = None,
        concurrency: int | None = None,
    ) -> None:
        """Change a running search's budgets or concurrency (applied within ~1 s)."""
        payload = {
            k: v
            for k, v in (
                ("max_jobs", max_jobs),
                ("max_duration_s", max_duration_s),
                ("concurrency", concurrency),
            )
            if v is not None
        }
        if not payload:
            raise ConfigError("update: give at least one of max_jobs, max_duration_s, concurrency")
        self.store.post_control("update", payload)

    def kill(self, job_id: int) -> None:
        """Cancel one running job of a running search; it is recorded FAILED."""
        self.store.post_control("kill", {"job_id": int(job_id)})

    def view(
        self,
        port: int = 8080,
        non_blocking: bool = False,
        host: str = "127.0.0.1",
        read_only: bool = False,
    ) -> ViewServer | None:
        """Serve this run's web view (as NNI's ``Experiment.view``): blocks until Ctrl-C, or
        with ``non_blocking`` returns the started server (``.url``, ``.stop()``)."""
        from archsearch.view import ViewServer

        server = ViewServer([self.run_dir], host=host, port=port, read_only=read_only)
        # A warning so it shows without any logging set up: the URL carries the token.
        log.warning("web view: %s", server.start())
        if non_blocking:
            return server
        server.serve_forever()
        return None

    def write_outputs(self) -> None:
        """hull.json, best/<k>/ and the plots again, from the store."""
        history = JobHistory(eps=self.config.frontier_eps)
        history.load(self.store)
        write_outputs(self.config, self.run_dir, history, self.start_time)


def _log_to(path: Path) -> logging.Handler:
    """The run's log.txt records every job event (INFO) of the archsearch loggers."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    package_log = logging.getLogger("archsearch")
    package_log.addHandler(handler)
    if package_log.getEffectiveLevel() > logging.INFO:
        package_log.setLevel(logging.INFO)
    return handler


def _load_data(config: Config) -> DataSplits:
    from archsearch.data import load_data  # torch: not for `status` and friends

    return load_data(config.data)


def _one_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0] if lines else ''}"


def _unlog(handler: logging.Handler) -> None:
    logging.getLogger("archsearch").removeHandler(handler)
    handler.close()
