"""``LocalEngine``: jobs run in the driver's own process, one at a time, in submit order.

What every strategy is tested with, and what ``resources.engine: local`` runs: no cluster, no
serialisation, a debugger can step into the job. ``submit`` only queues; ``wait`` runs queued
jobs until one of the handles it waits for is done. A job cannot be pre-empted, so ``timeout``
only decides whether another job is *started*: ``timeout=0`` runs nothing, and a job started
before the deadline runs to its end.

Threads: a job runs with ``threads`` torch threads (``resources.cpus``, whole, at least 1), as a
Ray worker does, and the driver's own count comes back after it. Torch's default, one thread a
core, slowed a job 50-fold and more as soon as anything else kept a core busy: its OpenMP threads
wait for each other at every operation.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archsearch.engine.base import (
    CANCELLED,
    Engine,
    JobFn,
    JobHandle,
    WeightsShelf,
    resolve_job_fn,
    run_guarded,
)
from archsearch.jobs.inputs import JobInputs
from archsearch.jobs.spec import JobResult, JobSpec

if TYPE_CHECKING:
    from archsearch.data import DataSplits

log = logging.getLogger(__name__)


@dataclass
class _Queued:
    spec: JobSpec
    result: JobResult | None = None


class LocalEngine(Engine):
    def __init__(
        self, job_fn: JobFn | str, data: DataSplits | None = None, threads: int = 1
    ) -> None:
        """``data``: the data set every job gets (None: a job loads its ``data_conf``);
        ``threads``: torch's intra-op threads while a job runs."""
        self._job_fn = resolve_job_fn(job_fn)
        self._data = data
        self._threads = threads
        self._queue: deque[JobHandle] = deque()
        self._metrics: list[tuple[int, int, dict[str, float]]] = []
        self._started: list[tuple[int, float]] = []
        self._weights: WeightsShelf[bytes] = WeightsShelf()

    def has_weights(self, job_id: int) -> bool:
        return job_id in self._weights

    def put_weights(self, job_id: int, data: bytes) -> None:
        self._weights.put(job_id, data)

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

    def drain_started(self) -> list[tuple[int, float]]:
        drained, self._started = self._started, []
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
        spec = handle.ref.spec
        self._started.append((spec.job_id, time.time()))
        inputs = JobInputs(self._data, self._weights.get(spec.warm_start_from))
        with _torch_threads(self._threads):
            result = run_guarded(
                self._job_fn, spec, lambda *report: self._metrics.append(report), inputs
            )
        if result.weights is not None:
            self._weights.put(spec.job_id, result.weights)
        handle.ref.result = result


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
