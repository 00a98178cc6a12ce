"""Function preservation: a grown child with inherited weights computes its parent's function,
and its search node still learns (gradients reach alpha, none reach the parent's weights)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from archsearch.nn import Model, PetridishOp, inherit_weights
from archsearch.space.builders import insert_node, seed_model

CASES = [  # (input_shape, cells, reductions, nodes)
    ((1, 8, 8), 3, 1, 0),
    ((1, 8, 8), 5, 2, 2),
    ((3, 32, 32), 3, 1, 1),
]


def grown_pair(
    trainer: Callable[..., None],
    input_shape: tuple[int, int, int],
    cells: int,
    reductions: int,
    nodes: int,
) -> tuple[Model, Model]:
    torch.manual_seed(0)
    desc = seed_model(cells, reductions, nodes, init_channels=4, input_shape=input_shape)
    parent = Model.from_desc(desc)
    trainer(parent, input_shape)
    child = Model.from_desc(insert_node(desc))
    parent_state = parent.state_dict()
    assert inherit_weights(child, parent_state) == len(parent_state)
    return parent, child


@pytest.mark.parametrize(("input_shape", "cells", "reductions", "nodes"), CASES)
def test_child_computes_the_parents_function(
    trainer: Callable[..., None],
    input_shape: tuple[int, int, int],
    cells: int,
    reductions: int,
    nodes: int,
) -> None:
    parent, child = grown_pair(trainer, input_shape, cells, reductions, nodes)
    assert parent.stem[1].num_batches_tracked.item() == 20  # the BN stats really moved
    x = torch.randn(6, *input_shape)
    parent.eval()
    child.eval()
    with torch.no_grad():
        torch.testing.assert_close(child(x), parent(x), atol=1e-6, rtol=0)
    # Train mode: both normalise with the same batch statistics, so the outputs still agree.
    parent.train()
    child.train()
    with torch.no_grad():
        torch.testing.assert_close(child(x), parent(x), atol=1e-6, rtol=0)


@pytest.mark.parametrize(("input_shape", "cells", "reductions", "nodes"), CASES[:2])
def test_search_node_learns_without_touching_the_parent(
    trainer: Callable[..., None],
    input_shape: tuple[int, int, int],
    cells: int,
    reductions: int,
    nodes: int,
) -> None:
    parent, child = grown_pair(trainer, input_shape, cells, reductions, nodes)
    x, y = torch.randn(6, *input_shape), torch.randint(0, 10, (6,))
    for model in (parent, child):
        model.train()
        model.zero_grad()  # the parent still holds its last training step's gradients
        nn.functional.cross_entropy(model(x), y).backward()
    for alpha in child.arch_parameters():
        assert alpha.grad is not None and alpha.grad.abs().sum() > 0
    # Stop-gradient: every inherited weight gets exactly the parent's gradient.
    parent_grads = {n: p.grad for n, p in parent.named_parameters()}
    for name, param in child.named_parameters():
        if name in parent_grads:
            torch.testing.assert_close(param.grad, parent_grads[name], atol=1e-6, rtol=0)


def test_petridish_op_is_the_alpha_weighted_sum_over_inputs_and_primitives() -> None:
    torch.manual_seed(0)
    op = PetridishOp([0, 1, 2], ["skip_connect", "max_pool_3x3"], 4, strides=[2, 2, 1])
    with torch.no_grad():
        op.alpha.copy_(torch.arange(6.0) - 2)
    xs = [torch.randn(2, 4, 8, 8), torch.randn(2, 4, 8, 8), torch.randn(2, 4, 4, 4)]
    expected = sum(op.alpha[k] * op.ops[f"{j}_{p}"](xs[j]) for k, (j, p) in enumerate(op.pairs))
    torch.testing.assert_close(op(*xs), expected)
    assert op.pairs[1] == (0, "max_pool_3x3")
