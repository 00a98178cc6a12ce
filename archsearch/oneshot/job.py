"""The worker side of a SUPERNET job: train the supernet with the method named in the spec,
export one sub-network as an ordinary description with its inherited weights, profile it."""

from __future__ import annotations

import logging
from typing import Any

from archsearch.config import ONESHOT_CONFIGS, OneShotConfig, TrainConfig
from archsearch.data import DataSplits
from archsearch.errors import UnknownNameError
from archsearch.jobs.spec import JobResult, JobSpec, Status
from archsearch.oneshot.darts import Darts, GumbelDarts
from archsearch.oneshot.enas import Enas
from archsearch.oneshot.export import export
from archsearch.oneshot.method import EpochCallback, OneShotMethod
from archsearch.oneshot.proxyless import Proxyless
from archsearch.oneshot.spos import RandomOneShot
from archsearch.oneshot.supernet import Supernet
from archsearch.train.profiler import profile
from archsearch.train.weights import weights_to_bytes

log = logging.getLogger(__name__)

METHODS: dict[str, type[OneShotMethod]] = {
    "darts": Darts,
    "gumbel_darts": GumbelDarts,
    "random_oneshot": RandomOneShot,
    "proxyless": Proxyless,
    "enas": Enas,
}
CONFIGS: dict[str, type[OneShotConfig]] = {
    c.model_fields["name"].default: c for c in ONESHOT_CONFIGS
}


def make_method(
    name: str,
    supernet: Supernet,
    train_conf: TrainConfig,
    conf: dict[str, Any],
    penalty: float = 0.0,
    seed: int = 0,
) -> OneShotMethod:
    """Method ``name`` on ``supernet``; ``conf`` is its strategy section as a dict."""
    if name not in METHODS:
        raise UnknownNameError("one-shot method", name, list(METHODS))
    method_conf = CONFIGS[name].model_validate({**conf, "name": name})
    return METHODS[name](supernet, train_conf, method_conf, penalty, seed)


def run_supernet_job(
    spec: JobSpec, data: DataSplits, on_epoch: EpochCallback | None = None
) -> JobResult:
    """``spec.meta``: ``method`` (a name of ``METHODS``), ``method_conf`` (its strategy section)
    and ``penalty_weight``; ``spec.train_conf`` trains the supernet (its ``epochs``)."""
    supernet = Supernet(spec.model_desc)
    method = make_method(
        spec.meta["method"],
        supernet,
        TrainConfig.model_validate(spec.train_conf),
        spec.meta.get("method_conf", {}),
        float(spec.meta.get("penalty_weight", 0.0)),
        spec.seed,
    )
    outcome = method.fit(data, on_epoch)
    desc, model = export(supernet, outcome.arch)
    prof = profile(model, desc.input_shape)
    log.info("supernet job %d exported %s: %d MAdd", spec.job_id, desc.label(), prof.madd)
    return JobResult(
        job_id=spec.job_id,
        status=Status.SUCCEEDED,
        metrics={k: float(v) for k, v in outcome.metrics.items()},
        madd=float(prof.madd),
        params=int(prof.params),
        model_desc=desc,
        curve=outcome.curve,
        weights=weights_to_bytes(model.state_dict()),
    )
