"""Drop-path on cell edges and the auxiliary head: the network-side pieces of the recipe."""

import pytest
import torch

from archsearch.nn import Model
from archsearch.nn.aux_head import attach_aux_head, aux_cell
from archsearch.nn.droppath import drop_path
from archsearch.space.builders import seed_model
from archsearch.space.desc import CellDesc, EdgeDesc, ModelDesc, NodeDesc
from archsearch.train import profile

SHAPE = (3, 16, 16)


def model(reductions: int = 2, cells: int = 5, nodes: int = 2) -> Model:
    torch.manual_seed(0)
    desc = seed_model(cells, reductions, nodes, init_channels=4, input_shape=SHAPE)
    return Model.from_desc(desc)


def test_drop_path_keeps_the_expectation_per_sample():
    torch.manual_seed(0)
    x = torch.ones(40_000, 2, 1, 1)
    out = drop_path(x, 0.2)
    assert set(out.unique().tolist()) == {0.0, 1.0 / 0.8}
    assert torch.equal(out[:, 0], out[:, 1])  # a whole sample is dropped, not single values
    assert out.mean().item() == pytest.approx(1.0, abs=0.01)
    assert torch.equal(drop_path(x, 0.0), x)


def test_drop_path_acts_in_training_only():
    m = model()
    x = torch.randn(8, *SHAPE)
    m.eval()
    plain = m(x)
    m.set_drop_path(0.5)
    assert torch.equal(m(x), plain)  # evaluation never drops
    m.train()
    torch.manual_seed(1)
    dropped = m(x)
    m.set_drop_path(0.0)
    torch.manual_seed(1)
    assert not torch.allclose(dropped, m(x))


def test_drop_path_spares_skip_connections():
    """A node whose only edge is an identity skip computes the same with any drop rate."""
    skip = NodeDesc(edges=[EdgeDesc("skip_connect", [1])])
    desc = ModelDesc(
        input_shape=SHAPE,
        num_classes=10,
        stem_channels=4,
        cells=[CellDesc(reduction=False, channels=4, nodes=[skip])],
    )
    torch.manual_seed(0)
    m = Model.from_desc(desc)
    x = torch.randn(8, *SHAPE)
    before = m(x)
    m.set_drop_path(0.9)
    assert torch.equal(m(x), before)


@pytest.mark.parametrize(("reductions", "cells", "expected"), [(2, 5, 3), (1, 3, 1), (0, 2, None)])
def test_aux_head_reads_the_second_reduction_or_the_last(reductions, cells, expected):
    found = aux_cell(model(reductions, cells))
    assert (found and found[0]) == expected
    if expected is not None:
        assert found[1] == 16 // 2**reductions


def test_aux_head_is_outside_the_network_and_records_in_training_only():
    m = model()
    keys, madd = list(m.state_dict()), profile(m, SHAPE)
    x = torch.randn(4, *SHAPE)
    m.eval()
    before = m(x)
    head = attach_aux_head(m)
    assert head is not None
    assert list(m.state_dict()) == keys  # not in the weights file
    assert profile(m, SHAPE) == madd  # not in the MAdd (profile runs in eval mode)
    assert torch.equal(m(x), before)  # inference unchanged
    with pytest.raises(RuntimeError, match="no training-mode forward"):
        head.logits()  # eval passes record nothing
    m.train()
    m(x)
    assert head.logits().shape == (4, 10)
    head.detach()
    assert all(not cell._forward_hooks for cell in m.cells)
