"""Identity seeds (strategy.seed_ops): the cheapest networks of the space, and Petridish can
grow them (the search node's candidate ops train and finalise into real ops)."""

import numpy as np
import pytest
import torch

from archsearch.config import DataConfig, MacroSpace, TrainConfig
from archsearch.data import load_data
from archsearch.nn import Model
from archsearch.nn.finalize import finalize
from archsearch.space.builders import insert_node, macro_grid, seed_model
from archsearch.space.mutations import random_model
from archsearch.train import profile, train

SHAPE = (1, 8, 8)
KW = {"init_channels": 4, "num_classes": 10, "input_shape": SHAPE}
SPACE = MacroSpace(reductions=[1, 2], cells=[3, 4, 5], nodes=[1, 2, 3, 4])  # the bench's


def madd(desc) -> int:
    return profile(Model.from_desc(desc), SHAPE).madd


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("macro", [(1, 3, 1), (1, 5, 2), (2, 5, 1), (2, 5, 4)])
def test_identity_seed_is_the_cheapest_network_of_its_macro(macro):
    reductions, cells, nodes = macro
    identity = madd(seed_model(cells, reductions, nodes, ops="identity", **KW))
    randoms = [madd(seed_model(cells, reductions, nodes, seed=s, **KW)) for s in range(8)]
    assert identity < min(randoms)


def test_the_cheapest_identity_seed_is_cheaper_than_any_network_drawn_from_the_space():
    cheapest = min(madd(seed_model(c, r, n, ops="identity", **KW)) for r, c, n in macro_grid(SPACE))
    rng = np.random.default_rng(0)
    drawn = [madd(random_model(SPACE, rng, **KW)) for _ in range(30)]
    assert cheapest < min(drawn)


def test_an_identity_seed_grows_a_node_of_trained_candidate_ops():
    data = load_data(DataConfig(limit=128, val_limit=32))
    torch.manual_seed(0)
    seed = seed_model(3, 1, 1, ops="identity", **KW)
    grown = insert_node(seed)
    model = Model.from_desc(grown)
    alphas = [a.detach().clone() for a in model.arch_parameters()]
    train(model, data, TrainConfig(epochs=1, device="cpu"), arch_search=True)
    assert any(not torch.equal(a, b) for a, b in zip(alphas, model.arch_parameters(), strict=True))
    final = finalize(grown, model, k=2)
    for cell, seed_cell in zip(final.cells, seed.cells, strict=True):
        assert cell.nodes[:-1] == seed_cell.nodes  # the identity node is kept
        assert len(cell.nodes[-1].edges) == 2  # the new node: its top-2 (input, op) pairs
    assert madd(final) > madd(seed)
