"""The one driver loop: keeps the engine full with the strategy's proposals, records every event
in the store, enforces budgets, applies control requests, and stops cleanly on Ctrl-C.

It is also NNI's *execution engine* for strategies and users: ``submit_models``,
``list_models``, ``query_available_resource``, ``budget_exhausted``, ``wait_models``, and
listeners told of every metric (``add_listener``).

Every submit and every result is one store transaction that also carries the strategy's state,
so a crash at any instant leaves a store from which ``resume`` continues: jobs submitted but
without a result are submitted again with the same ids, and nothing finished is run twice.
The strategy is asked for one proposal at a time, each submitted (and recorded with the state
that no longer holds it) before the next is asked for, so no crash can lose a proposal.

The driver owns every file of the run: a job's weights come back with its result and are
written here (``weights/<job>.pt``); a job that warm-starts gets them through the engine,
which the driver refills from those files when it no longer holds them (after a resume).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from archsearch.config import Config
from archsearch.engine.base import Engine, JobHandle
from archsearch.errors import WeightsError
from archsearch.experiment import interrupts
from archsearch.experiment.history import JobHistory
from archsearch.experiment.listeners import Listeners
from archsearch.jobs.spec import JobResult, JobSpec, Status
from archsearch.store import ExperimentStore
from archsearch.store.files import write_bytes_atomic
from archsearch.strategy.base import Proposal, Strategy

log = logging.getLogger(__name__)

CONTROL_POLL_S = 1.0  # how often requests from `archsearch update/kill` are read
QUEUE_AHEAD_DIVISOR = 4  # submit capacity / 4 jobs beyond what can run (none on 1 slot)


class Driver:
    def __init__(
        self,
        config: Config,
        store: ExperimentStore,
        engine: Engine,
        strategy: Strategy,
        history: JobHistory,
        run_dir: Path,
        on_change: Callable[[Driver], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.engine = engine
        self.strategy = strategy
        self.run_dir = run_dir
        self.on_change = on_change  # refresh progress, plots, hull.json after each result
        self.history = history
        self.in_flight: dict[int, JobHandle] = {}
        self.max_jobs = config.budget.max_jobs
        self.max_duration_s = config.budget.max_duration_s
        self.concurrency = config.resources.max_concurrent
        self.elapsed_before = float(store.get_meta("elapsed_s") or 0.0)
        self.started = time.monotonic()
        self._last_control_poll = 0.0
        self._stop_requested: str | None = None
        self._last_epoch: dict[int, int] = {}  # job id -> last epoch told to listeners
        self._changed = False  # a result arrived since on_change last ran
        self.listeners = Listeners()

    # --- execution-engine API ----------------------------------------------------------------
    def add_listener(self, listener: object) -> None:
        """See experiment/listeners.py for the callbacks a listener may have."""
        self.listeners.add(listener)

    def submit_models(self, *proposals: Proposal) -> list[int]:
        """Submit proposals outside ``ask`` (e.g. a user's own models); returns their job ids."""
        return [self._submit_proposal(p) for p in proposals]

    def list_models(self, status: Status | None = None) -> list[JobResult]:
        """Finished jobs, optionally of one status, in job-id order."""
        return self.history.results(status)

    def query_available_resource(self) -> int:
        """Free job slots right now (capacity minus jobs in flight)."""
        return max(0, self._capacity() - len(self.in_flight))

    def budget_exhausted(self) -> bool:
        return self._budget_reason() is not None or self._hard_stop_reason() is not None

    def wait_models(self, *job_ids: int, timeout: float | None = None) -> list[JobResult]:
        """Block until the given in-flight jobs finish (recording them like the loop does);
        returns the results of those that did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while any(i in self.in_flight for i in job_ids):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            self._wait_once(min(CONTROL_POLL_S, left) if left is not None else CONTROL_POLL_S)
        self._notify_change()
        return [self.history.result(i) for i in job_ids if self.history.has_result(i)]

    def wait_for_resource(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.query_available_resource() == 0:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            self._wait_once(CONTROL_POLL_S)
        return True

    def stop(self, reason: str = "stopped by request") -> None:
        """Ask the loop to stop: running jobs are cancelled and recorded interrupted (resume
        runs them again). Safe to call from another thread."""
        self._stop_requested = reason

    # --- loop --------------------------------------------------------------------------------
    @property
    def elapsed_s(self) -> float:
        return self.elapsed_before + time.monotonic() - self.started

    def run(self) -> str:
        """Search until a budget or the strategy stops it; returns the reason. What the store
        has recorded is in the history (``JobHistory.load``, here if the caller did not): its
        unfinished jobs are submitted again first."""
        if not self.history.loaded:
            self.history.load(self.store)
        for spec in self.history.unfinished():
            self._submit_spec(spec, resubmit=True)
        reason: str | None = None
        while True:
            self._poll_controls()
            hard_stop = self._hard_stop_reason()
            if hard_stop:
                self.cancel_all(status_note=hard_stop)
                reason = hard_stop
                break
            if self._may_submit():
                self._fill()
            self._notify_change()  # after the refill, so progress counts the jobs now running
            if not self.in_flight:
                if self._poll_controls(force=True):
                    continue  # e.g. `archsearch update --max-jobs` raised the budget just now
                reason = (
                    self._budget_reason()
                    or self.strategy.stop_reason()
                    or "the strategy has nothing more to run"
                )
                break
            self._wait_once(CONTROL_POLL_S)
        self._notify_change()
        self.store.set_meta("elapsed_s", f"{self.elapsed_s:.3f}")
        return reason

    def _wait_once(self, timeout: float) -> None:
        done, _ = self.engine.wait(list(self.in_flight.values()), timeout=timeout)
        self._drain_metrics()
        for handle in done:
            self._finish(handle)

    def _drain_metrics(self) -> None:
        for job_id, at in self.engine.drain_started():
            if job_id in self.in_flight:
                self.store.record_started(job_id, at)
        for job_id, epoch, metrics in self.engine.drain_metrics():
            if job_id in self.in_flight:  # late reports of a finished job came with its curve
                self._intermediate(job_id, epoch, metrics)
                self.store.record_metric(job_id, epoch, metrics)

    def _intermediate(self, job_id: int, epoch: int, metrics: dict[str, float]) -> None:
        if epoch > self._last_epoch.get(job_id, -1):
            self._last_epoch[job_id] = epoch
            self.listeners.intermediate(job_id, epoch, metrics)

    def _notify_change(self) -> None:
        if self._changed and self.on_change:
            self._changed = False
            with interrupts.deferred():  # plots: a signal raised in matplotlib's C code aborts
                self.on_change(self)

    def _fill(self) -> None:
        # A few jobs beyond capacity wait in the engine's queue, so a slot that frees starts
        # its next job at once instead of after the driver's bookkeeping of the last result.
        capacity = self._capacity()
        queued = capacity // QUEUE_AHEAD_DIVISOR if capacity > 1 else 0
        free = capacity + queued - len(self.in_flight)
        if self.max_jobs is not None:
            free = min(free, self.max_jobs - self.history.own_jobs)
        # One at a time: a proposal asked for is submitted, and recorded with the strategy state
        # that has given it away, before the next is asked for; a batch would leave proposals
        # that are out of the strategy's saved queue but not yet in the store, lost to a crash
        # (or to a budget that runs out part-way through the batch).
        for _ in range(free):
            if self._budget_reason():
                return
            proposals = self.strategy.ask(1)
            if not proposals:
                return
            self._submit_proposal(proposals[0])

    def _capacity(self) -> int:
        cap = self.engine.capacity()
        return min(cap, self.concurrency) if self.concurrency else cap

    def _submit_proposal(self, p: Proposal) -> int:
        job_id = self.store.next_job_id()
        spec = JobSpec(
            job_id=job_id,
            stage=p.stage,
            model_desc=p.model_desc,
            train_conf=p.train_conf,
            data_conf=self.config.data.model_dump(mode="json"),
            parent_id=p.parent_id,
            warm_start_from=p.warm_start_from,
            seed=self.config.seed * 100_003 + job_id,
            meta=p.meta,
        )
        self.strategy.on_submitted(spec)
        self._submit_spec(spec, resubmit=False)
        return job_id

    def _submit_spec(self, spec: JobSpec, resubmit: bool) -> None:
        self.history.add_spec(spec)
        # A resubmission is recorded too: its row goes back to 'submitted', attempts + 1.
        self.store.record_submitted(spec, strategy_state=self.strategy.state_dict())
        missing = self._ship_warm_start(spec)
        if missing:
            self._record(spec, JobResult.failed(spec.job_id, missing))
            return
        self.in_flight[spec.job_id] = self.engine.submit(spec)
        log.info(
            "%s job %d: %s %s",
            "resubmitted" if resubmit else "submitted",
            spec.job_id,
            spec.stage.value,
            spec.model_desc.label(),
        )

    def _ship_warm_start(self, spec: JobSpec) -> str | None:
        """Hand the engine the weights ``spec`` warm-starts from, unless it holds them; the
        reason the job cannot run when they are gone or damaged (one line naming the file)."""
        parent = spec.warm_start_from
        if parent is None or self.engine.has_weights(parent):
            return None
        recorded = self.history.result(parent) if self.history.has_result(parent) else None
        if recorded is None or recorded.weights_path is None:  # a job function saving none
            return None
        from archsearch.train.weights import weights_from_bytes  # torch: not for `status`

        path = self.run_dir / recorded.weights_path
        source = f"{path} (weights of job {parent})"
        try:
            data = path.read_bytes()
            # Checked here, where the file is known: a worker could only say "weights of job N".
            weights_from_bytes(data, source)
        except OSError as e:
            return f"WeightsError: {source}: {e.strerror or e}"
        except WeightsError as e:
            return f"WeightsError: {e}"
        self.engine.put_weights(parent, data)
        return None

    def _save_weights(self, result: JobResult) -> JobResult:
        """Write the weights a job returned to weights/<job>.pt; a job whose weights cannot be
        saved (a full disk) failed."""
        relative = Path("weights") / f"{result.job_id}.pt"
        try:
            write_bytes_atomic(self.run_dir / relative, result.weights)
        except OSError as e:
            failed = f"could not save its weights to {self.run_dir / relative}: {e.strerror or e}"
            return JobResult.failed(result.job_id, failed)
        result.weights_path, result.weights = str(relative), None  # the file holds them now
        return result

    def _finish(self, handle: JobHandle) -> None:
        job_id = handle.job_id
        if self.in_flight.pop(job_id, None) is None:
            return
        result = self.engine.result(handle)
        if result.ok and result.weights is not None:
            result = self._save_weights(result)
        self._record(self.history.spec(job_id), result)

    def _record(self, spec: JobSpec, result: JobResult) -> None:
        """A finished job: told to the strategy, recorded with its state, told to listeners."""
        job_id = spec.job_id
        result.finished_at = time.time()
        self.history.add_result(result)
        self.strategy.tell(spec, result)
        self.store.record_result(
            result,
            strategy_state=self.strategy.state_dict(),
            meta={"elapsed_s": f"{self.elapsed_s:.3f}"},
        )
        # Epochs the live drains missed (engines collect them lazily) come from the curve, so
        # listeners hear every epoch, in order, before the final metrics.
        for point in result.curve:
            metrics = {k: v for k, v in point.items() if k != "epoch"}
            self._intermediate(job_id, int(point["epoch"]), metrics)
        self._last_epoch.pop(job_id, None)
        self.listeners.finished(result)
        if result.ok:
            log.info(
                "job %d %s done: top1=%.4f madd=%.3g",
                job_id,
                spec.stage.value,
                result.metrics.get("val_top1", float("nan")),
                result.madd or 0,
            )
        else:
            log.warning(
                "job %d %s FAILED: %s",
                job_id,
                spec.stage.value,
                (result.error or "").strip().splitlines()[-1:],
            )
        self._changed = True

    # --- budgets and controls ----------------------------------------------------------------
    def _may_submit(self) -> bool:
        return self._budget_reason() is None and self.strategy.stop_reason() is None

    def _budget_reason(self) -> str | None:
        if self.max_jobs is not None and self.history.own_jobs >= self.max_jobs:
            return f"{self.max_jobs} jobs submitted (budget.max_jobs)"
        max_epochs = self.config.budget.max_epochs
        if max_epochs is not None and self.epochs_submitted() >= max_epochs:
            return f"{max_epochs} epochs submitted (budget.max_epochs)"
        return None

    def epochs_submitted(self) -> int:
        return self.history.own_epochs

    def gpu_hours(self) -> float:
        return self.history.train_time_s * self.config.resources.gpus / 3600.0

    def _hard_stop_reason(self) -> str | None:
        """Budgets that stop the search at once, cancelling what still runs."""
        if self._stop_requested:
            return self._stop_requested
        if self.max_duration_s is not None and self.elapsed_s >= self.max_duration_s:
            return f"{self.max_duration_s:g} s elapsed (budget.max_duration_s)"
        cap = self.config.budget.max_gpu_hours
        if cap is not None and self.gpu_hours() >= cap:
            return f"{cap:g} GPU-hours used (budget.max_gpu_hours)"
        # A strategy that is done (e.g. max_hull_points) only stops new submissions: what
        # runs has its compute spent already, and its result may still join the hull.
        return None

    def _poll_controls(self, force: bool = False) -> bool:
        """Apply pending update/kill requests (at most once per poll period unless forced);
        True if any was applied."""
        now = time.monotonic()
        if not force and now - self._last_control_poll < CONTROL_POLL_S:
            return False
        self._last_control_poll = now
        controls = self.store.pending_controls()
        for control in controls:
            self._apply_control(control.kind, control.payload)
            self.store.mark_control_applied(control.id)
        return bool(controls)

    def _apply_control(self, kind: str, payload: dict) -> None:
        if kind == "update":
            if "max_jobs" in payload:
                self.max_jobs = payload["max_jobs"]
            if "max_duration_s" in payload:
                self.max_duration_s = payload["max_duration_s"]
            if "concurrency" in payload:
                self.concurrency = payload["concurrency"]
            log.info("applied update %s", payload)
        elif kind == "kill":
            job_id = int(payload["job_id"])
            handle = self.in_flight.pop(job_id, None)
            if handle is None:
                log.warning("kill: job %d is not running", job_id)
                return
            self.engine.cancel(handle)
            failed = JobResult.failed(job_id, "killed by request (archsearch kill)")
            self._record(self.history.spec(job_id), failed)
            log.info("killed job %d", job_id)
        elif kind == "stop":
            self.stop(str(payload.get("reason", "stopped by request")))
        else:
            log.warning("ignoring unknown control request %r", kind)

    def cancel_all(self, status_note: str) -> None:
        """Cancel every running job and record it interrupted: resume will run it again."""
        ids = list(self.in_flight)
        for job_id in ids:
            self.engine.cancel(self.in_flight.pop(job_id))
        if ids:
            self.store.record_interrupted(ids)
            log.info("cancelled %d running job(s): %s", len(ids), status_note)

    def counts(self) -> dict[str, int]:
        failed = self.history.failed
        return {
            "finished": self.history.finished - failed,
            "failed": failed,
            "running": len(self.in_flight),
        }
