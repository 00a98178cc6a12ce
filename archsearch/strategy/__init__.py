"""Strategies by name: what a config's ``strategy.name`` selects."""

from archsearch.config import Config
from archsearch.errors import UnknownNameError
from archsearch.strategy.base import Proposal, Strategy, StrategyContext
from archsearch.strategy.petridish import Petridish

STRATEGIES: dict[str, type[Strategy]] = {Petridish.name: Petridish}


def make_strategy(config: Config, context: StrategyContext) -> Strategy:
    name = config.strategy.name
    if name not in STRATEGIES:
        raise UnknownNameError("strategy", name, list(STRATEGIES))
    return STRATEGIES[name](config, context)


__all__ = ["STRATEGIES", "Petridish", "Proposal", "Strategy", "StrategyContext", "make_strategy"]
