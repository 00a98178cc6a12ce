"""The one driver loop: keeps the engine full with the strategy's proposals, records every event
in the store, enforces budgets, applies control requests, and stops cleanly on Ctrl-C.

Every submit and every result is one store transaction that also carries the strategy's state,
so a crash at any instant leaves a store from which ``resume`` continues: jobs submitted but
without a result are submitted again with the same ids, and nothing finished is run twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from archsearch.config import Config
from archsearch.engine.base import Engine, JobHandle
from archsearch.experiment.history import JobHistory
from archsearch.jobs.spec import JobResult, JobSpec, Status
from archsearch.store import ExperimentStore
from archsearch.strategy.base import Proposal, Strategy

log = logging.getLogger(__name__)

CONTROL_POLL_S = 1.0  # how often requests from `archsearch update/kill` are read


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
        self.specs, self.results = history.specs, history.results
        self.in_flight: dict[int, JobHandle] = {}
        self.max_jobs = config.budget.max_jobs
        self.max_duration_s = config.budget.max_duration_s
        self.concurrency = config.resources.max_concurrent
        self.elapsed_before = float(store.get_meta("elapsed_s") or 0.0)
        self.started = time.monotonic()
        self._last_control_poll = 0.0

    # --- loop --------------------------------------------------------------------------------
    @property
    def elapsed_s(self) -> float:
        return self.elapsed_before + time.monotonic() - self.started

    def load_history(self) -> list[JobSpec]:
        """Cache every recorded job and return those to submit again (no result yet)."""
        self.history.load(self.store)
        return self.history.unfinished()

    def run(self) -> str:
        """Search until a budget or the strategy stops it; returns the reason."""
        for spec in self.load_history():
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
            if not self.in_flight:
                reason = (
                    self._budget_reason()
                    or self.strategy.stop_reason()
                    or "the strategy has nothing more to run"
                )
                break
            done, _ = self.engine.wait(list(self.in_flight.values()), timeout=CONTROL_POLL_S)
            for handle in done:
                self._finish(handle)
        self.store.set_meta("elapsed_s", f"{self.elapsed_s:.3f}")
        return reason

    def _fill(self) -> None:
        free = self._capacity() - len(self.in_flight)
        if self.max_jobs is not None:
            free = min(free, self.max_jobs - len(self.specs))
        if free <= 0:
            return
        for proposal in self.strategy.ask(free):
            self._submit_proposal(proposal)

    def _capacity(self) -> int:
        cap = self.engine.capacity()
        return min(cap, self.concurrency) if self.concurrency else cap

    def _submit_proposal(self, p: Proposal) -> None:
        job_id = self.store.next_job_id()
        spec = JobSpec(
            job_id=job_id,
            stage=p.stage,
            model_desc=p.model_desc,
            train_conf=p.train_conf,
            data_conf=self.config.data.model_dump(mode="json"),
            weights_out=str(self.run_dir / "weights" / f"{job_id}.pt"),
            parent_id=p.parent_id,
            parent_weights=p.parent_weights,
            seed=self.config.seed * 100_003 + job_id,
            meta=p.meta,
        )
        self.strategy.on_submitted(spec)
        self._submit_spec(spec, resubmit=False)

    def _submit_spec(self, spec: JobSpec, resubmit: bool) -> None:
        self.specs[spec.job_id] = spec
        # A resubmission is recorded too: its row goes back to 'submitted', attempts + 1.
        self.store.record_submitted(spec, strategy_state=self.strategy.state_dict())
        self.in_flight[spec.job_id] = self.engine.submit(spec)
        log.info(
            "%s job %d: %s %s",
            "resubmitted" if resubmit else "submitted",
            spec.job_id,
            spec.stage.value,
            spec.model_desc.label(),
        )

    def _finish(self, handle: JobHandle) -> None:
        job_id = handle.job_id
        if self.in_flight.pop(job_id, None) is None:
            return
        result = self.engine.result(handle)
        result.finished_at = time.time()
        self.results[job_id] = result
        spec = self.specs[job_id]
        self.strategy.tell(spec, result)
        self.store.record_result(result, strategy_state=self.strategy.state_dict())
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
        self.store.set_meta("elapsed_s", f"{self.elapsed_s:.3f}")
        if self.on_change:
            self.on_change(self)

    # --- budgets and controls ----------------------------------------------------------------
    def _may_submit(self) -> bool:
        return self._budget_reason() is None and self.strategy.stop_reason() is None

    def _budget_reason(self) -> str | None:
        if self.max_jobs is not None and len(self.specs) >= self.max_jobs:
            return f"{self.max_jobs} jobs submitted (budget.max_jobs)"
        return None

    def gpu_hours(self) -> float:
        per_job = self.config.resources.gpus
        return (
            sum(r.metrics.get("train_time_s", 0.0) for r in self.results.values())
            * per_job
            / 3600.0
        )

    def _hard_stop_reason(self) -> str | None:
        """Budgets that stop the search at once, cancelling what still runs."""
        if self.max_duration_s is not None and self.elapsed_s >= self.max_duration_s:
            return f"{self.max_duration_s:g} s elapsed (budget.max_duration_s)"
        cap = self.config.budget.max_gpu_hours
        if cap is not None and self.gpu_hours() >= cap:
            return f"{cap:g} GPU-hours used (budget.max_gpu_hours)"
        reason = self.strategy.stop_reason()
        if reason and self.in_flight:
            return reason
        return None

    def _poll_controls(self) -> None:
        now = time.monotonic()
        if now - self._last_control_poll < CONTROL_POLL_S:
            return
        self._last_control_poll = now
        for control in self.store.pending_controls():
            self._apply_control(control.kind, control.payload)
            self.store.mark_control_applied(control.id)

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
            result = JobResult.failed(job_id, "killed by request (archsearch kill)")
            result.finished_at = time.time()
            self.results[job_id] = result
            self.strategy.tell(self.specs[job_id], result)
            self.store.record_result(result, strategy_state=self.strategy.state_dict())
            log.info("killed job %d", job_id)
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
        failed = sum(1 for r in self.results.values() if r.status is Status.FAILED)
        return {
            "finished": len(self.results) - failed,
            "failed": failed,
            "running": len(self.in_flight),
        }
