"""``RayEngine``: one Ray task per job, sized by ``resources`` (GPUs and CPUs per job).

The only module of archsearch that imports ``ray`` (besides the cluster entry point).

* Connecting: an already initialised Ray is used as is. Otherwise ``ray.init(address=...)``
  with ``resources.ray_address``, which Ray resolves as ``RAY_ADDRESS``, then the cluster a
  ``ray start`` on this machine recorded, then a new local instance. A local instance this
  engine started is stopped by ``shutdown``.
* What crosses to a worker is the job function's dotted path and the ``JobSpec``; what comes
  back is the ``JobResult``: plain dataclasses, carried by Ray's own serialiser, which costs
  the driver ~0.1 ms per job where ``to_json`` costs ~1.7 ms (the store keeps the JSON). The
  result has been through a JSON round trip on the worker (``run_guarded``).
* Data and weights go through the object store, so no node needs the driver's files. The
  data set is ``ray.put`` once; a worker fetches it on its first job and keeps it for the
  next ones (``_worker_data``). A task returns its result and its weights as two objects owned
  by the driver (a ``ray.put`` inside a worker would die with the worker); a child task gets
  its parent's weights object as an argument, so they move node to node without the driver.
* Retries are Ray's own: ``max_retries`` re-runs a task whose *worker died* (segfault, OOM
  kill, ``os._exit``, node loss); after that ``result`` is FAILED with Ray's reason. A Python
  exception in a job is not retried: ``run_guarded`` turns it into a FAILED result inside the
  worker (a bug or a NaN recurs; re-running it only burns GPU hours).
* GPU fallback: when jobs ask for GPUs and the cluster has none, one warning says so and jobs
  run on CPU slots instead of waiting forever for a GPU.
* Worker processes: a CPU job runs in a reused worker; a GPU job in a fresh one, because CUDA
  binds a process to the GPU Ray gave its first job (``resources.reuse_workers``).
* Threads: Ray sets ``OMP_NUM_THREADS`` to the task's whole CPUs (at least 1) in a worker
  before the first task, and torch sizes its intra-op pool from it on import, so jobs do not
  oversubscribe a node; the job function may still call ``torch.set_num_threads``.
* Overhead per job on the driver: one ``.remote``, a share of the ``ray.wait`` calls, one
  ``ray.get`` of the result. No polling and no sleeps; the cluster's resources are read
  at most every ``RESOURCE_REFRESH_S`` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ray
from ray.exceptions import (
    NodeDiedError,
    OutOfMemoryError,
    RayError,
    TaskCancelledError,
    WorkerCrashedError,
)

from archsearch.config import ResourcesConfig
from archsearch.engine.base import (
    CANCELLED,
    Engine,
    JobFn,
    JobHandle,
    WeightsShelf,
    job_fn_path,
    resolve_job_fn,
    run_guarded,
)
from archsearch.errors import ConfigError
from archsearch.jobs.inputs import JobInputs, pack_data, unpack_data
from archsearch.jobs.spec import JobResult, JobSpec

if TYPE_CHECKING:
    from archsearch.data import DataSplits

log = logging.getLogger(__name__)

VERBOSE_ENV = "ARCHSEARCH_VERBOSE"  # set: Ray's own warnings and the workers' output shown
RESOURCE_REFRESH_S = 5.0  # nodes join and leave; re-read the cluster's totals this often
CLUSTER_RECORD = "ray_current_cluster"  # where `ray start` notes the address of its cluster
CANCEL_RESEND_S = 0.5  # a cancelled task still running after this gets the cancel again
METRICS_DRAIN_S = 1.0  # how often the per-epoch metrics queue is read
_DEATHS = (WorkerCrashedError, NodeDiedError, OutOfMemoryError)  # what max_retries re-runs
_UNITS = 10_000  # Ray accounts fractional resources in 1/10000ths; so do we, to floor exactly


@ray.remote(num_cpus=0)
class _MetricsBuffer:
    """Reports from workers (a job started; a job's epoch metrics), collected for the driver.
    Calls from one worker arrive in order (Ray runs one caller's actor calls in order)."""

    def __init__(self) -> None:
        self._reports: list[tuple] = []

    def put(self, report: tuple) -> None:
        self._reports.append(report)

    def take_all(self) -> list[tuple]:
        reports, self._reports = self._reports, []
        return reports


_STARTED = -1  # the "epoch" of the report a job sends when it starts on a worker
_worker_data: dict[str, DataSplits] = {}  # on a worker: the run's data set, by object id


def _data_on_worker(box: list[ray.ObjectRef] | None) -> DataSplits | None:
    """The data set of ``box`` (a list, so Ray passes the reference and not the value): fetched
    on a worker's first job of the run, kept for its next ones."""
    if not box:
        return None
    key = box[0].hex()
    if key not in _worker_data:
        _worker_data.clear()  # one run's data set at a time
        _worker_data[key] = unpack_data(ray.get(box[0]))
    return _worker_data[key]


def _execute(
    job_fn: str,
    spec: JobSpec,
    metrics: ray.actor.ActorHandle,
    data: list[ray.ObjectRef] | None,
    parent_weights: bytes | None,
) -> tuple[JobResult, bytes | None]:
    """The task body, on a worker: reports go to the driver through ``metrics`` (fire and
    forget: a report never holds up training); the weights come back as a second object."""
    metrics.put.remote((spec.job_id, _STARTED, {"at": time.time()}))
    inputs = JobInputs(_data_on_worker(data), parent_weights)
    result = run_guarded(
        resolve_job_fn(job_fn), spec, lambda *report: metrics.put.remote(report), inputs
    )
    weights, result.weights = result.weights, None
    return result, weights


@dataclass
class _Refs:
    result: ray.ObjectRef
    weights: ray.ObjectRef


def cluster_address(configured: str | None) -> str | None:
    """What ``ray.init`` should join: the configured address; else ``RAY_ADDRESS`` (Ray reads
    it: ``ray job submit`` sets it); else the cluster a ``ray start`` on this machine recorded,
    if it still answers; else ``"local"``, a new local instance. Ray itself would wait forever
    on a record left behind by a killed ``ray start``, so a dead one is skipped with a warning."""
    if configured:
        return configured
    if os.environ.get("RAY_ADDRESS"):
        return None
    record = Path(os.environ.get("RAY_TMPDIR", tempfile.gettempdir())) / "ray" / CLUSTER_RECORD
    try:
        host, port = record.read_text().strip().rsplit(":", 1)
        socket.create_connection((host, int(port)), timeout=1.0).close()
    except FileNotFoundError:
        return "local"
    except (OSError, ValueError):
        log.warning("%s names a Ray cluster that does not answer; starting a local one", record)
        return "local"
    return "auto"


def init_ray(address: str | None) -> None:
    """``ray.init``, keeping the process's SIGTERM handler: Ray replaces it with one that
    raises ``SystemExit`` wherever the driver happens to be (the CLI's turns SIGTERM into
    Ctrl-C). A SIGINT or SIGTERM that arrives during ``ray.init`` is Ctrl-C too, even where its
    handler's exception was dropped (see ``_signals_arriving``).

    Quiet unless ``ARCHSEARCH_VERBOSE`` is set (the CLI's ``-v``): no warnings from Ray's
    driver and no worker output forwarded to this terminal (jobs' failures are in the store;
    their logs stay in Ray's session folder). An environment variable because ``import ray``
    resets the ``ray`` logger."""
    quiet = not os.environ.get(VERBOSE_ENV)
    handler = signal.getsignal(signal.SIGTERM)
    with _signals_arriving() as arrived:
        try:
            ray.init(
                address=address,
                logging_level=logging.ERROR if quiet else logging.WARNING,
                log_to_driver=not quiet,
            )
        except SystemExit as e:
            arrived.add(signal.SIGTERM)
            cause: BaseException | None = e
        else:
            cause = None
        finally:
            if threading.current_thread() is threading.main_thread() and handler is not None:
                signal.signal(signal.SIGTERM, handler)
    if arrived & {signal.SIGINT, signal.SIGTERM}:
        if ray.is_initialized():
            ray.shutdown()
        raise KeyboardInterrupt from cause


@contextlib.contextmanager
def _signals_arriving() -> Iterator[set[int]]:
    """The numbers of the signals that arrive in the block, known when it ends.

    A handler's exception raised while Python runs an at-fork hook, a ``__del__`` or a weakref
    callback is printed as "Exception ignored" and dropped: a SIGTERM that hit Ray's handler
    while ``ray.init`` started its processes was lost that way, and the search ran on. Python
    writes every signal's number to the wakeup fd, whatever its handler does. The dropped
    exception is not printed either (its "Traceback" is noise: the signal is counted here).
    Main thread only (elsewhere the set stays empty)."""
    arrived: set[int] = set()
    if threading.current_thread() is not threading.main_thread():
        yield arrived
        return
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    previous = signal.set_wakeup_fd(write)
    previous_hook = sys.unraisablehook

    def quiet_about_interrupts(unraisable: Any) -> None:
        if not issubclass(unraisable.exc_type, (KeyboardInterrupt, SystemExit)):
            previous_hook(unraisable)

    sys.unraisablehook = quiet_about_interrupts
    try:
        yield arrived
    finally:
        sys.unraisablehook = previous_hook
        signal.set_wakeup_fd(previous)
        with contextlib.suppress(BlockingIOError):
            arrived.update(os.read(read, 4096))
        os.close(read)
        os.close(write)


def _fits(total: float, per_job: float) -> int:
    return round(total * _UNITS) // max(1, round(per_job * _UNITS))


class RayEngine(Engine):
    def __init__(
        self,
        job_fn: JobFn | str,
        resources: ResourcesConfig,
        cluster_resources: Callable[[], dict[str, float]] | None = None,
        data: DataSplits | None = None,
    ) -> None:
        """``cluster_resources`` replaces ``ray.cluster_resources`` as the view of the cluster's
        totals (tests use it to show a GPU-less cluster without starting a second one).
        ``data``: the data set every job gets (None: a job loads its ``data_conf``)."""
        self._job_fn = job_fn_path(job_fn)
        self._res = resources
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            init_ray(cluster_address(resources.ray_address))
        self._view = cluster_resources or ray.cluster_resources
        self._data = [ray.put(pack_data(data))] if data is not None else None
        self._weights: WeightsShelf[ray.ObjectRef] = WeightsShelf()
        self._started: list[tuple[int, float]] = []
        # A queue actor (no CPU held) carries per-epoch metrics from workers to the driver.
        self._metrics = _MetricsBuffer.remote()
        self._taking: ray.ObjectRef | None = None  # a take_all() not yet collected
        self._drained_at = -math.inf
        # ``max_calls`` cannot be set through ``.options``: one remote function per choice.
        self._bodies = {True: ray.remote(_execute), False: ray.remote(max_calls=1)(_execute)}
        self._task = None  # the options-bound remote function for the current resource view
        self._gpus_per_job = -1.0
        self._capacity = 1
        self._read_at = -math.inf
        self._warned_no_gpu = False
        self._cancelled: dict[ray.ObjectRef, float] = {}  # ref -> when a cancel was last sent
        self._refresh(check=True)

    def _refresh(self, check: bool = False) -> None:
        """Re-read the cluster's totals: capacity, and whether jobs can get their GPUs."""
        totals = self._view()
        self._read_at = time.monotonic()
        cpus, gpus = totals.get("CPU", 0.0), totals.get("GPU", 0.0)
        want_gpus = self._res.gpus
        if want_gpus > 0 and gpus == 0:
            if not self._warned_no_gpu:
                log.warning(
                    "resources.gpus=%g per job, but the Ray cluster has no GPU: jobs "
                    "run on CPU slots (%g CPUs each) instead",
                    want_gpus,
                    self._res.cpus,
                )
                self._warned_no_gpu = True
            want_gpus = 0.0
        if check:
            for name in self._res.custom:
                if totals.get(name, 0.0) == 0:
                    log.warning(
                        "resources.custom asks for %r, which no node of the Ray cluster has: "
                        "jobs wait until a node with it joins",
                        name,
                    )
            custom = [(name, totals.get(name, 0.0), n) for name, n in self._res.custom.items()]
            for kind, total, per_job in (
                ("CPU", cpus, self._res.cpus),
                ("GPU", gpus, want_gpus),
                *custom,
            ):
                if per_job > 0 and 0 < total < per_job:
                    raise ConfigError(
                        f"resources: one job asks for {per_job:g} {kind}s but the "
                        f"Ray cluster has {total:g} in all; no job could start"
                    )
        slots = [_fits(cpus, self._res.cpus)]
        if want_gpus > 0:
            slots.append(_fits(gpus, want_gpus))
        slots += [_fits(totals.get(name, 0.0), n) for name, n in self._res.custom.items() if n > 0]
        if self._res.max_concurrent:
            slots.append(self._res.max_concurrent)
        # Never 0: a cluster that scales up from nothing (or a node away for a moment) still
        # gets one job queued, which Ray starts once resources appear.
        self._capacity = max(1, min(slots))
        if want_gpus != self._gpus_per_job:
            if self._gpus_per_job >= 0 and (want_gpus > 0) != (self._gpus_per_job > 0):
                log.info("the cluster's GPUs changed: jobs now ask for %g GPU(s)", want_gpus)
            self._gpus_per_job = want_gpus
            reuse = self._res.reuse_workers
            if reuse is None:
                reuse = want_gpus == 0
            self._task = self._bodies[reuse].options(
                num_cpus=self._res.cpus,
                num_gpus=want_gpus,
                resources=dict(self._res.custom),
                max_retries=self._res.max_retries,
                retry_exceptions=False,
                num_returns=2,  # the result, and the weights as an object of their own
            )

    def has_weights(self, job_id: int) -> bool:
        return job_id in self._weights

    def put_weights(self, job_id: int, data: bytes) -> None:
        self._weights.put(job_id, ray.put(data))

    def submit(self, spec: JobSpec) -> JobHandle:
        parent = self._weights.get(spec.warm_start_from)
        result, weights = self._task.remote(self._job_fn, spec, self._metrics, self._data, parent)
        return JobHandle(spec.job_id, _Refs(result, weights))

    def drain_started(self) -> list[tuple[int, float]]:
        started, self._started = self._started, []
        return started

    def drain_metrics(self) -> list[tuple[int, int, dict[str, float]]]:
        # Never blocks: a take_all() goes out (at most every METRICS_DRAIN_S) and a later call
        # collects it once it is back; on a busy node that round trip takes tens of ms, which
        # the loop must not wait. The driver takes a finished job's missed epochs from its curve.
        reports = []
        if self._taking is not None:
            if not ray.wait([self._taking], timeout=0)[0]:
                return []
            reports, self._taking = ray.get(self._taking), None
        now = time.monotonic()
        if now - self._drained_at >= METRICS_DRAIN_S:
            self._drained_at = now
            self._taking = self._metrics.take_all.remote()
        self._started += [(job, m["at"]) for job, epoch, m in reports if epoch == _STARTED]
        return [r for r in reports if r[1] != _STARTED]

    def wait(
        self, handles: list[JobHandle], timeout: float | None = None
    ) -> tuple[list[JobHandle], list[JobHandle]]:
        if self._cancelled:
            self._resend_cancels()
        if not handles:
            return [], []
        refs = [h.ref.result for h in handles]
        ready, _ = ray.wait(refs, num_returns=1, timeout=timeout)
        if ready and len(refs) > 1:  # collect every other one ready by now, without waiting
            ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        ready_set = set(ready)
        done = [h for h in handles if h.ref.result in ready_set]
        return done, [h for h in handles if h.ref.result not in ready_set]

    def result(self, handle: JobHandle) -> JobResult:
        ref = handle.ref.result
        if ref in self._cancelled:  # don't sit out a job whose cancel was lost
            while not ray.wait([ref], timeout=CANCEL_RESEND_S)[0]:
                self._resend_cancels()
            self._cancelled.pop(ref, None)
        try:
            result = ray.get(ref)
            if result.ok:
                result.weights = ray.get(handle.ref.weights)
                if result.weights is not None:
                    self._weights.put(handle.job_id, handle.ref.weights)
            return result
        except RayError as e:
            # The weights object of a task that died holds the same error: read it too, or Ray
            # prints it as an "Unhandled error" on the terminal when its reference goes.
            with contextlib.suppress(RayError):
                ray.get(handle.ref.weights, timeout=CANCEL_RESEND_S)
            return JobResult.failed(handle.job_id, self._why_failed(e))

    def _why_failed(self, e: RayError) -> str:
        if isinstance(e, TaskCancelledError):
            return CANCELLED
        if isinstance(e, _DEATHS):
            return (
                f"worker died on each of {1 + self._res.max_retries} attempt(s) "
                f"(resources.max_retries={self._res.max_retries}): {type(e).__name__}: {e}"
            )
        return f"{type(e).__name__}: {e}"

    def cancel(self, handle: JobHandle) -> None:
        # force=True kills the worker process: a training loop never checks for cancellation.
        ray.cancel(handle.ref.result, force=True)
        self._cancelled[handle.ref.result] = time.monotonic()

    def _resend_cancels(self) -> None:
        """Ray drops a cancel that reaches a worker before the task does (ray-project/ray#24359:
        the job then runs to its end, holding its slot). Until a cancelled task is gone, send
        the cancel again every ``CANCEL_RESEND_S``; a repeated ``ray.cancel`` is harmless."""
        refs = list(self._cancelled)
        ready, running = ray.wait(refs, num_returns=len(refs), timeout=0)
        for ref in ready:
            del self._cancelled[ref]
        now = time.monotonic()
        for ref in running:
            if now - self._cancelled[ref] >= CANCEL_RESEND_S:
                ray.cancel(ref, force=True)
                self._cancelled[ref] = now

    def capacity(self) -> int:
        if time.monotonic() - self._read_at >= RESOURCE_REFRESH_S:
            self._refresh()
        return self._capacity

    def shutdown(self) -> None:
        if ray.is_initialized():
            ray.kill(self._metrics)  # on a shared cluster it would outlive the search
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()
        self._owns_ray = False
