"""One-shot strategies (DARTS, GumbelDARTS, RandomOneShot/SPOS, Proxyless, ENAS) as ask/tell.

Each (macro, penalty weight) of the strategy section is one SUPERNET job: a worker trains the
weight-sharing supernet with the method and exports one ordinary description with its
inherited weights (``archsearch.oneshot.job``). Every export then trains as a POST_TRAIN job,
so exported models join the same store, hull and plots as any other strategy's; several
penalty weights trace a frontier. The strategy is done when every export is trained.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from archsearch.config import (
    Config,
    DartsConfig,
    EnasConfig,
    GumbelDartsConfig,
    OneShotConfig,
    ProxylessConfig,
    RandomOneShotConfig,
)
from archsearch.jobs.spec import JobResult, JobSpec, Stage
from archsearch.oneshot.space import supernet_desc
from archsearch.strategy.base import Proposal, Strategy, StrategyContext
from archsearch.strategy.random_search import model_kwargs, strategy_conf, train_conf

log = logging.getLogger(__name__)


class OneShotStrategy(Strategy):
    config_class: ClassVar[type[OneShotConfig]]

    def __init__(self, config: Config, context: StrategyContext) -> None:
        super().__init__(config, context)
        self.conf = strategy_conf(config, self.config_class)
        # [macro index, penalty weight] of every supernet not yet proposed.
        self.supernets_todo: list[list[Any]] = [
            [m, float(w)] for m in range(len(self.conf.macros)) for w in self.conf.penalty_weights
        ]
        self.exports_todo: list[int] = []  # succeeded SUPERNET jobs whose export awaits training
        self.in_flight: dict[int, str] = {}  # job id -> stage
        self.exports: dict[str, int] = {"trained": 0, "failed": 0, "supernets_failed": 0}

    # --- ask ---------------------------------------------------------------------------------
    def ask(self, n: int) -> list[Proposal]:
        out: list[Proposal] = []
        # Finished supernets first: their search time is already spent.
        while len(out) < n and self.exports_todo:
            out.append(self._export(self.exports_todo.pop(0)))
        while len(out) < n and self.supernets_todo:
            out.append(self._supernet(*self.supernets_todo.pop(0)))
        return out

    def _supernet(self, macro_index: int, penalty: float) -> Proposal:
        macro = self.conf.macros[macro_index]
        kw = model_kwargs(self.config)
        desc = supernet_desc(
            macro.cells,
            macro.reductions,
            macro.nodes,
            init_channels=kw["init_channels"],
            input_shape=kw["input_shape"],
            num_classes=kw["num_classes"],
            primitives=kw["primitives"],
        )
        return Proposal(
            Stage.SUPERNET,
            desc,
            {**train_conf(self.config), "epochs": self.conf.supernet_epochs},
            meta={
                "method": self.name,
                "method_conf": self.conf.model_dump(mode="json"),
                "penalty_weight": penalty,
            },
        )

    def _export(self, supernet_id: int) -> Proposal:
        supernet = self.context.result(supernet_id)
        return Proposal(
            Stage.POST_TRAIN,
            supernet.model_desc,
            train_conf(self.config),
            parent_id=supernet_id,
            warm_start_from=supernet_id if self.conf.warm_start else None,
            meta={
                "supernet_job": supernet_id,
                "penalty_weight": self.context.spec(supernet_id).meta["penalty_weight"],
            },
        )

    # --- tell --------------------------------------------------------------------------------
    def on_submitted(self, spec: JobSpec) -> None:
        self.in_flight[spec.job_id] = spec.stage.value

    def tell(self, spec: JobSpec, result: JobResult) -> None:
        self.in_flight.pop(spec.job_id, None)
        supernet = spec.stage is Stage.SUPERNET
        if not result.ok:
            log.warning("%s job %d failed; the search goes on", spec.stage.value, spec.job_id)
            self.exports["supernets_failed" if supernet else "failed"] += 1
        elif supernet:
            self.exports_todo.append(spec.job_id)
        else:
            self.exports["trained"] += 1

    def stop_reason(self) -> str | None:
        if self.in_flight or self.supernets_todo or self.exports_todo:
            return None
        e = self.exports
        if not e["trained"]:
            return (
                f"nothing was exported and trained ({e['supernets_failed']} supernet job(s) "
                f"and {e['failed']} export training job(s) failed)"
            )
        return (
            f"every supernet is searched and its export trained ({e['trained']} trained, "
            f"{e['failed']} export(s) and {e['supernets_failed']} supernet(s) failed)"
        )

    # --- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "supernets_todo": self.supernets_todo,
            "exports_todo": self.exports_todo,
            "in_flight": {str(k): v for k, v in self.in_flight.items()},
            "exports": self.exports,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.supernets_todo = [list(s) for s in state["supernets_todo"]]
        self.exports_todo = list(state["exports_todo"])
        self.in_flight = {int(k): v for k, v in state["in_flight"].items()}
        self.exports = dict(state["exports"])


class DartsStrategy(OneShotStrategy):
    name = "darts"
    config_class = DartsConfig


class GumbelDartsStrategy(OneShotStrategy):
    name = "gumbel_darts"
    config_class = GumbelDartsConfig


class RandomOneShotStrategy(OneShotStrategy):
    name = "random_oneshot"
    config_class = RandomOneShotConfig


class ProxylessStrategy(OneShotStrategy):
    name = "proxyless"
    config_class = ProxylessConfig


class EnasStrategy(OneShotStrategy):
    name = "enas"
    config_class = EnasConfig


ONESHOT_STRATEGIES: tuple[type[OneShotStrategy], ...] = (
    DartsStrategy,
    GumbelDartsStrategy,
    RandomOneShotStrategy,
    ProxylessStrategy,
    EnasStrategy,
)
