from __future__ import annotations

import torch

from archsearch.nn import MixedOp, Model
from archsearch.space.builders import seed_model
from archsearch.space.desc import EdgeDesc
from archsearch.space.primitives import PRIMITIVES


def test_output_is_the_softmax_weighted_sum() -> None:
    torch.manual_seed(0)
    op = MixedOp(PRIMITIVES, 4, stride=2)
    with torch.no_grad():
        op.alpha.copy_(torch.randn(len(PRIMITIVES)))
    x = torch.randn(2, 4, 8, 8)
    w = torch.softmax(op.alpha, dim=0)
    expected = sum(w[k] * op.ops[p](x) for k, p in enumerate(PRIMITIVES))
    torch.testing.assert_close(op(x), expected)


def test_given_weights_override_the_softmax() -> None:
    op = MixedOp(["skip_connect", "max_pool_3x3"], 4, stride=1)
    x = torch.randn(2, 4, 8, 8)
    torch.testing.assert_close(op(x, weights=torch.tensor([0.0, 1.0])), op.ops["max_pool_3x3"](x))


def test_model_with_mixed_edges_exposes_their_alphas() -> None:
    desc = seed_model(3, 1, 2, init_channels=4, input_shape=(1, 8, 8))
    for cell in desc.cells:
        for node in cell.nodes:
            node.edges = [
                EdgeDesc("mixed", e.inputs, {"primitives": list(PRIMITIVES)}) for e in node.edges
            ]
    model = Model.from_desc(desc)
    assert len(model.arch_parameters()) == 3 * 2 * 2
    assert model.arch_l1().item() == 0.0  # the L1 penalty is Petridish's only
    out = model(torch.randn(2, 1, 8, 8))
    out.sum().backward()
    assert all(a.grad is not None for a in model.arch_parameters())
