"""Grid search: every valid (reductions, cells, nodes) of the macro space once, with random
cells seeded by the run's seed (as Petridish seeds are), then done. It answers "how much does
the macro alone buy?" and gives the other strategies a fixed set of reference points.
"""

from __future__ import annotations

import logging
from typing import Any

from archsearch.config import Config, GridSearchConfig
from archsearch.jobs.spec import JobResult, JobSpec, Stage
from archsearch.space.builders import seed_model
from archsearch.strategy.base import Proposal, Strategy, StrategyContext
from archsearch.strategy.random_search import (
    model_kwargs,
    space_macros,
    strategy_conf,
    train_conf,
)
from archsearch.strategy.scoring import result_score

log = logging.getLogger(__name__)


class GridSearch(Strategy):
    name = "grid"

    def __init__(self, config: Config, context: StrategyContext) -> None:
        super().__init__(config, context)
        self.conf = strategy_conf(config, GridSearchConfig)
        self.grid = space_macros(self.conf.space)
        self.model_kwargs = model_kwargs(config)
        self.todo: list[list[int]] = [list(m) for m in self.grid]  # [reductions, cells, nodes]
        self.in_flight: set[int] = set()

    def score(self, result: JobResult) -> float:
        return result_score(result, self.conf.madd_weight)

    def ask(self, n: int) -> list[Proposal]:
        # A grid point leaves ``todo`` when its job is submitted (on_submitted), not here: the
        # state saved with each submission then never drops a point that a crash kept from
        # being submitted.
        return [self._proposal(*macro) for macro in self.todo[:n]]

    def _proposal(self, reductions: int, cells: int, nodes: int) -> Proposal:
        desc = seed_model(cells, reductions, nodes, seed=self.config.seed, **self.model_kwargs)
        return Proposal(
            Stage.TRAIN, desc, train_conf(self.config), meta={"macro": [reductions, cells, nodes]}
        )

    def on_submitted(self, spec: JobSpec) -> None:
        macro = spec.meta.get("macro")
        if macro in self.todo:
            self.todo.remove(macro)
        self.in_flight.add(spec.job_id)

    def tell(self, spec: JobSpec, result: JobResult) -> None:
        self.in_flight.discard(spec.job_id)
        if not result.ok:
            log.warning(
                "grid point %s (job %d) failed; it is not retried",
                spec.meta.get("macro"),
                spec.job_id,
            )

    def stop_reason(self) -> str | None:
        if self.todo or self.in_flight:
            return None
        return f"the grid is done: all {len(self.grid)} macros of strategy.space have run"

    def state_dict(self) -> dict[str, Any]:
        return {"todo": self.todo, "in_flight": sorted(self.in_flight)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.todo = [list(m) for m in state["todo"]]
        self.in_flight = {int(i) for i in state["in_flight"]}
