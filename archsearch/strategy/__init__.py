"""Strategies by name: what a config's ``strategy.name`` selects."""

from archsearch.config import Config
from archsearch.errors import UnknownNameError
from archsearch.strategy.base import Proposal, Strategy, StrategyContext
from archsearch.strategy.evolution import RegularizedEvolution
from archsearch.strategy.grid import GridSearch
from archsearch.strategy.oneshot import ONESHOT_STRATEGIES, OneShotStrategy
from archsearch.strategy.petridish import Petridish
from archsearch.strategy.random_search import RandomSearch

STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (Petridish, RandomSearch, RegularizedEvolution, GridSearch, *ONESHOT_STRATEGIES)
}


def make_strategy(config: Config, context: StrategyContext) -> Strategy:
    name = config.strategy.name
    if name not in STRATEGIES:
        raise UnknownNameError("strategy", name, list(STRATEGIES))
    return STRATEGIES[name](config, context)


__all__ = [
    "STRATEGIES",
    "GridSearch",
    "OneShotStrategy",
    "Petridish",
    "Proposal",
    "RandomSearch",
    "RegularizedEvolution",
    "Strategy",
    "StrategyContext",
    "make_strategy",
]
