"""Every job of a run in memory, keyed by id: the strategy's read access to the store's rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from archsearch.jobs.spec import JobResult, JobSpec, Stage, is_finite_point
from archsearch.store import ExperimentStore

TRAINED_STAGES = (Stage.SEED_TRAIN, Stage.POST_TRAIN, Stage.TRAIN)


@dataclass
class JobHistory:
    specs: dict[int, JobSpec] = field(default_factory=dict)
    results: dict[int, JobResult] = field(default_factory=dict)

    def spec(self, job_id: int) -> JobSpec:
        return self.specs[job_id]

    def result(self, job_id: int) -> JobResult:
        return self.results[job_id]

    def load(self, store: ExperimentStore) -> None:
        """Cache every job the store has recorded."""
        self.specs.update({s.job_id: s for s in store.specs()})
        self.results.update({r.job_id: r for r in store.results()})

    def unfinished(self) -> list[JobSpec]:
        return [s for i, s in sorted(self.specs.items()) if i not in self.results]

    def trained(self) -> list[tuple[JobSpec, JobResult]]:
        """Successful trained models (not SEARCH jobs) with a finite (MAdd, error): what the
        frontier is made of."""
        return [
            (self.specs[i], r)
            for i, r in sorted(self.results.items())
            if self.specs[i].stage in TRAINED_STAGES and is_finite_point(r)
        ]
