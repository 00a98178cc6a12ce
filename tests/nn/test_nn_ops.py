from __future__ import annotations

import pytest
import torch

from archsearch.errors import UnknownNameError
from archsearch.nn import OPS, FactorizedReduce, make_op
from archsearch.space.primitives import PRIMITIVES


def test_registry_covers_exactly_the_primitives() -> None:
    assert set(OPS) == set(PRIMITIVES)


def test_unknown_op_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNameError) as info:
        make_op("sep_conv_7x7", 4, 1)
    assert isinstance(info.value, KeyError)
    assert "sep_conv_7x7" in str(info.value)
    assert all(name in str(info.value) for name in PRIMITIVES)


@pytest.mark.parametrize("name", PRIMITIVES)
@pytest.mark.parametrize("size", [8, 7])
def test_op_keeps_shape_at_stride_1_and_halves_at_stride_2(name: str, size: int) -> None:
    x = torch.randn(2, 6, size, size)
    assert make_op(name, 6, 1)(x).shape == (2, 6, size, size)
    half = (size + 1) // 2
    assert make_op(name, 6, 2)(x).shape == (2, 6, half, half)


def test_factorized_reduce_with_odd_channels() -> None:
    assert FactorizedReduce(4, 5)(torch.randn(2, 4, 6, 6)).shape == (2, 5, 3, 3)


def test_ops_do_not_modify_their_input() -> None:
    # Petridish feeds ops detached views of the parent's tensors: nothing may write in place.
    x = torch.randn(2, 4, 8, 8)
    before = x.clone()
    for name in PRIMITIVES:
        for stride in (1, 2):
            make_op(name, 4, stride)(x)
    assert torch.equal(x, before)
