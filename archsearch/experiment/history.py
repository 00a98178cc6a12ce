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
    # Whose jobs a driver runs: a search's (every stage but RETRAIN) or a retrain's (RETRAIN
    # only). Both share one store; each resubmits, and counts against budgets, only its own.
    retrain: bool = False

    def spec(self, job_id: int) -> JobSpec:
        return self.specs[job_id]

    def result(self, job_id: int) -> JobResult:
        return self.results[job_id]

    def load(self, store: ExperimentStore) -> None:
        """Cache every job the store has recorded."""
        self.specs.update({s.job_id: s for s in store.specs()})
        self.results.update({r.job_id: r for r in store.results()})

    def own(self) -> list[JobSpec]:
        """This driver's jobs (the search's or the retrain's), by id."""
        return [
            s for _, s in sorted(self.specs.items()) if (s.stage is Stage.RETRAIN) == self.retrain
        ]

    def unfinished(self) -> list[JobSpec]:
        return [s for s in self.own() if s.job_id not in self.results]

    def retrained(self) -> dict[int, tuple[JobSpec, JobResult]]:
        """The latest successful RETRAIN job of each retrained model, by that model's job id."""
        return {
            self.specs[i].parent_id: (self.specs[i], r)
            for i, r in sorted(self.results.items())
            if self.specs[i].stage is Stage.RETRAIN and is_finite_point(r)
        }

    def trained(self) -> list[tuple[JobSpec, JobResult]]:
        """Successful trained models (not SEARCH jobs) with a finite (MAdd, error): what the
        frontier is made of."""
        return [
            (self.specs[i], r)
            for i, r in sorted(self.results.items())
            if self.specs[i].stage in TRAINED_STAGES and is_finite_point(r)
        ]
