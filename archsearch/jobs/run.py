"""What a job does on a worker: a pure function ``JobSpec -> JobResult``.

Build the network from its description, warm-start it from the parent's weights where names
and shapes match, train it (or, for a SEARCH job, train the grown network's search nodes and
finalise them), profile it, and return its weights with the result. A SUPERNET job trains a
weight-sharing supernet and exports one network instead (``archsearch.oneshot.job``). Any
failure becomes a FAILED result with the reason: a job never takes the driver down.
"""

from __future__ import annotations

import logging
import traceback

from archsearch.config import TrainConfig
from archsearch.errors import ArchsearchError
from archsearch.jobs.inputs import job_data, parent_weights
from archsearch.jobs.report import report_epoch
from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status

log = logging.getLogger(__name__)


def run_job(spec: JobSpec) -> JobResult:
    try:
        return _run(spec)
    except ArchsearchError as e:  # an expected failure (NaN loss, missing data): one line
        log.warning("job %d failed: %s", spec.job_id, e)
        return JobResult.failed(spec.job_id, f"{type(e).__name__}: {e}")
    except Exception:  # a bug or an op that cannot run: keep the traceback for the store
        return JobResult.failed(spec.job_id, traceback.format_exc())


def _run(spec: JobSpec) -> JobResult:
    import torch

    from archsearch.nn import Model, finalize, finalized_state_dict, inherit_weights
    from archsearch.train import profile, train, weights_from_bytes, weights_to_bytes

    torch.manual_seed(spec.seed)
    data = job_data(spec)

    def report(epoch: int, metrics: dict[str, float]) -> None:
        report_epoch(spec.job_id, epoch, metrics)

    if spec.stage is Stage.SUPERNET:
        from archsearch.oneshot.job import run_supernet_job

        return run_supernet_job(spec, data, report)
    conf = TrainConfig.model_validate(spec.train_conf)
    model = Model.from_desc(spec.model_desc)
    inherited = 0
    warm_start = parent_weights()
    if warm_start is not None:
        source = f"weights of job {spec.warm_start_from}"
        inherited = inherit_weights(model, weights_from_bytes(warm_start, source))

    search = spec.stage is Stage.SEARCH
    metrics = train(model, data, conf, seed=spec.seed, arch_search=search, on_epoch=report)
    final_desc = spec.model_desc
    if search:
        # The grown network still computes its parent's function; what SEARCH produces is the
        # finalised description and the warm-start weights for its POST_TRAIN job.
        final_desc = finalize(spec.model_desc, model, int(spec.meta.get("top_k", 3)))
        searched = model
        model = Model.from_desc(final_desc)
        model.load_state_dict(finalized_state_dict(searched, final_desc))
    prof = profile(model, final_desc.input_shape)
    out = metrics.to_dict()
    curve = out.pop("curve", [])
    out["inherited_tensors"] = inherited
    return JobResult(
        job_id=spec.job_id,
        status=Status.SUCCEEDED,
        metrics={k: float(v) for k, v in out.items() if isinstance(v, int | float)},
        madd=float(prof.madd),
        params=int(prof.params),
        model_desc=final_desc,
        curve=curve,
        weights=weights_to_bytes(model.state_dict()),
    )
