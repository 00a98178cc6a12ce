"""The one-shot strategy sections: defaults load, bad values fail naming key, value, allowed."""

from __future__ import annotations

import pytest

from archsearch.config import load_config
from archsearch.errors import ConfigError
from tests.conftest import REPO

NAMES = ["darts", "gumbel_darts", "random_oneshot", "proxyless", "enas"]


@pytest.mark.parametrize("name", NAMES)
def test_defaults_load(name: str):
    conf = load_config(None, [f"strategy.name={name}"])
    assert conf.strategy.name == name and conf.strategy.penalty_weights == [0.0]


@pytest.mark.parametrize("name", NAMES)
def test_the_shipped_config_runs_every_method(name: str):
    """The README's `--set strategy.name=...` on confs/oneshot_darts.yaml, for each method."""
    conf = load_config(REPO / "confs" / "oneshot_darts.yaml", [f"strategy.name={name}"])
    assert conf.strategy.name == name and conf.strategy.penalty_weights == [0.0, 0.3, 1.0]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["strategy.name=darts", "strategy.order=3"], ["strategy.order", "allowed: 1, 2"]),
        (["strategy.name=gumbel_darts", "strategy.tau_decay=1.5"], ["strategy.tau_decay", "1.5"]),
        (["strategy.name=gumbel_darts", "strategy.tau_initial=0"], ["strategy.tau_initial"]),
        (["strategy.name=darts", "strategy.tau_decay=0.5"], ["unknown key", "allowed keys"]),
        (["strategy.name=enas", "strategy.penalty_weights=[0.1, -1]"], ["penalty_weights"]),
        (["strategy.name=enas", "strategy.baseline_decay=1"], ["strategy.baseline_decay"]),
        (["strategy.name=proxyless", "strategy.penalty_weights=[]"], ["penalty_weights"]),
        (
            ["strategy.name=random_oneshot", "strategy.madd_min=10", "strategy.madd_max=5"],
            ["madd_min=10 is above madd_max=5"],
        ),
        (
            ["strategy.name=random_oneshot", "strategy.population=4", "strategy.parents=4"],
            ["parents=4 must be below population=4"],
        ),
        (
            ["strategy.name=darts", "strategy.warmup_epochs=5"],
            ["warmup_epochs=5 leaves no search epoch of supernet_epochs=5"],
        ),
        (
            ["strategy.name=darts", "strategy.macros=[{cells: 2, reductions: 1}]"],
            ["strategy.macros", "cells >= 2 * reductions + 1"],
        ),
        (
            ["data.name=synthetic", "data.synthetic_task=pairs"],
            ["synthetic_task 'pairs' has 2 classes"],
        ),
    ],
)
def test_bad_values_name_the_key(overrides: list[str], expected: list[str]):
    with pytest.raises(ConfigError) as e:
        load_config(None, overrides)
    assert all(text in str(e.value) for text in expected), str(e.value)
