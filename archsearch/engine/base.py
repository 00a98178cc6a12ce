"""An engine decides WHERE and WHEN a job runs; the job function decides what it does.

Every engine runs one *job function*: a module-level pure function ``JobSpec -> JobResult``,
given as the function or as a dotted path ``"package.module:function"``. An engine never
raises on a job's failure: a job that raised, was cancelled, or whose worker kept dying gives
``JobResult.failed(job_id, reason)``. Retries of a dead worker happen inside the engine; the
driver only ever sees one result per submitted handle.

An engine also carries what a job needs besides its spec (``archsearch.jobs.inputs``): the
data set it was given once, and the trained weights of recent jobs, which it hands to a job
whose ``warm_start_from`` names one of them. The driver puts back weights the engine no
longer holds (after a resume, or once they left the shelf) from its own files.
"""

from __future__ import annotations

import functools
import importlib
import traceback
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from archsearch.jobs.inputs import JobInputs, providing
from archsearch.jobs.report import EpochReporter, reporting_to
from archsearch.jobs.spec import JobResult, JobSpec

JobFn = Callable[[JobSpec], JobResult]
CANCELLED = "cancelled before it finished"
# Finished jobs whose weights an engine keeps at hand for children. Petridish grows parents
# from the hull's band, a few dozen models; an older parent's weights are put back from disk.
WEIGHTS_KEPT = 64

T = TypeVar("T")


class WeightsShelf(Generic[T]):
    """The weights (bytes, or an engine's reference to them) of the most recent jobs."""

    def __init__(self, capacity: int = WEIGHTS_KEPT) -> None:
        self._items: OrderedDict[int, T] = OrderedDict()
        self.capacity = capacity

    def put(self, job_id: int, item: T) -> None:
        self._items[job_id] = item
        self._items.move_to_end(job_id)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def get(self, job_id: int | None) -> T | None:
        if job_id is None or job_id not in self._items:
            return None
        self._items.move_to_end(job_id)
        return self._items[job_id]

    def __contains__(self, job_id: int) -> bool:
        return job_id in self._items


@dataclass(eq=False)  # identity semantics: two submissions of one job id are two handles
class JobHandle:
    job_id: int
    ref: Any = field(default=None, repr=False)  # engine-private: a queued job, an ObjectRef


class Engine(ABC):
    """submit / wait / result / cancel, plus how many jobs fit at once (``capacity``)."""

    @abstractmethod
    def has_weights(self, job_id: int) -> bool:
        """Whether the engine holds job ``job_id``'s weights for a job that warm-starts."""

    @abstractmethod
    def put_weights(self, job_id: int, data: bytes) -> None:
        """Hold ``data`` (a weights file's bytes) as job ``job_id``'s weights."""

    @abstractmethod
    def submit(self, spec: JobSpec) -> JobHandle:
        """Queue a job; returns at once."""

    @abstractmethod
    def wait(
        self, handles: list[JobHandle], timeout: float | None = None
    ) -> tuple[list[JobHandle], list[JobHandle]]:
        """``(done, pending)``: returns once at least one of ``handles`` is done, with every one
        done by then, or after ``timeout`` seconds (None: no limit) with what is done, maybe
        nothing. Both lists keep the order of ``handles``."""

    @abstractmethod
    def result(self, handle: JobHandle) -> JobResult:
        """The job's result, waiting for it if needed. Never raises for a failed job."""

    @abstractmethod
    def cancel(self, handle: JobHandle) -> None:
        """Stop a job; its ``result`` is then FAILED (unless it had already finished)."""

    @abstractmethod
    def capacity(self) -> int:
        """How many jobs can run at once (total slots, not free ones); at least 1."""

    def drain_metrics(self) -> list[tuple[int, int, dict[str, float]]]:
        """Per-epoch metrics jobs reported since the last call: (job id, epoch, metrics)."""
        return []

    def drain_started(self) -> list[tuple[int, float]]:
        """Jobs that started on a worker since the last call: (job id, unix time)."""
        return []

    def shutdown(self) -> None:  # noqa: B027 - nothing to release by default
        """Release what the engine started (a local Ray instance). Idempotent."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def job_fn_path(job_fn: JobFn | str) -> str:
    """The dotted path of a job function, checked to import: what crosses to a worker.

    A lambda, closure or ``__main__`` function has no path a worker can import; refusing it
    here keeps live state (archai ships its whole searcher) off the wire.
    """
    if isinstance(job_fn, str):
        resolve_job_fn(job_fn)
        return job_fn
    module, name = getattr(job_fn, "__module__", None), getattr(job_fn, "__qualname__", "")
    if not module or module == "__main__" or "<" in name or "." in name:
        raise TypeError(
            f"job function {job_fn!r} must be a module-level function of an "
            "importable module (or a 'package.module:function' string)"
        )
    path = f"{module}:{name}"
    if resolve_job_fn(path) is not job_fn:
        raise TypeError(f"job function {job_fn!r} is not what {path!r} imports")
    return path


@functools.lru_cache(maxsize=16)  # a worker resolves its job function once, not once per job
def _import_job_fn(path: str) -> JobFn:
    module, sep, name = path.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"job function path {path!r} is not of the form 'package.module:name'")
    fn = getattr(importlib.import_module(module), name, None)
    if not callable(fn):
        raise ValueError(f"job function path {path!r}: {module} has no function {name!r}")
    return fn


def resolve_job_fn(job_fn: JobFn | str) -> JobFn:
    return _import_job_fn(job_fn) if isinstance(job_fn, str) else job_fn


def run_guarded(
    job_fn: JobFn,
    spec: JobSpec,
    reporter: EpochReporter | None = None,
    inputs: JobInputs | None = None,
) -> JobResult:
    """Run one job; any exception (and any malformed return) becomes a FAILED result.

    The result is normalised through JSON here, on the job's side: what an engine hands the
    driver is exactly what the store can record (a numpy scalar in the metrics fails this job,
    not the driver); its weights bytes travel beside it. ``KeyboardInterrupt`` and
    ``SystemExit`` pass through: they stop the process, not a job.
    """
    try:
        with reporting_to(reporter), providing(inputs or JobInputs()):
            result = job_fn(spec)
    except Exception:
        return JobResult.failed(spec.job_id, traceback.format_exc())
    if not isinstance(result, JobResult) or result.job_id != spec.job_id:
        return JobResult.failed(
            spec.job_id,
            f"job function returned {result!r}, expected a JobResult with job_id={spec.job_id}",
        )
    if result.weights is not None and not isinstance(result.weights, bytes):
        return JobResult.failed(spec.job_id, "job result's weights are not bytes")
    try:
        normalised = JobResult.from_json(result.to_json())
        normalised.weights = result.weights
        return normalised
    except (TypeError, ValueError) as e:
        return JobResult.failed(spec.job_id, f"job result does not round-trip through JSON: {e}")
