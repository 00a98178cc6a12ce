"""Retraining chosen hull points after a search: a strategy whose proposals are fixed.

``archsearch retrain`` picks the hull points (experiment/retrain.py) and this strategy hands
them to the ordinary driver loop as RETRAIN jobs, so they run on the run's engine, land in its
store and are resumed like any job. It keeps no state of its own: which points still need a
retrain is read from the store's rows on every start, so the search strategy's saved state
(the store holds one) is never touched, and ``archsearch resume`` of the search still works.
"""

from __future__ import annotations

from typing import ClassVar

from archsearch.config import Config
from archsearch.jobs.spec import JobResult, JobSpec, Stage
from archsearch.strategy.base import Proposal, Strategy, StrategyContext


class Retrain(Strategy):
    name: ClassVar[str] = "retrain"

    def __init__(self, config: Config, context: StrategyContext, pending: list[int]) -> None:
        """``pending``: job ids of the trained models to retrain, in the order to submit."""
        super().__init__(config, context)
        self.pending = list(pending)
        self.train_conf = config.retrain_train().model_dump(mode="json")

    def ask(self, n: int) -> list[Proposal]:
        chosen, self.pending = self.pending[:n], self.pending[n:]
        return [self._proposal(job_id) for job_id in chosen]

    def _proposal(self, job_id: int) -> Proposal:
        spec, result = self.context.spec(job_id), self.context.result(job_id)
        return Proposal(
            Stage.RETRAIN,
            result.model_desc or spec.model_desc,
            self.train_conf,
            parent_id=job_id,
            warm_start_from=job_id if self.config.retrain.warm_start else None,
        )

    def tell(self, spec: JobSpec, result: JobResult) -> None:
        """Nothing to learn: a failed retrain is recorded, and the next run retries it."""

    def stop_reason(self) -> str | None:
        return None if self.pending else "every chosen hull point has a retrain job"

    def state_dict(self) -> None:  # type: ignore[override]
        """None: the driver then leaves the store's strategy state (the search's) as it is."""
        return None

    def load_state_dict(self, state: dict) -> None:
        raise NotImplementedError("a retrain reads its progress from the store's rows")
