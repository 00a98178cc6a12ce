import pytest

from archsearch.errors import InvalidMacroError
from archsearch.space.builders import insert_node, reduction_positions, seed_model
from archsearch.space.primitives import SEARCHABLE_PRIMITIVES


@pytest.mark.parametrize(
    ("cells", "reductions", "expected"),
    [(3, 1, [1]), (4, 1, [2]), (5, 2, [1, 3]), (8, 3, [2, 4, 6]), (7, 3, [1, 3, 5]), (2, 0, [])],
)
def test_reductions_are_separated_by_normal_cells(cells, reductions, expected):
    assert reduction_positions(cells, reductions) == expected


@pytest.mark.parametrize(("cells", "reductions"), [(2, 1), (4, 2), (6, 3), (0, 0)])
def test_impossible_macro_is_rejected_with_reason(cells, reductions):
    with pytest.raises(InvalidMacroError, match=f"cells={cells}"):
        seed_model(cells, reductions, 1)


def test_seed_layout_channels_and_edges():
    desc = seed_model(5, 2, 3, init_channels=8, num_classes=7, input_shape=(1, 8, 8), seed=1)
    assert [c.reduction for c in desc.cells] == [False, True, False, True, False]
    assert [c.channels for c in desc.cells] == [8, 16, 16, 32, 32]
    assert desc.stem_channels == 24 and desc.num_classes == 7
    for cell in desc.cells:
        assert len(cell.nodes) == 3
        for i, node in enumerate(cell.nodes):
            inputs = [e.inputs[0] for e in node.edges]
            assert len(node.edges) == 2 and len(set(inputs)) == 2
            assert all(0 <= j < 2 + i for j in inputs)  # only earlier ids
            assert all(e.op in SEARCHABLE_PRIMITIVES for e in node.edges)


def test_seed_is_deterministic_and_seed_dependent():
    assert seed_model(4, 1, 2, seed=5) == seed_model(4, 1, 2, seed=5)
    assert seed_model(4, 1, 2, seed=5) != seed_model(4, 1, 2, seed=6)


def test_insert_node_adds_candidate_node_in_every_cell():
    desc = seed_model(3, 1, 2, seed=0)
    grown = insert_node(desc)
    assert desc.macro["nodes"] == 2 and grown.macro["nodes"] == 3
    assert all(len(c.nodes) == 2 for c in desc.cells)  # the parent is untouched
    for cell, parent_cell in zip(grown.cells, desc.cells, strict=True):
        assert cell.nodes[:-1] == parent_cell.nodes
        (edge,) = cell.nodes[-1].edges
        assert edge.op == "petridish"
        assert edge.inputs == [0, 1, 2, 3]  # both cell inputs and every earlier node
        assert edge.params["primitives"] == list(SEARCHABLE_PRIMITIVES)


def test_cannot_grow_twice_before_finalising():
    with pytest.raises(ValueError, match="finalise"):
        insert_node(insert_node(seed_model(3, 1, 1)))


def test_identity_seed_cells_only_pass_a_state_on():
    desc = seed_model(5, 2, 3, init_channels=8, ops="identity")
    for cell in desc.cells:
        for i, node in enumerate(cell.nodes):
            (edge,) = node.edges  # one edge, no parameters
            # Node 0 reads the previous cell, node k node k-1: a chain of identities.
            assert edge.inputs == ([1] if i == 0 else [2 + i - 1])
            # Only where a reduction cell must halve the resolution is it a (max) pool.
            reduces = cell.reduction and i == 0
            assert edge.op == ("max_pool_3x3" if reduces else "skip_connect")
    assert desc.macro == seed_model(5, 2, 3, init_channels=8).macro


def test_identity_seed_ignores_the_seed_and_differs_by_node_count():
    assert seed_model(4, 1, 2, seed=1, ops="identity") == seed_model(
        4, 1, 2, seed=2, ops="identity"
    )
    hashes = {seed_model(4, 1, n, ops="identity").content_hash() for n in (1, 2, 3)}
    assert len(hashes) == 3


def test_unknown_seed_ops_are_refused():
    with pytest.raises(ValueError, match="identity"):
        seed_model(3, 1, 1, ops="zeros")
