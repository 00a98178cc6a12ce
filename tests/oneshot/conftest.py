"""One-shot tests: a receptive-field task only one candidate op can solve, and one search per
method on it, shared by every test that inspects the outcome.

The task (``synthetic_task: pairs``): two dots 5 pixels apart, class = whether their signs
differ. After the 3x3 stem of a one-cell network, skip, 3x3 average and 3x3 max pooling see at
most 5 pixels across and stay at chance; a 3x3 separable conv (two stacked 3x3 convs) sees 7
and solves it. The settings per method were checked to pick the conv on 4 of 4 seeds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import torch

from archsearch.config import DataConfig, TrainConfig
from archsearch.data import DataSplits, load_data
from archsearch.oneshot.job import make_method
from archsearch.oneshot.method import OneShotMethod, SearchOutcome
from archsearch.oneshot.space import supernet_desc
from archsearch.oneshot.supernet import Supernet
from archsearch.space.desc import ModelDesc

PRIMITIVES = ["skip_connect", "avg_pool_3x3", "max_pool_3x3", "sep_conv_3x3"]
BEST = "sep_conv_3x3"
SHAPE = (1, 8, 8)
PAIRS = {
    "name": "synthetic",
    "synthetic_task": "pairs",
    "synthetic_classes": 2,
    "synthetic_shape": list(SHAPE),
    "synthetic_samples": 1200,
}

# (supernet training, method section) per method; "darts_2" is DARTS' second order.
GRADIENT = {"batch_size": 32, "lr": 0.1}
SAMPLING = {"batch_size": 16, "lr": 0.05}
SETTINGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "darts": ({**GRADIENT, "epochs": 8}, {"arch_lr": 0.03, "warmup_epochs": 2}),
    "darts_2": ({**GRADIENT, "epochs": 8}, {"arch_lr": 0.03, "warmup_epochs": 2, "order": 2}),
    "gumbel_darts": (
        {**GRADIENT, "epochs": 12},
        {"arch_lr": 0.05, "warmup_epochs": 3, "tau_initial": 2.0, "tau_decay": 0.7},
    ),
    "proxyless": ({**SAMPLING, "epochs": 16}, {"arch_lr": 0.05, "warmup_epochs": 4}),
    "random_oneshot": (
        {**SAMPLING, "lr": 0.1, "epochs": 16},
        {"warmup_epochs": 4, "arch_fraction": 0.25},
    ),
    "enas": (
        {**SAMPLING, "epochs": 16},
        {"controller_lr": 0.01, "entropy_weight": 0.02, "warmup_epochs": 4},
    ),
}


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> Iterator[None]:
    """Tiny networks on a shared 2-core machine: a second thread only adds contention."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def pairs_supernet(init_channels: int = 8) -> ModelDesc:
    """One cell, one node: the node reads input 0 or 1 (both the stem) through one op."""
    return supernet_desc(1, 0, 1, init_channels, SHAPE, 2, PRIMITIVES)


@pytest.fixture(scope="session")
def pairs_data() -> DataSplits:
    return load_data(DataConfig.model_validate(PAIRS))


def build_method(
    name: str, train: dict[str, Any], section: dict[str, Any], penalty: float = 0.0, seed: int = 0
) -> OneShotMethod:
    conf = {"top_k": 1, "supernet_epochs": train["epochs"], **section}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the initial weights too, whatever ran before
        supernet = Supernet(pairs_supernet())
    return make_method(name.removesuffix("_2"), supernet, TrainConfig(**train), conf, penalty, seed)


@dataclass
class Search:
    method: OneShotMethod
    outcome: SearchOutcome
    before: list[float]  # ENAS: the controller's op probabilities before training


class Searches:
    """Each method's search on the pairs task, run once on first use."""

    def __init__(self, data: DataSplits) -> None:
        self.data = data
        self.done: dict[str, Search] = {}

    def __getitem__(self, name: str) -> Search:
        if name not in self.done:
            method = build_method(name, *SETTINGS[name])
            controller = getattr(method, "controller", None)
            before = controller.op_probabilities() if controller is not None else []
            self.done[name] = Search(method, method.fit(self.data), before)
        return self.done[name]


@pytest.fixture(scope="session")
def searches(pairs_data: DataSplits) -> Searches:
    return Searches(pairs_data)
