"""Regularized (aging) evolution (Real et al. 2019) as an ask/tell strategy.

Random models are trained until the population is full. Then every proposal is a tournament:
``sample_size`` members drawn uniformly (with replacement, as in the paper) from the
population, the best by score becomes the parent, and one mutation of it is trained from
scratch. A successful child joins the population and the *oldest* member dies, not the worst:
aging keeps a lucky evaluation from living forever, which is what regularises the search.

Asynchronous like the paper's workers: ``ask(n)`` runs n tournaments on the population as it is
now, so a cluster with free slots never waits for the previous child to finish. The state is
only job ids; descriptions and metrics are read back through the context.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

import numpy as np

from archsearch.config import Config, EvolutionConfig
from archsearch.errors import ConfigError
from archsearch.jobs.spec import JobResult, JobSpec, Stage, is_finite_point
from archsearch.space.desc import ModelDesc
from archsearch.space.mutations import mutate, random_model
from archsearch.strategy.base import Proposal, Strategy, StrategyContext
from archsearch.strategy.random_search import (
    model_kwargs,
    space_macros,
    strategy_conf,
    train_conf,
)
from archsearch.strategy.scoring import result_score

log = logging.getLogger(__name__)

RANDOM = "random"  # in-flight kind of a warm-up model; a child's kind is its mutation


class RegularizedEvolution(Strategy):
    name = "evolution"

    def __init__(self, config: Config, context: StrategyContext) -> None:
        super().__init__(config, context)
        self.conf = strategy_conf(config, EvolutionConfig)
        space_macros(self.conf.space)  # fail at the start, not at the first ask
        if not self.conf.mutations:
            raise ConfigError(
                "strategy.mutations is empty: evolution needs at least one of "
                "op, input, insert_node"
            )
        self.model_kwargs = model_kwargs(config)
        # insert_node stops at the space's deepest cells, so evolution and random search
        # explore the same model space and can be compared on one frontier.
        self.max_nodes = max(self.conf.space.nodes)
        self.rng = np.random.default_rng(config.seed)
        self.population: deque[int] = deque()  # job ids, oldest first
        self.in_flight: dict[int, str] = {}  # job id -> RANDOM or the mutation that made it

    def score(self, result: JobResult) -> float:
        return result_score(result, self.conf.madd_weight)

    # --- ask ---------------------------------------------------------------------------------
    def ask(self, n: int) -> list[Proposal]:
        out: list[Proposal] = []
        # Warm-up models in flight count towards the population, so a wide cluster does not
        # overshoot it with random models; a failed one is replaced by another.
        warming = sum(1 for kind in self.in_flight.values() if kind == RANDOM)
        for _ in range(n):
            if len(self.population) + warming < self.conf.population:
                out.append(Proposal(Stage.TRAIN, self._random(), train_conf(self.config)))
                warming += 1
            elif self.population:
                out.append(self._child())
            else:
                break  # the whole warm-up is in flight: nothing to mutate yet
        return out

    def _random(self) -> ModelDesc:
        return random_model(self.conf.space, self.rng, **self.model_kwargs)

    def _desc(self, job_id: int) -> ModelDesc:
        result = self.context.result(job_id)
        return result.model_desc or self.context.spec(job_id).model_desc

    def _child(self) -> Proposal:
        members = list(self.population)
        sample = [members[i] for i in self.rng.integers(len(members), size=self.conf.sample_size)]
        parent_id = max(sample, key=lambda i: self.score(self.context.result(i)))
        parent = self._desc(parent_id)
        # The drawn kind comes first; the others only if it cannot change this parent (one
        # primitive, inputs all taken, cells at max_nodes), so a child is never a plain copy
        # while some mutation can make one.
        order = self.rng.permutation(len(self.conf.mutations))
        for kind in (self.conf.mutations[i] for i in order):
            child = mutate(
                parent,
                kind,
                self.rng,
                self.model_kwargs["primitives"],
                edges_per_node=self.model_kwargs["edges_per_node"],
                max_nodes=self.max_nodes,
            )
            if child.content_hash() != parent.content_hash():
                break
        else:
            log.warning("no mutation changes job %d's model; training a copy", parent_id)
        return Proposal(
            Stage.TRAIN,
            child,
            train_conf(self.config),
            parent_id=parent_id,
            meta={"mutation": kind},
        )

    # --- tell --------------------------------------------------------------------------------
    def on_submitted(self, spec: JobSpec) -> None:
        self.in_flight[spec.job_id] = spec.meta.get("mutation", RANDOM)

    def tell(self, spec: JobSpec, result: JobResult) -> None:
        self.in_flight.pop(spec.job_id, None)
        if not is_finite_point(result):
            log.warning(
                "job %d failed or has no finite (MAdd, top-1): it does not join the population",
                spec.job_id,
            )
            return
        self.population.append(spec.job_id)
        if len(self.population) > self.conf.population:
            log.debug("job %d dies of old age", self.population.popleft())

    def stop_reason(self) -> str | None:
        return None  # evolution never runs out of children: the budgets stop it

    # --- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "population": list(self.population),
            "in_flight": {str(k): v for k, v in self.in_flight.items()},
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.population = deque(int(i) for i in state["population"])
        self.in_flight = {int(k): v for k, v in state["in_flight"].items()}
        self.rng.bit_generator.state = state["rng"]
