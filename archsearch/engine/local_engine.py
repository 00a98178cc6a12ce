"""``LocalEngine``: jobs run in the driver's own process, one at a time, in submit order.

What every strategy is tested with, and what ``resources.engine: local`` runs: no cluster, no
serialisation, a debugger can step into the job. ``submit`` only queues; ``wait`` runs queued
jobs until one of the handles it waits for is done. A job cannot be pre-empted, so ``timeout``
only decides whether another job is *started*: ``timeout=0`` runs nothing, and a job started
before the deadline runs to its end. Torch threads are the driver process's (all cores).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass

from archsearch.engine.base import CANCELLED, Engine, JobFn, JobHandle, resolve_job_fn, run_guarded
from archsearch.jobs.spec import JobResult, JobSpec

log = logging.getLogger(__name__)


@dataclass
class _Queued:
    spec: JobSpec
    result: JobResult | None = None


class LocalEngine(Engine):
    def __init__(self, job_fn: JobFn | str) -> None:
        self._job_fn = resolve_job_fn(job_fn)
        self._queue: deque[JobHandle] = deque()
        self._metrics: list[tuple[int, int, dict[str, float]]] = []

    def submit(self, spec: JobSpec) -> JobHandle:
        handle = JobHandle(spec.job_id, _Queued(spec))
        self._queue.append(handle)
        return handle

    def wait(
        self, handles: list[JobHandle], timeout: float | None = None
    ) -> tuple[list[JobHandle], list[JobHandle]]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            done = [h for h in handles if h.ref.result is not None]
            out_of_time = deadline is not None and time.monotonic() >= deadline
            if done or out_of_time or not self._queue:
                return done, [h for h in handles if h.ref.result is None]
            self._run(self._queue.popleft())

    def result(self, handle: JobHandle) -> JobResult:
        if handle.ref.result is None:  # asked before it ran: run it now, out of turn
            self._dequeue(handle)
            self._run(handle)
        return handle.ref.result

    def cancel(self, handle: JobHandle) -> None:
        if handle.ref.result is None:
            self._dequeue(handle)
            handle.ref.result = JobResult.failed(handle.job_id, CANCELLED)

    def capacity(self) -> int:
        return 1

    def drain_metrics(self) -> list[tuple[int, int, dict[str, float]]]:
        drained, self._metrics = self._metrics, []
        return drained

    def shutdown(self) -> None:
        while self._queue:
            self.cancel(self._queue[0])

    def _dequeue(self, handle: JobHandle) -> None:
        # A job interrupted by Ctrl-C has left the queue without a result: nothing to remove.
        if handle in self._queue:
            self._queue.remove(handle)

    def _run(self, handle: JobHandle) -> None:
        log.debug("running job %d in-process", handle.job_id)
        handle.ref.result = run_guarded(
            self._job_fn, handle.ref.spec, lambda *report: self._metrics.append(report)
        )
