"""Module-level job functions for the engine tests (workers import them by dotted path).

Each reads its knobs from ``spec.meta``: ``sleep`` seconds, ``marker`` file paths.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from archsearch.jobs.spec import JobResult, JobSpec, Status


def echo(spec: JobSpec) -> JobResult:
    """Succeeds after ``sleep`` seconds, with the job id in its metrics; touches ``started``
    when it starts and ``marker`` when it ends."""
    if "started" in spec.meta:
        Path(spec.meta["started"]).touch()
    time.sleep(spec.meta.get("sleep", 0.0))
    if "marker" in spec.meta:
        Path(spec.meta["marker"]).touch()
    return JobResult(
        job_id=spec.job_id,
        status=Status.SUCCEEDED,
        metrics={"val_top1": spec.job_id / 100, "pid": float(os.getpid())},
        madd=1e6 * spec.job_id,
        params=10,
    )


def threads(spec: JobSpec) -> JobResult:
    """Succeeds with torch's intra-op thread count in its metrics."""
    import torch

    return JobResult(
        job_id=spec.job_id,
        status=Status.SUCCEEDED,
        metrics={"val_top1": 0.5, "threads": float(torch.get_num_threads())},
        madd=1e6,
        params=10,
    )


def raises(spec: JobSpec) -> JobResult:
    raise ValueError(f"boom in job {spec.job_id}")


def raise_or_echo(spec: JobSpec) -> JobResult:
    """Raises for jobs with ``meta["fail"]``, echoes otherwise."""
    return raises(spec) if spec.meta.get("fail") else echo(spec)


def interrupt(spec: JobSpec) -> JobResult:
    raise KeyboardInterrupt  # Ctrl-C while a LocalEngine job runs


def wrong_return(spec: JobSpec) -> JobResult:
    return "not a result"  # type: ignore[return-value]


def unjsonable(spec: JobSpec) -> JobResult:
    return JobResult(job_id=spec.job_id, status=Status.SUCCEEDED, metrics={"x": {1, 2}})  # type: ignore[dict-item]


def die_once(spec: JobSpec) -> JobResult:
    """Kills its worker on the first attempt (no marker yet), succeeds on the second."""
    marker = Path(spec.meta["marker"])
    if not marker.exists():
        marker.touch()
        os._exit(1)
    return echo(spec)


def always_die(spec: JobSpec) -> JobResult:
    with open(spec.meta["marker"], "a") as f:  # one line per attempt
        f.write("attempt\n")
    os._exit(1)
