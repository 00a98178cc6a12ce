"""Strategy tests: fake jobs return at once, and ``make_harness`` drives any strategy by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from archsearch.config import Config
from archsearch.strategy.base import Strategy
from archsearch.strategy.evolution import RegularizedEvolution
from archsearch.strategy.grid import GridSearch
from archsearch.strategy.oneshot import ONESHOT_STRATEGIES
from archsearch.strategy.petridish import Petridish
from archsearch.strategy.random_search import RandomSearch
from bench.sleep_job import SLEEP_ENV
from tests.strategy.harness import Harness

# By name, as strategy/__init__.py's STRATEGIES will register them.
CLASSES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (Petridish, RandomSearch, RegularizedEvolution, GridSearch, *ONESHOT_STRATEGIES)
}

# Small sections so a whole search is a few dozen fake jobs.
SECTIONS: dict[str, dict[str, Any]] = {
    "petridish": {"seed_grid": {"reductions": [1], "cells": [3, 4], "nodes": [1]}},
    "random": {},
    "evolution": {"population": 4, "sample_size": 2},
    "grid": {"space": {"reductions": [1, 2], "cells": [3, 5], "nodes": [1, 2]}},
    **{
        cls.name: {
            "macros": [{"cells": 3, "reductions": 1, "nodes": 2}, {"cells": 1, "reductions": 0}],
            "penalty_weights": [0.0, 0.5],
        }
        for cls in ONESHOT_STRATEGIES
    },
}


@pytest.fixture(autouse=True)
def _instant_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLEEP_ENV, "0")


def make_config(name: str, model: dict[str, Any] | None = None, **section: Any) -> Config:
    """A config for strategy ``name``: its small section, updated by ``section``."""
    return Config.model_validate(
        {"seed": 7, "model": model or {}, "strategy": {"name": name, **SECTIONS[name], **section}}
    )


@pytest.fixture
def make_harness() -> Callable[..., Harness]:
    """``make_harness(name, model=None, **strategy_section_overrides)``."""

    def make(name: str, model: dict[str, Any] | None = None, **section: Any) -> Harness:
        return Harness(CLASSES[name], make_config(name, model, **section))

    return make
