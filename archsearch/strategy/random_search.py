"""Random search: every proposal is a model drawn uniformly from the macro space with random
cells, trained from scratch. The baseline every other strategy has to beat (Li & Talwalkar
2019); also the helpers evolution and grid search share with it (model arguments, the space).
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from archsearch.config import Config, MacroSpace, RandomSearchConfig
from archsearch.errors import ConfigError
from archsearch.jobs.spec import JobResult, JobSpec, Stage
from archsearch.space.mutations import macro_grid, random_model
from archsearch.strategy.base import Proposal, Strategy, StrategyContext
from archsearch.strategy.scoring import result_score

log = logging.getLogger(__name__)

# Draws per wanted proposal before ask() gives up on finding a description not seen before: a
# small space (few macros, one primitive) can be exhausted, and ask() must still return.
DRAWS_PER_PROPOSAL = 50

C = TypeVar("C", bound=BaseModel)


def model_kwargs(config: Config) -> dict[str, Any]:
    """``seed_model`` arguments shared by every model of a run: data shape, width, cell shape."""
    input_shape, num_classes = config.data.sample_shape()
    m = config.model
    return {
        "init_channels": m.init_channels,
        "num_classes": num_classes,
        "input_shape": input_shape,
        "edges_per_node": m.edges_per_node,
        "primitives": list(m.primitives),
    }


def strategy_conf(config: Config, kind: type[C]) -> C:
    """``config.strategy`` as ``kind``; a ``ConfigError`` when the section is another
    strategy's (a strategy class built by hand, not through ``make_strategy``)."""
    if not isinstance(config.strategy, kind):
        wanted = kind.model_fields["name"].default
        raise ConfigError(
            f"strategy {wanted!r} was given the strategy section of {config.strategy.name!r}"
        )
    return config.strategy


def space_macros(space: MacroSpace) -> list[tuple[int, int, int]]:
    """The valid (reductions, cells, nodes) of ``strategy.space``; a ``ConfigError`` if none."""
    combos = macro_grid(space)
    if not combos:
        raise ConfigError(
            f"strategy.space has no valid macro: every combination of reductions="
            f"{space.reductions}, cells={space.cells} has cells < 2 * reductions + 1"
        )
    return combos


def train_conf(config: Config) -> dict[str, Any]:
    return config.train.model_dump(mode="json")


class RandomSearch(Strategy):
    name = "random"

    def __init__(self, config: Config, context: StrategyContext) -> None:
        super().__init__(config, context)
        self.conf = strategy_conf(config, RandomSearchConfig)
        space_macros(self.conf.space)  # fail at the start, not at the first ask
        self.model_kwargs = model_kwargs(config)
        self.rng = np.random.default_rng(config.seed)
        # Content hashes of every description proposed: the run's TRAIN jobs, read from its
        # records when first needed (so not in the state, which stays a few hundred bytes).
        self._seen: set[str] | None = None

    @property
    def seen(self) -> set[str]:
        if self._seen is None:
            self._seen = self.context.model_hashes((Stage.TRAIN,))
        return self._seen

    def score(self, result: JobResult) -> float:
        return result_score(result, self.conf.madd_weight)

    def ask(self, n: int) -> list[Proposal]:
        out: list[Proposal] = []
        for _ in range(n * DRAWS_PER_PROPOSAL):
            if len(out) == n:
                break
            desc = random_model(self.conf.space, self.rng, **self.model_kwargs)
            digest = desc.content_hash()
            if digest in self.seen:
                continue
            self.seen.add(digest)
            out.append(Proposal(Stage.TRAIN, desc, train_conf(self.config)))
        if len(out) < n:
            log.warning(
                "random search found %d of %d new models in %d draws: the space looks "
                "exhausted (%d models proposed)",
                len(out),
                n,
                n * DRAWS_PER_PROPOSAL,
                len(self.seen),
            )
        return out

    def tell(self, spec: JobSpec, result: JobResult) -> None:
        if not result.ok:
            log.warning("train job %d failed; the search goes on", spec.job_id)

    def stop_reason(self) -> str | None:
        return None  # the budgets stop it, or an exhausted space (ask returns nothing)

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]  # a "seen" of older versions: the records'
        self._seen = None
