"""A stand-in job for scheduler benchmarks and tests: sleeps instead of training and returns a
plausible result (bigger networks have more MAdd and, noisily, lower error)."""

from __future__ import annotations

import os
import random
import time

from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status
from archsearch.oneshot.space import arch_to_desc, random_arch
from archsearch.space.desc import ModelDesc
from archsearch.space.finalize import finalize_desc

SLEEP_ENV = "ARCHSEARCH_SLEEP_JOB_S"
# Set: the job imports torch first, as a job that trains does (~2 s in a fresh worker on 2 cores).
IMPORT_TORCH_ENV = "ARCHSEARCH_SLEEP_JOB_IMPORT_TORCH"


def size(desc: ModelDesc) -> float:
    return sum(c.channels**2 * (1 + sum(len(n.edges) for n in c.nodes)) for c in desc.cells)


def sleep_job(spec: JobSpec) -> JobResult:
    if os.environ.get(IMPORT_TORCH_ENV):
        import torch  # noqa: F401
    time.sleep(float(os.environ.get(SLEEP_ENV, "0.5")))
    return fake_result(spec)


def fake_result(spec: JobSpec) -> JobResult:
    """What training might have given, at once (finalising search nodes and exporting
    supernets at random)."""
    rng = random.Random(spec.seed)
    desc = spec.model_desc
    if spec.stage is Stage.SEARCH:
        weights = {
            (ci, ni): {(i, p): rng.uniform(-1, 1) for i in e.inputs for p in e.params["primitives"]}
            for ci, c in enumerate(desc.cells)
            for ni, n in enumerate(c.nodes)
            for e in n.edges
            if e.op == "petridish"
        }
        desc = finalize_desc(desc, weights, int(spec.meta.get("top_k", 3)))
    elif spec.stage is Stage.SUPERNET:
        top_k = int(spec.meta.get("method_conf", {}).get("top_k", 2))
        desc = arch_to_desc(desc, random_arch(rng, desc, top_k))
    madd = size(desc) * 64
    top1 = min(0.99, 0.5 + 0.04 * madd**0.25 / 10 + rng.uniform(-0.03, 0.03))
    return JobResult(
        job_id=spec.job_id,
        status=Status.SUCCEEDED,
        metrics={"val_top1": top1, "train_time_s": 0.0},
        madd=madd,
        params=int(madd // 10),
        weights_path=None,
        model_desc=desc,
    )
