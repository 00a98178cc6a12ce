"""``Hull``: the pool of trained models a strategy keeps, as plain data.

It holds ``(id, madd, error, times_sampled)`` rows and answers hull, band and parent-sampling
queries by recomputing from them (a pool has at most a few thousand rows, and the frontier
functions handle 10^5 in milliseconds, so caching would only add state to get wrong).
``to_dict()``/``from_dict()`` round-trip through JSON for ``Strategy.state_dict()``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archsearch.hull.frontier import eps_band, lower_convex_hull
from archsearch.hull.sampling import sample_parent


@dataclass
class Hull:
    eps: float = 0.025  # band: error <= (1 + eps) * hull error at that MAdd
    madd_weight: float = 1.0  # how strongly sampling favours cheap parents (see sampling.py)
    ids: list[int] = field(default_factory=list)  # job ids, in the order they were added
    madd: list[float] = field(default_factory=list)
    error: list[float] = field(default_factory=list)
    times_sampled: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.eps >= 0:
            raise ValueError(f"eps must be >= 0; got {self.eps}")
        lengths = {len(self.ids), len(self.madd), len(self.error), len(self.times_sampled)}
        if len(lengths) != 1:
            raise ValueError("ids, madd, error and times_sampled must have equal lengths")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("ids must be unique")
        self._row = {job_id: i for i, job_id in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._row

    def add(self, job_id: int, madd: float, error: float) -> None:
        """Add a trained model; raises ValueError on a repeated id or a non-finite value."""
        if job_id in self._row:
            raise ValueError(f"id {job_id} is already in the hull pool")
        if not (math.isfinite(madd) and math.isfinite(error)):
            raise ValueError(f"madd and error must be finite; got ({madd}, {error}) for {job_id}")
        self._row[job_id] = len(self.ids)
        self.ids.append(int(job_id))
        self.madd.append(float(madd))
        self.error.append(float(error))
        self.times_sampled.append(0)

    def point(self, job_id: int) -> tuple[float, float]:
        """``(madd, error)`` of ``job_id``."""
        row = self._row[job_id]
        return self.madd[row], self.error[row]

    def hull_ids(self) -> list[int]:
        """Ids of the monotone lower convex hull's vertices, by rising MAdd."""
        return [self.ids[i] for i in lower_convex_hull(self._points())]

    def band_ids(self) -> list[int]:
        """Ids within the eps-band (hull vertices included), in the order they were added."""
        return [self.ids[i] for i in eps_band(self._points(), self.eps)]

    def sample_parent(
        self,
        rng: np.random.Generator,
        max_madd: float | None = None,
        busy: Collection[int] = (),
    ) -> int | None:
        """Draw a parent from the band and count the draw; None when nothing is eligible.

        Points with MAdd at or above ``max_madd``, and the ids in ``busy`` (e.g. parents being
        grown right now), still shape the hull but are not drawn; None with no ``busy`` id
        tells the strategy the frontier has nothing left to grow.
        """
        points = self._points()
        exclude = np.isin(self.ids, list(busy)) if busy else np.zeros(len(self.ids), dtype=bool)
        if max_madd is not None:
            exclude |= points[:, 0] >= max_madd
        row = sample_parent(points, self.eps, self.times_sampled, rng, self.madd_weight, exclude)
        if row is None:
            return None
        self.times_sampled[row] += 1
        return self.ids[row]

    def to_dict(self) -> dict[str, Any]:
        return {
            "eps": self.eps,
            "madd_weight": self.madd_weight,
            "ids": list(self.ids),
            "madd": list(self.madd),
            "error": list(self.error),
            "times_sampled": list(self.times_sampled),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hull:
        return cls(
            eps=float(d["eps"]),
            madd_weight=float(d["madd_weight"]),
            ids=[int(i) for i in d["ids"]],
            madd=[float(m) for m in d["madd"]],
            error=[float(e) for e in d["error"]],
            times_sampled=[int(n) for n in d["times_sampled"]],
        )

    def _points(self) -> np.ndarray:
        return np.column_stack([self.madd, self.error]).reshape(len(self.ids), 2)
