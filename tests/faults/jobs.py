"""Job functions for the fault suite (``tests.faults.jobs:NAME``; Ray workers import them by that
path). They sleep instead of training and return a plausible result with small real weights, so
the driver saves ``weights/<job>.pt`` and ships a parent's weights to its children as it does
for trained networks; a child loads its parent's weights the way the real job does.

Knobs come from the environment, which the CLI's local Ray instance passes on to its workers:
``FAULTS_SLEEP_S`` per job; ``FAULTS_PID_DIR``, where each attempt of a job writes
``<job>-<attempt>.pid`` (the worker's pid) before it sleeps, so a test can SIGKILL it mid-job;
``FAULTS_HOLD=1-1,2-1`` (``job-attempt``): those attempts sleep until they are killed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from archsearch.jobs.inputs import parent_weights
from archsearch.jobs.spec import JobResult, JobSpec
from bench.sleep_job import fake_result

SLEEP_ENV = "FAULTS_SLEEP_S"
PID_DIR_ENV = "FAULTS_PID_DIR"
HOLD_ENV = "FAULTS_HOLD"
HOLD_S = 300.0


def sleepy(spec: JobSpec) -> JobResult:
    import torch

    from archsearch.train import weights_from_bytes, weights_to_bytes

    warm_start = parent_weights()
    if warm_start is not None:  # as jobs/run.py: a damaged parent fails the child
        weights_from_bytes(warm_start, f"weights of job {spec.warm_start_from}")
    sleep_s = float(os.environ.get(SLEEP_ENV, "0.2"))
    pid_dir = os.environ.get(PID_DIR_ENV)
    if pid_dir:
        attempt = len(list(Path(pid_dir).glob(f"{spec.job_id}-*.pid"))) + 1
        (Path(pid_dir) / f"{spec.job_id}-{attempt}.pid").write_text(str(os.getpid()))
        if f"{spec.job_id}-{attempt}" in os.environ.get(HOLD_ENV, "").split(","):
            sleep_s = HOLD_S
    time.sleep(sleep_s)
    result = fake_result(spec)
    result.weights = weights_to_bytes({"w": torch.full((8,), float(spec.job_id))})
    return result
