import pytest

from archsearch.space.builders import insert_node, seed_model
from archsearch.space.finalize import finalize_desc, top_k_pairs


def test_ranks_by_magnitude_not_sign():
    weights = {(0, "sep_conv_3x3"): 0.1, (1, "max_pool_3x3"): -0.9, (2, "skip_connect"): 0.5}
    assert top_k_pairs(weights, 2) == [(1, "max_pool_3x3"), (2, "skip_connect")]


def test_never_keeps_none_and_uses_each_input_once():
    weights = {
        (0, "none"): 5.0,
        (0, "sep_conv_3x3"): 0.8,
        (0, "dil_conv_3x3"): 0.7,
        (1, "avg_pool_3x3"): 0.2,
    }
    assert top_k_pairs(weights, 3) == [(0, "sep_conv_3x3"), (1, "avg_pool_3x3")]


def test_finalize_desc_replaces_search_nodes():
    grown = insert_node(seed_model(3, 1, 1, seed=0))
    weights = {
        (ci, 1): {(0, "sep_conv_3x3"): 0.3, (2, "skip_connect"): -0.4, (1, "none"): 9.0}
        for ci in range(3)
    }
    final = finalize_desc(grown, weights, k=3)
    assert not final.has_search_nodes and grown.has_search_nodes
    for cell in final.cells:
        assert [(e.inputs, e.op) for e in cell.nodes[1].edges] == [
            ([0], "sep_conv_3x3"),
            ([2], "skip_connect"),
        ]


def test_missing_weights_is_an_error():
    with pytest.raises(KeyError, match="cell 0"):
        finalize_desc(insert_node(seed_model(3, 1, 1)), {}, k=2)
