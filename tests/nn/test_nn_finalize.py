from __future__ import annotations

import pytest
import torch

from archsearch.nn import Model, finalize, finalized_state_dict, inherit_weights, search_weights
from archsearch.space.builders import insert_node, seed_model
from archsearch.space.primitives import PRIMITIVES

SEARCH_NODE = (0, 1)  # cell 0 (normal) of c3r1n1: node 1 is the search node, inputs 0, 1, 2
HAND_SET = {
    (0, "none"): 10.0,  # the largest weight, but `none` is never kept
    (1, "sep_conv_3x3"): -5.0,  # large negative: strong by magnitude
    (1, "max_pool_3x3"): 4.0,  # strong, but input 1 is already taken by the pair above
    (2, "dil_conv_3x3"): 3.0,
    (0, "sep_conv_5x5"): 2.0,
}
EXPECTED = [(0, "sep_conv_5x5"), (1, "sep_conv_3x3"), (2, "dil_conv_3x3")]


@pytest.fixture
def searched() -> Model:
    torch.manual_seed(0)
    model = Model.from_desc(
        insert_node(seed_model(3, 1, 1, init_channels=4, input_shape=(1, 8, 8)), PRIMITIVES)
    )
    model.train()
    model(torch.randn(4, 1, 8, 8))  # move the search ops' BN running stats off their init
    for ci, ni, op in model.petridish_ops():
        if (ci, ni) == SEARCH_NODE:
            with torch.no_grad():
                for pair, value in HAND_SET.items():
                    op.alpha[op.pairs.index(pair)] = value
    return model


def test_search_weights_read_every_pair(searched: Model) -> None:
    weights = search_weights(searched)
    assert set(weights) == {(0, 1), (1, 1), (2, 1)}
    assert len(weights[SEARCH_NODE]) == 3 * len(PRIMITIVES)
    assert weights[SEARCH_NODE][(1, "sep_conv_3x3")] == -5.0


def test_finalize_picks_by_magnitude_distinct_inputs_no_none(searched: Model) -> None:
    final = finalize(searched.desc, searched, k=3)
    edges = final.cells[0].nodes[1].edges
    assert [(e.inputs[0], e.op) for e in edges] == EXPECTED
    assert not final.has_search_nodes
    for cell in final.cells:
        ops = [e.op for e in cell.nodes[-1].edges]
        inputs = [e.inputs[0] for e in cell.nodes[-1].edges]
        assert len(ops) == 3 and "none" not in ops and len(set(inputs)) == 3
    assert [
        (e.inputs[0], e.op) for e in finalize(searched.desc, searched, k=1).cells[0].nodes[1].edges
    ] == [(1, "sep_conv_3x3")]


def test_finalized_model_is_warm_started_from_the_chosen_ops(searched: Model) -> None:
    final_desc = finalize(searched.desc, searched, k=3)
    state = finalized_state_dict(searched, final_desc)
    final = Model.from_desc(final_desc)
    final.load_state_dict(state)  # complete: loads strictly
    assert inherit_weights(Model.from_desc(final_desc), state) == len(state)
    assert final(torch.randn(2, 1, 8, 8)).shape == (2, 10)

    source = searched.state_dict()
    for e, (j, p) in enumerate(EXPECTED):
        prefix = f"cells.0.nodes.1.edges.{e}."
        names = [name for name in state if name.startswith(prefix)]
        assert names, prefix
        for name in names:
            src = f"cells.0.nodes.1.edges.0.ops.{j}_{p}." + name[len(prefix) :]
            if src in source:  # affine BN scale/shift have no search counterpart
                assert torch.equal(state[name], source[src])
    # The second conv of the chosen sep_conv_3x3 on input 1 is that candidate's searched one.
    assert torch.equal(
        final.state_dict()["cells.0.nodes.1.edges.1.1.2.weight"],
        source["cells.0.nodes.1.edges.0.ops.1_sep_conv_3x3.1.2.weight"],
    )
    # Search BNs are affine-free, so the final BN's scale starts fresh; its running stats carry.
    assert torch.equal(state["cells.0.nodes.1.edges.1.1.3.weight"], torch.ones(4))
    assert torch.equal(
        state["cells.0.nodes.1.edges.1.1.3.running_mean"],
        source["cells.0.nodes.1.edges.0.ops.1_sep_conv_3x3.1.3.running_mean"],
    )
    # Everything outside the search nodes maps to itself: stem, cells' pre/proj, head.
    for name in (
        "stem.0.weight",
        "cells.0.pre0.1.weight",
        "cells.0.proj.1.2.weight",
        "head.weight",
    ):
        assert torch.equal(state[name], source[name])


def test_final_desc_with_a_pair_that_was_never_a_candidate_is_rejected() -> None:
    desc = insert_node(seed_model(1, 0, 1, init_channels=4), ["skip_connect", "max_pool_3x3"])
    searched = Model.from_desc(desc)
    final_desc = finalize(desc, searched, k=2)
    final_desc.cells[0].nodes[1].edges[0].op = "sep_conv_3x3"
    with pytest.raises(ValueError, match="not a search candidate"):
        finalized_state_dict(searched, final_desc)
