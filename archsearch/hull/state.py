"""``Hull``: a pool of trained models whose frontier is kept up to date as models join.

It holds ``(id, madd, error, times_sampled)`` rows, appended once each, and keeps the hull's
vertices and the eps-band's members as it goes, so a model joining costs O(hull + band) and
never a pass over the pool: a run of 10^5 models pays per model what a run of 10^3 does.

Why incremental updates give exactly the batch answer (``lower_convex_hull`` / ``eps_band`` of
every row, which the tests compare against): a point that is not a vertex of the hull of S is
not one of S plus a point either, so the new hull is the hull of the old vertices and the new
point; and a hull over more points lies nowhere above the old one, so the band only loses
members when the hull moves, besides gaining the new point. Exact copies of a vertex: the lowest
job id is the vertex, as in a batch pass over jobs in id order.

``to_dict()``/``from_dict()`` round-trip through JSON.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np
from numpy.typing import NDArray

from archsearch.hull.frontier import hull_error_at, in_band, lower_convex_hull
from archsearch.hull.sampling import sample_parent

# A new point within this relative distance of the hull (above it included) has the hull
# recomputed over the vertices and it, so that the collinearity tolerance of
# ``lower_convex_hull`` decides, never a comparison here; far above the hull, nothing changes.
_NEAR_HULL_RTOL = 1e-9
_MIN_CAPACITY = 64


class Hull:
    def __init__(
        self,
        eps: float = 0.025,  # band: error <= (1 + eps) * hull error at that MAdd
        madd_weight: float = 1.0,  # how strongly sampling favours cheap parents (sampling.py)
        ids: Collection[int] = (),
        madd: Collection[float] = (),
        error: Collection[float] = (),
        times_sampled: Collection[int] = (),
    ) -> None:
        if not eps >= 0:
            raise ValueError(f"eps must be >= 0; got {eps}")
        if len({len(ids), len(madd), len(error), len(times_sampled)}) != 1:
            raise ValueError("ids, madd, error and times_sampled must have equal lengths")
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique")
        self.eps = eps
        self.madd_weight = madd_weight
        self._n = 0
        self._ids = np.empty(_MIN_CAPACITY, dtype=np.int64)
        self._madd = np.empty(_MIN_CAPACITY)
        self._error = np.empty(_MIN_CAPACITY)
        self._times = np.zeros(_MIN_CAPACITY, dtype=np.int64)
        self._row: dict[int, int] = {}
        self._hull = np.empty(0, dtype=np.intp)  # rows of the vertices, by rising MAdd
        self._band: list[int] = []  # rows in the band, ascending
        self.version = 0  # bumped whenever the hull's vertices change
        self._max_madd: float | None = None
        for job_id, m, e, n in zip(ids, madd, error, times_sampled, strict=True):
            self.add(job_id, m, e)
            self._times[self._n - 1] = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hull) and self.to_dict() == other.to_dict()

    __hash__ = None  # mutable

    def __len__(self) -> int:
        return self._n

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._row

    @property
    def ids(self) -> NDArray[np.int64]:
        return self._ids[: self._n]

    @property
    def madd(self) -> NDArray[np.float64]:
        return self._madd[: self._n]

    @property
    def error(self) -> NDArray[np.float64]:
        return self._error[: self._n]

    @property
    def times_sampled(self) -> NDArray[np.int64]:
        return self._times[: self._n]

    def max_madd(self) -> float | None:
        """The largest MAdd in the pool (None while empty)."""
        return self._max_madd

    def row(self, job_id: int) -> int:
        """The row of ``job_id``: the order in which it joined."""
        return self._row[job_id]

    def add(self, job_id: int, madd: float, error: float) -> bool:
        """Add a trained model; True if it changed the hull. Raises ValueError on a repeated id
        or a non-finite value."""
        if job_id in self._row:
            raise ValueError(f"id {job_id} is already in the hull pool")
        if not (math.isfinite(madd) and math.isfinite(error)):
            raise ValueError(f"madd and error must be finite; got ({madd}, {error}) for {job_id}")
        if self._n == len(self._ids):
            self._grow()
        row = self._n
        self._ids[row], self._madd[row], self._error[row], self._times[row] = job_id, madd, error, 0
        self._row[int(job_id)] = row
        self._n += 1
        self._max_madd = madd if self._max_madd is None else max(self._max_madd, madd)
        changed = self._update_hull(row)
        if changed and self._band:  # the hull moved down: members may have left the band
            rows = np.asarray(self._band)
            keep = in_band(self._error[rows], self._hull_error_at(self._madd[rows]), self.eps)
            self._band = rows[keep].tolist()
        if in_band(error, self._hull_error_at(madd), self.eps):
            self._band.append(row)
        return changed

    def point(self, job_id: int) -> tuple[float, float]:
        """``(madd, error)`` of ``job_id``."""
        row = self._row[job_id]
        return float(self._madd[row]), float(self._error[row])

    def hull_rows(self) -> NDArray[np.intp]:
        """Rows of the monotone lower convex hull's vertices, by rising MAdd."""
        return self._hull.copy()

    def band_rows(self) -> NDArray[np.intp]:
        """Rows within the eps-band (hull vertices included), ascending."""
        return np.asarray(self._band, dtype=np.intp)

    def hull_ids(self) -> list[int]:
        """Ids of the monotone lower convex hull's vertices, by rising MAdd."""
        return self._ids[self._hull].tolist()

    def band_ids(self) -> list[int]:
        """Ids within the eps-band (hull vertices included), in the order they were added."""
        return self._ids[self.band_rows()].tolist()

    def sample_parent(
        self,
        rng: np.random.Generator,
        max_madd: float | None = None,
        busy: Collection[int] = (),
        times_sampled: np.ndarray | None = None,
        madd_weight: float | None = None,
    ) -> int | None:
        """Draw a parent from the band; None when nothing is eligible. O(band) in numpy, not
        O(pool), and no Python loop over the band.

        Points with MAdd at or above ``max_madd``, and the ids in ``busy`` (e.g. parents being
        grown right now), still shape the hull but are not drawn; None with no ``busy`` id
        tells the strategy the frontier has nothing left to grow. ``times_sampled``: the
        caller's draw counts indexed by job id (ids past its end: 0); without it the pool's
        own, which then count this draw. ``madd_weight``: the pool's own by default.
        """
        # By id, not by when a member joined: a resumed run, whose pool is rebuilt in id order,
        # draws what the uninterrupted run would.
        rows = self.band_rows()
        rows = rows[np.argsort(self._ids[rows], kind="stable")]
        ids = self._ids[rows]
        points = np.column_stack([self._madd[rows], self._error[rows]]).reshape(len(rows), 2)
        if times_sampled is None:
            counts = self._times[rows]
        else:
            counts = np.zeros(len(ids), dtype=np.int64)
            known = ids < len(times_sampled)
            counts[known] = times_sampled[ids[known]]
        exclude = np.isin(ids, list(busy)) if busy else np.zeros(len(rows), dtype=bool)
        if max_madd is not None:
            exclude |= points[:, 0] >= max_madd
        weight = self.madd_weight if madd_weight is None else madd_weight
        # The band's own hull is the pool's (every vertex is a band member), so sampling over
        # the band alone draws exactly what it would over the whole pool.
        in_band = np.ones(len(rows), dtype=bool)  # band_rows() is the band: not found again
        pick = sample_parent(points, self.eps, counts, rng, weight, exclude, in_band)
        if pick is None:
            return None
        if times_sampled is None:
            self._times[rows[pick]] += 1
        return int(ids[pick])

    def to_dict(self) -> dict[str, Any]:
        return {
            "eps": self.eps,
            "madd_weight": self.madd_weight,
            "ids": self.ids.tolist(),
            "madd": self.madd.tolist(),
            "error": self.error.tolist(),
            "times_sampled": self.times_sampled.tolist(),
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

    # --- incremental upkeep --------------------------------------------------------------------
    def _hull_error_at(self, madd: Any) -> Any:
        vertices = np.column_stack([self._madd[self._hull], self._error[self._hull]])
        return hull_error_at(vertices.reshape(len(self._hull), 2), madd)

    def _update_hull(self, row: int) -> bool:
        """Take the new ``row`` into the hull; True if the vertices changed."""
        limit = float(self._hull_error_at(self._madd[row]))
        near = limit + _NEAR_HULL_RTOL * max(abs(limit), 1.0)
        if self._error[row] > near:
            return False
        # By id, so an exact copy of a vertex loses to the lower id, as in a batch pass over
        # jobs in id order (the view's, `archsearch plot`'s), whatever order results came in.
        rows = np.append(self._hull, row)
        rows = rows[np.argsort(self._ids[rows], kind="stable")]
        points = np.column_stack([self._madd[rows], self._error[rows]])
        hull = rows[lower_convex_hull(points)]
        if np.array_equal(hull, self._hull):
            return False
        self._hull = hull
        self.version += 1
        return True

    def _grow(self) -> None:
        size = 2 * len(self._ids)
        for name in ("_ids", "_madd", "_error", "_times"):
            old = getattr(self, name)
            new = np.zeros(size, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
