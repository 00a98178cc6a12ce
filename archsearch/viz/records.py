"""What the plots are drawn from: one plain record per trained model (built from store rows).

Plots never see live objects (strategies, models, the store): the CLI or the driver turns
rows into ``TrialPoint`` lists, so ``archsearch plot runs/<name>`` can redraw any finished or
running experiment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

SEED_STAGE = "seed_train"
STAGES = (SEED_STAGE, "post_train", "train")


@dataclass(frozen=True)
class TrialPoint:
    job_id: int
    stage: str  # "seed_train" | "post_train" | "train"
    madd: float  # multiply-adds of one forward pass (one sample)
    params: int  # trainable parameters
    error: float  # 1 - best validation top-1
    label: str  # macro shape, e.g. "c5r1n3" = 5 cells, 1 reduction, 3 nodes
    finished_s: float  # seconds from the run's start to the end of this job
    parent_id: int | None = None  # the model this one was grown from (lineage)
    test_error: float | None = None  # 1 - top-1 on the test split (None without one)

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}; got {self.stage!r}")

    @property
    def is_seed(self) -> bool:
        return self.stage == SEED_STAGE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrialPoint:
        parent = d.get("parent_id")
        return cls(
            job_id=int(d["job_id"]),
            stage=str(d["stage"]),
            madd=float(d["madd"]),
            params=int(d["params"]),
            error=float(d["error"]),
            label=str(d["label"]),
            finished_s=float(d["finished_s"]),
            parent_id=None if parent is None else int(parent),
            test_error=None if d.get("test_error") is None else float(d["test_error"]),
        )


@dataclass(frozen=True)
class RetrainPoint:
    """A retrained model beside the numbers its search-time training gave."""

    job_id: int  # the RETRAIN job
    of_job: int  # the search-time job it retrained
    label: str
    madd: float
    search_error: float  # validation error at search time
    search_test_error: float | None
    error: float  # validation error after the retrain
    test_error: float | None


def plottable(points: list[TrialPoint]) -> list[TrialPoint]:
    """The points a log-MAdd plot can show: finite error and positive, finite MAdd."""
    return [p for p in points if np.isfinite(p.error) and np.isfinite(p.madd) and p.madd > 0]


def as_xy(points: list[TrialPoint]) -> np.ndarray:
    """``(n, 2)`` array of ``(madd, error)``, the input of ``archsearch.hull``."""
    return np.array([(p.madd, p.error) for p in points], dtype=np.float64).reshape(-1, 2)
