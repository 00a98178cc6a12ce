from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archsearch.errors import ModelDescError
from archsearch.nn import Model
from archsearch.oneshot.space import supernet_desc
from archsearch.space.builders import insert_node, seed_model
from archsearch.space.desc import EdgeDesc, ModelDesc
from archsearch.space.primitives import PRIMITIVES
from archsearch.space.validate import count_params
from tests.space.hostile import hostile_docs, unchecked

COMBOS = [  # (input_shape, cells, reductions, nodes)
    ((1, 8, 8), 1, 0, 1),
    ((1, 8, 8), 3, 1, 0),
    ((1, 8, 8), 5, 2, 2),
    ((1, 8, 8), 7, 3, 1),
    ((3, 32, 32), 3, 1, 2),
    ((3, 32, 32), 8, 3, 3),
]


@pytest.mark.parametrize(("input_shape", "cells", "reductions", "nodes"), COMBOS)
def test_builds_and_gives_logits(
    input_shape: tuple[int, int, int], cells: int, reductions: int, nodes: int
) -> None:
    desc = seed_model(
        cells, reductions, nodes, init_channels=4, num_classes=7, input_shape=input_shape
    )
    model = Model.from_desc(desc)
    assert model(torch.randn(2, *input_shape)).shape == (2, 7)


@settings(max_examples=10, deadline=None)
@given(
    reductions=st.integers(0, 3),
    extra_cells=st.integers(0, 2),
    nodes=st.integers(0, 3),
    size=st.integers(1, 9),
)
def test_any_valid_macro_builds(reductions: int, extra_cells: int, nodes: int, size: int) -> None:
    desc = seed_model(
        2 * reductions + 1 + extra_cells,
        reductions,
        nodes,
        init_channels=2,
        num_classes=3,
        input_shape=(1, size, size),
    )
    assert Model.from_desc(desc)(torch.randn(2, 1, size, size)).shape == (2, 3)


def test_state_dict_names_are_stable_and_growth_only_adds() -> None:
    desc = seed_model(3, 1, 2, init_channels=4, input_shape=(1, 8, 8))
    parent = Model.from_desc(desc).state_dict()
    for prefix in (
        "stem.0.",
        "cells.0.pre0.",
        "cells.2.pre1.",
        "cells.1.nodes.1.edges.0.",
        "cells.1.proj.1.",
        "head.",
    ):
        assert any(name.startswith(prefix) for name in parent), prefix
    child = Model.from_desc(insert_node(desc)).state_dict()
    assert all(child[name].shape == t.shape for name, t in parent.items())
    assert any(name.startswith("cells.0.nodes.2.edges.0.ops.1_sep_conv_3x3.") for name in child)


def test_parameters_split_into_arch_and_weights() -> None:
    model = Model.from_desc(insert_node(seed_model(3, 1, 1, init_channels=4)))
    arch, weights = model.arch_parameters(), model.weight_parameters()
    assert len(arch) == 3  # one Petridish edge per cell
    assert len(arch) + len(weights) == len(list(model.parameters()))
    expected = sum(p.abs().sum() for p in arch)
    assert torch.allclose(model.arch_l1(), expected)
    assert Model.from_desc(seed_model(3, 1, 1)).arch_l1().item() == 0.0


def test_unknown_edge_op_lists_composites_too() -> None:
    desc = seed_model(1, 0, 1, init_channels=4)
    desc.cells[0].nodes[0].edges[0] = EdgeDesc(op="conv_9x9", inputs=[0])
    with pytest.raises(ModelDescError, match="unknown op 'conv_9x9'; known: .*petridish"):
        Model.from_desc(desc)


def test_edge_reading_a_later_node_is_rejected() -> None:
    desc = seed_model(1, 0, 1, init_channels=4)
    desc.cells[0].nodes[0].edges[0] = EdgeDesc(op="skip_connect", inputs=[2])
    with pytest.raises(ValueError, match="inputs"):
        Model.from_desc(desc)


@pytest.mark.parametrize(
    "desc",
    [
        seed_model(1, 0, 0, init_channels=2, input_shape=(1, 8, 8)),
        seed_model(3, 1, 2, init_channels=5, num_classes=7, input_shape=(1, 8, 8)),
        seed_model(8, 3, 3, input_shape=(3, 32, 32)),
        insert_node(seed_model(5, 2, 2, init_channels=6)),
        insert_node(seed_model(3, 1, 0, init_channels=4)),  # passthrough cells, one reducing
        supernet_desc(3, 1, 2, 4, (1, 8, 8), 10, PRIMITIVES),  # mixed edges, 'none' included
    ],
    ids=lambda d: d.label(),
)
def test_count_params_is_the_real_count(desc: ModelDesc) -> None:
    # The limit on a description's size is only as good as this count: pin it to torch's.
    assert count_params(desc) == sum(p.numel() for p in Model.from_desc(desc).parameters())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=hostile_docs(input_shape=(1, 6, 6), num_classes=3))
def test_hostile_description_objects_build_and_run_or_are_named(doc: dict) -> None:
    """Built in Python (no from_dict), a bad description is refused by Model itself; one it
    accepts is a network that runs."""
    desc = unchecked(doc)
    try:
        model = Model.from_desc(desc)
    except ModelDescError as e:
        assert "\n" not in str(e)
        return
    assert model(torch.randn(2, *desc.input_shape)).shape == (2, desc.num_classes)
