"""What crosses the driver/worker boundary: plain dataclasses that round-trip through JSON.

Nothing live is shipped to a worker: a job is ``run_job(JobSpec) -> JobResult``. This module
imports neither torch nor ray, so strategies, engines and the store can all use it.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from archsearch.space.desc import ModelDesc


class Stage(StrEnum):
    SEED_TRAIN = "seed_train"  # train a seed network from scratch
    SEARCH = "search"  # grow by one node, search its ops, finalise (Petridish)
    POST_TRAIN = "post_train"  # train a finalised network, warm-started from its parent
    TRAIN = "train"  # train a described network (random search, evolution, one-shot export)
    SUPERNET = "supernet"  # train a weight-sharing supernet and export one network (one-shot)
    RETRAIN = "retrain"  # train a chosen hull point again, longer, with the full recipe


class Status(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


@dataclass
class JobSpec:
    job_id: int
    stage: Stage
    model_desc: ModelDesc
    train_conf: dict[str, Any]  # TrainConfig as a dict
    data_conf: dict[str, Any]  # DataConfig as a dict
    parent_id: int | None = None  # the job whose model this one grows from (lineage)
    # The job whose trained weights warm-start this one; the driver ships them with the job.
    warm_start_from: int | None = None
    seed: int = 0
    meta: dict[str, Any] = field(default_factory=dict)  # strategy bookkeeping, e.g. search job

    @functools.cached_property
    def model_hash(self) -> str:
        """``model_desc.content_hash()``, computed once: the store, the history and the strategy
        all key a submitted job on it, and a spec's description is not changed once made."""
        return self.model_desc.content_hash()

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}  # shallow: no deep copy
        d["stage"] = self.stage.value
        d["model_desc"] = self.model_desc.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JobSpec:
        return cls(
            **{**d, "stage": Stage(d["stage"]), "model_desc": ModelDesc.from_dict(d["model_desc"])}
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobSpec:
        return cls.from_dict(json.loads(text))


@dataclass
class JobResult:
    job_id: int
    status: Status
    metrics: dict[str, float] = field(default_factory=dict)  # val_top1, val_loss, train_time_s...
    madd: float | None = None  # multiply-adds of one forward pass on one sample
    params: int | None = None
    weights_path: str | None = None  # set by the driver: weights/<job>.pt in the run dir
    model_desc: ModelDesc | None = None  # the trained (or, after SEARCH, finalised) network
    error: str | None = None
    curve: list[dict[str, float]] = field(default_factory=list)  # per-epoch metrics
    finished_at: float | None = None  # unix time the driver received it
    # The trained state_dict as ``torch.save`` bytes, on its way from the worker to the driver
    # (which writes weights/<job>.pt). Travels beside the JSON, never inside it.
    weights: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status is Status.SUCCEEDED

    @property
    def error_rate(self) -> float | None:
        """1 - best validation top-1 (as archai): the hull's y axis."""
        top1 = self.metrics.get("best_val_top1", self.metrics.get("val_top1"))
        return None if top1 is None else 1.0 - top1

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "weights"}
        d["status"] = self.status.value
        d["model_desc"] = self.model_desc.to_dict() if self.model_desc else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JobResult:
        desc = d.get("model_desc")
        return cls(
            **{
                **d,
                "status": Status(d["status"]),
                "model_desc": ModelDesc.from_dict(desc) if desc else None,
            }
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobResult:
        return cls.from_dict(json.loads(text))

    @classmethod
    def failed(cls, job_id: int, error: str) -> JobResult:
        return cls(job_id=job_id, status=Status.FAILED, error=error)


def is_finite_point(result: JobResult) -> bool:
    """A successful result with a finite (MAdd, error): what may join a hull."""
    return (
        result.ok
        and result.madd is not None
        and result.error_rate is not None
        and math.isfinite(result.madd)
        and math.isfinite(result.error_rate)
    )
