"""What a running search keeps up to date after each result: the hull record and hull.json,
the plots (throttled), and the progress line.

Files for people (hull.json, plots) are not what the search runs on: the store is. A failure to
write one (a full disk, a plotting bug) is logged once and the search goes on;
``archsearch plot RUN`` writes them again later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from archsearch.config import Config
from archsearch.experiment.driver import Driver
from archsearch.experiment.history import JobHistory
from archsearch.experiment.outputs import draw_plots, export_best, write_hull_json
from archsearch.experiment.progress import ProgressLine
from archsearch.store import ExperimentStore

log = logging.getLogger(__name__)

# Plots refresh at most every plot_every_s, and no sooner than this many times their own
# drawing time after the last refresh began: plotting takes at most 1/PLOT_DUTY of the driver.
PLOT_DUTY = 10


class LiveOutputs:
    def __init__(
        self,
        config: Config,
        run_dir: Path,
        history: JobHistory,
        store: ExperimentStore,
        start_time: float,
        progress: bool,
    ) -> None:
        self.config = config
        self.run_dir = run_dir
        self.history = history
        self.store = store
        self.start_time = start_time
        self.progress = ProgressLine() if progress else None
        self._next_plot = 0.0  # monotonic time of the next plot refresh
        self._hull_version = 0  # of the frontier, when hull.json was last written for it
        self._hull_size = 0
        self._seeds_drawn = -1  # seed models in the last seed_stats.png drawn
        self._failing: set[str] = set()  # outputs whose last write failed (already logged)

    def on_change(self, driver: Driver) -> None:
        """After results: the hull record, hull.json and best/ when the hull moved, the plots
        (and hull.json, for its band) every ``plot_every_s``; each O(hull + a bounded sample)."""
        frontier = self.history.frontier(self.config.frontier_eps)
        hull_moved = frontier.version != self._hull_version
        if hull_moved:
            self._hull_version = frontier.version
            hull_ids = frontier.hull_ids()
            self._hull_size = len(hull_ids)
            points = [frontier.point(i) for i in hull_ids]
            self.store.record_hull(
                [
                    {"job_id": i, "madd": m, "error": e}
                    for i, (m, e) in zip(hull_ids, points, strict=True)
                ]
            )
            self._write("hull.json", self._write_hull)  # and best/
        if time.monotonic() >= self._next_plot:
            started = time.monotonic()
            if not hull_moved:  # for its band and count, which change without the hull
                self._write("hull.json", self._write_hull_json)
            seeds = len(self.history.seed_rows)
            drawn = self._write(
                "plots",
                lambda: draw_plots(
                    self.run_dir,
                    self.history,
                    self.config.frontier_eps,
                    self.start_time,
                    seed_stats=seeds != self._seeds_drawn,  # a third of a refresh's cost
                ),
            )
            if drawn:
                self._seeds_drawn = seeds
            # A refresh costs a second or two whatever the run's size; where results come in
            # faster than that, plot_every_s alone would let plotting take most of the driver.
            # (A failed one is tried again at the next result, as any output is.)
            took = time.monotonic() - started if drawn else 0.0
            self._next_plot = started + max(self.config.plot_every_s, PLOT_DUTY * took)
        self.show_progress(driver)

    def _write_hull_json(self) -> list:
        return write_hull_json(self.run_dir, self.history, self.config.frontier_eps)

    def _write_hull(self) -> None:
        export_best(self.run_dir, self._write_hull_json())

    def _write(self, what: str, write: Callable[[], object]) -> bool:
        """Run one output's ``write``; True if it worked. A failure is logged on its first
        occurrence only (not once per result) until a write of that output works again."""
        try:
            write()
        except Exception as e:
            if what not in self._failing:
                self._failing.add(what)
                log.warning(
                    "could not write %s (%s: %s); the search goes on, `archsearch plot %s` "
                    "writes it later",
                    what,
                    type(e).__name__,
                    e,
                    self.run_dir,
                )
                log.info("the failure writing %s", what, exc_info=True)  # log.txt: traceback
            return False
        if what in self._failing:
            self._failing.discard(what)
            log.info("%s written again", what)
        return True

    def show_progress(self, driver: Driver, force: bool = False) -> None:
        if self.progress is None:
            return
        records = self.history.trained_records
        self.progress.update(
            driver.counts(),
            self._hull_size,
            records[-1].best_error if records else None,
            self.history.frontier(self.config.frontier_eps).max_madd(),
            driver.elapsed_s,
            force=force,
        )

    def close(self, driver: Driver) -> None:
        self.show_progress(driver, force=True)
        if self.progress:
            self.progress.close()


def write_outputs(config: Config, run_dir: Path, history: JobHistory, start_time: float) -> None:
    """hull.json, best/<k>/ and the plots, from recorded jobs."""
    hull = write_hull_json(run_dir, history, config.frontier_eps)
    export_best(run_dir, hull)
    draw_plots(run_dir, history, config.frontier_eps, start_time)


def write_final_outputs(
    config: Config, run_dir: Path, history: JobHistory, start_time: float
) -> None:
    """``write_outputs`` as a run ends: a failure is one warning line (the traceback goes to
    log.txt) and never changes how the run ended; ``archsearch plot`` writes them later."""
    try:
        write_outputs(config, run_dir, history, start_time)
    except Exception as e:
        log.warning(
            "could not write hull.json / best/ / plots (%s: %s); `archsearch plot %s` writes "
            "them later",
            type(e).__name__,
            e,
            run_dir,
        )
        log.info("the failure writing the outputs", exc_info=True)
