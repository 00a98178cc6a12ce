"""Every job of a run as the driver and its strategy see it, at a cost per job that does not
grow with the run.

In memory: one small row per job (stage, lineage, model hash, epochs, whether it finished), the
whole records of the jobs still to finish, a bounded cache of the others (read back from the
store when asked for, so 10^5 jobs fit in a few hundred MB), counters for the budgets, and the
trained models' frontier (``hull.Hull``), which each result joins once. Without a store behind
it (strategy tests) every record stays in memory.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from archsearch.hull import Hull
from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status, is_finite_point
from archsearch.store import StoreReader

TRAINED_STAGES = (Stage.SEED_TRAIN, Stage.POST_TRAIN, Stage.TRAIN)
RECORDS_KEPT = 4096  # decoded specs and results cached of the finished jobs (each a few KB)
DEFAULT_EPS = 0.025

K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    """A dict that forgets its least recently used entries beyond ``capacity`` (None: never)."""

    def __init__(self, capacity: int | None) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if self.capacity is not None and len(self._items) > self.capacity:
            self._items.popitem(last=False)


@dataclass(slots=True)
class JobRow:
    stage: Stage
    parent_id: int | None
    model_hash: str | None
    epochs: int
    status: Status | None = None  # None until it has a result


@dataclass(frozen=True, slots=True)
class TrainedRecord:
    """What the plots and the progress line need of a trained model, kept for every one."""

    job_id: int
    stage: str
    madd: float
    params: int
    error: float
    label: str
    finished_at: float
    parent_id: int | None
    test_error: float | None
    hull_size: int  # vertices of the hull right after this model joined
    best_error: float  # the lowest error of any trained model by then


class JobHistory:
    def __init__(self, retrain: bool = False, eps: float = DEFAULT_EPS) -> None:
        # Whose jobs a driver runs: a search's (every stage but RETRAIN) or a retrain's (RETRAIN
        # only). Both share one store; each resubmits, and counts against budgets, only its own.
        self.retrain = retrain
        self.eps = eps  # the band of ``frontier()``; other widths are built on demand
        self.rows: dict[int, JobRow] = {}
        self._store: StoreReader | None = None
        self._unfinished: dict[int, JobSpec] = {}  # kept whole until their result arrives
        self._specs: _Lru[int, JobSpec] = _Lru(None)
        self._results: _Lru[int, JobResult] = _Lru(None)
        self._frontiers: dict[float, Hull] = {eps: Hull(eps=eps)}
        self.trained_records: list[TrainedRecord] = []  # frontier rows: in the order they joined
        self.seed_rows: list[int] = []  # the rows of seed models
        self._retrained: dict[int, int] = {}  # retrained model -> its latest good RETRAIN job
        self.own_jobs = 0
        self.own_epochs = 0
        self.finished = 0
        self.failed = 0
        self.train_time_s = 0.0

    # --- filling it ---------------------------------------------------------------------------
    def load(self, store: StoreReader) -> None:
        """Everything ``store`` has recorded (job rows, trained points, unfinished specs) from
        its scalar columns: no job record is decoded but those still to run. Later lookups
        of other records read them from ``store``."""
        self._store = store
        self._specs.capacity = self._results.capacity = RECORDS_KEPT
        for r in store.job_rows():
            status = Status(r["status"]) if r["finished"] else None
            row = JobRow(Stage(r["stage"]), r["parent_id"], r["model_hash"], int(r["epochs"]))
            self._count_spec(r["job_id"], row)
            if status is not None:
                self._count_result(row, status, float(r["train_time_s"]))
        for spec in store.unfinished_specs():
            self._unfinished[spec.job_id] = spec
        stages = tuple(s.value for s in (*TRAINED_STAGES, Stage.RETRAIN))
        # In the order they finished, as a live run adds them (ties: the hull goes by id).
        rows = sorted(store.trained_rows(stages), key=lambda r: (r["finished_at"] or 0.0, r[0]))
        for r in rows:
            if not (math.isfinite(r["madd"]) and math.isfinite(r["error_rate"])):
                continue
            if r["stage"] == Stage.RETRAIN.value:
                self._retrained[self.rows[r["job_id"]].parent_id] = r["job_id"]
                continue
            self._add_trained(
                r["job_id"], r["stage"], r["madd"], int(r["params"] or 0), r["error_rate"],
                r["label"], r["finished_at"], r["parent_id"], r["test_error"],
            )  # fmt: skip

    @property
    def loaded(self) -> bool:
        """Whether a store is behind it (``load``)."""
        return self._store is not None

    def add_spec(self, spec: JobSpec) -> None:
        """A job submitted (again, on resume: counted once)."""
        self._unfinished[spec.job_id] = spec
        if spec.job_id not in self.rows:
            epochs = int(spec.train_conf.get("epochs", 0))
            row = JobRow(spec.stage, spec.parent_id, spec.model_hash, epochs)
            self._count_spec(spec.job_id, row)

    def add_result(self, result: JobResult) -> None:
        """A job finished: counted, cached, and if it trained a model, joined to the frontier."""
        spec = self._unfinished.pop(result.job_id, None) or self.spec(result.job_id)
        self._specs.put(spec.job_id, spec)
        self._results.put(result.job_id, result)
        row = self.rows[result.job_id]
        self._count_result(row, result.status, float(result.metrics.get("train_time_s", 0.0)))
        if not is_finite_point(result):
            return
        if spec.stage is Stage.RETRAIN:
            self._retrained[spec.parent_id] = spec.job_id
        elif spec.stage in TRAINED_STAGES:
            desc = result.model_desc or spec.model_desc
            test_top1 = result.metrics.get("test_top1")
            self._add_trained(
                spec.job_id, spec.stage.value, result.madd, int(result.params or 0),
                result.error_rate, desc.label(), result.finished_at or 0.0, spec.parent_id,
                None if test_top1 is None else 1.0 - test_top1,
            )  # fmt: skip

    def _count_spec(self, job_id: int, row: JobRow) -> None:
        self.rows[job_id] = row
        if (row.stage is Stage.RETRAIN) == self.retrain:
            self.own_jobs += 1
            self.own_epochs += row.epochs

    def _count_result(self, row: JobRow, status: Status, train_time_s: float) -> None:
        row.status = status
        self.finished += 1
        self.failed += status is Status.FAILED
        self.train_time_s += train_time_s

    def _add_trained(
        self, job_id: int, stage: str, madd: float, params: int, error: float, label: str,
        finished_at: float, parent_id: int | None, test_error: float | None,
    ) -> None:  # fmt: skip
        for frontier in self._frontiers.values():
            frontier.add(job_id, madd, error)
        best = min(error, self.trained_records[-1].best_error) if self.trained_records else error
        hull_size = len(self._frontiers[self.eps].hull_rows())
        if stage == Stage.SEED_TRAIN.value:
            self.seed_rows.append(len(self.trained_records))
        self.trained_records.append(
            TrainedRecord(
                job_id,
                stage,
                madd,
                params,
                error,
                label,
                finished_at,
                parent_id,
                test_error,
                hull_size,
                best,
            )
        )

    # --- reading it ---------------------------------------------------------------------------
    def spec(self, job_id: int) -> JobSpec:
        spec = self._unfinished.get(job_id) or self._specs.get(job_id)
        if spec is None:
            if self._store is None:
                raise KeyError(job_id)
            spec = self._store.spec(job_id)
            self._specs.put(job_id, spec)
        return spec

    def result(self, job_id: int) -> JobResult:
        """The result of a finished job; KeyError for one without."""
        result = self._results.get(job_id)
        if result is None:
            if not self.has_result(job_id) or self._store is None:
                raise KeyError(job_id)
            result = self._store.result(job_id)
            self._results.put(job_id, result)
        return result

    def has_result(self, job_id: int) -> bool:
        row = self.rows.get(job_id)
        return row is not None and row.status is not None

    def results(self, status: Status | None = None) -> list[JobResult]:
        """Every finished job (of one status), by id: O(run), for users' queries, not the loop."""
        return [
            self.result(i)
            for i, row in sorted(self.rows.items())
            if row.status is not None and (status is None or row.status is status)
        ]

    def unfinished(self) -> list[JobSpec]:
        """This driver's jobs without a result (what a resume submits again), by id."""
        return [
            s
            for _, s in sorted(self._unfinished.items())
            if (s.stage is Stage.RETRAIN) == self.retrain
        ]

    def frontier(self, eps: float | None = None) -> Hull:
        """The trained models' hull and eps-band (``eps``: this history's by default), kept up
        to date as results arrive; its rows are ``trained_records``' positions."""
        eps = self.eps if eps is None else eps
        if eps not in self._frontiers:
            hull = Hull(eps=eps)
            for r in self.trained_records:
                hull.add(r.job_id, r.madd, r.error)
            self._frontiers[eps] = hull
        return self._frontiers[eps]

    def trained(self) -> list[tuple[JobSpec, JobResult]]:
        """Successful trained models (not SEARCH jobs) with a finite (MAdd, error), by id:
        O(run) records, for users' queries (``list_models``), not for the loop."""
        ids = sorted(r.job_id for r in self.trained_records)
        return [(self.spec(i), self.result(i)) for i in ids]

    def retrained(self) -> dict[int, tuple[JobSpec, JobResult]]:
        """The latest successful RETRAIN job of each retrained model, by that model's job id."""
        return {of: (self.spec(j), self.result(j)) for of, j in sorted(self._retrained.items())}

    def count_by_parent(self, stage: Stage, status: Status | None = None) -> Counter[int]:
        """How many jobs of ``stage`` (with a result of ``status``, if given) each parent has."""
        return Counter(
            row.parent_id
            for row in self.rows.values()
            if row.stage is stage and (status is None or row.status is status)
        )

    def model_hashes(self, stages: tuple[Stage, ...], failed: bool = True) -> set[str]:
        """Content hashes of the models submitted in ``stages`` (with ``failed=False``, not
        those whose job failed)."""
        return {
            row.model_hash
            for row in self.rows.values()
            if row.stage in stages
            and row.model_hash is not None
            and (failed or row.status is not Status.FAILED)
        }
