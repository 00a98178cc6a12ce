"""What a job does on a worker: a pure function ``JobSpec -> JobResult``.

Build the network from its description, warm-start it from the parent's weights where names
and shapes match, train it (or, for a SEARCH job, train the grown network's search nodes and
finalise them), profile it, and save its weights. A SUPERNET job trains a weight-sharing
supernet and exports one network instead (``archsearch.oneshot.job``). Any failure becomes a
FAILED result with the reason: a job never takes the driver down.
"""

from __future__ import annotations

import functools
import json
import logging
import traceback

from archsearch.config import DataConfig, TrainConfig
from archsearch.errors import ArchsearchError
from archsearch.jobs.report import report_epoch
from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=2)
def _cached_data(data_conf_json: str):
    """A worker process reuses the data set across jobs (CIFAR-10 is ~180 MB to parse)."""
    from archsearch.data import load_data

    return load_data(DataConfig.model_validate_json(data_conf_json))


def run_job(spec: JobSpec, on_epoch=None) -> JobResult:
    try:
        return _run(spec, on_epoch)
    except ArchsearchError as e:  # an expected failure (NaN loss, missing data): one line
        log.warning("job %d failed: %s", spec.job_id, e)
        return JobResult.failed(spec.job_id, f"{type(e).__name__}: {e}")
    except Exception:  # a bug or an op that cannot run: keep the traceback for the store
        return JobResult.failed(spec.job_id, traceback.format_exc())


def _run(spec: JobSpec, on_epoch) -> JobResult:
    import torch

    from archsearch.nn import Model, finalize, finalized_state_dict, inherit_weights
    from archsearch.train import load_weights, profile, save_weights, train

    torch.manual_seed(spec.seed)
    data = _cached_data(json.dumps(spec.data_conf, sort_keys=True))

    def report(epoch: int, metrics: dict[str, float]) -> None:
        report_epoch(spec.job_id, epoch, metrics)

    if spec.stage is Stage.SUPERNET:
        from archsearch.oneshot.job import run_supernet_job

        return run_supernet_job(spec, data, report)
    conf = TrainConfig.model_validate(spec.train_conf)
    model = Model.from_desc(spec.model_desc)
    inherited = 0
    if spec.parent_weights:
        inherited = inherit_weights(model, load_weights(spec.parent_weights))

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
    save_weights(model.state_dict(), spec.weights_out)
    out = metrics.to_dict()
    curve = out.pop("curve", [])
    out["inherited_tensors"] = inherited
    return JobResult(
        job_id=spec.job_id,
        status=Status.SUCCEEDED,
        metrics={k: float(v) for k, v in out.items() if isinstance(v, int | float)},
        madd=float(prof.madd),
        params=int(prof.params),
        weights_path=spec.weights_out,
        model_desc=final_desc,
        curve=curve,
    )
