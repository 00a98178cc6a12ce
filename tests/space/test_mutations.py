"""Mutations keep descriptions valid, change exactly one thing, and never touch the parent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archsearch.config import MacroSpace
from archsearch.errors import InvalidMacroError, UnknownNameError
from archsearch.space.builders import insert_node, seed_model
from archsearch.space.desc import CELL_INPUTS, ModelDesc
from archsearch.space.mutations import MUTATIONS, macro_grid, mutate, random_model
from archsearch.space.primitives import SEARCHABLE_PRIMITIVES
from tests.strategy.harness import assert_valid_desc, mutation_kind

macros = st.sampled_from([(3, 1, 0), (3, 1, 1), (3, 1, 2), (5, 2, 3), (4, 0, 1), (1, 0, 4)])
primitive_sets = st.lists(
    st.sampled_from(SEARCHABLE_PRIMITIVES), min_size=1, max_size=3, unique=True
)


def has_choice(desc: ModelDesc, kind: str, ops: list[str], max_nodes: int | None) -> bool:
    """Whether ``kind`` can change ``desc`` at all, worked out independently of mutations.py."""
    nodes = [(i, n) for c in desc.cells for i, n in enumerate(c.nodes)]
    if kind == "op":
        return any(p != e.op for _, n in nodes for e in n.edges for p in ops)
    if kind == "input":
        return any(len(n.edges) < CELL_INPUTS + i for i, n in nodes)
    return max_nodes is None or desc.macro["nodes"] < max_nodes


@settings(max_examples=150, deadline=None)
@given(
    macro=macros,
    seed=st.integers(0, 10_000),
    edges=st.integers(1, 3),
    primitives=primitive_sets,
    kind=st.sampled_from(MUTATIONS),
    with_none=st.booleans(),
    max_nodes=st.sampled_from([None, 2, 4]),
)
def test_mutations_stay_valid_and_change_exactly_one_thing(
    macro, seed, edges, primitives, kind, with_none, max_nodes
):
    cells, reductions, nodes = macro
    parent = seed_model(
        cells,
        reductions,
        nodes,
        init_channels=4,
        edges_per_node=edges,
        primitives=primitives,
        seed=seed,
    )
    before = parent.to_json()
    given_primitives = ["none", *primitives] if with_none else primitives  # none is skipped
    child = mutate(
        parent,
        kind,
        np.random.default_rng(seed),
        given_primitives,
        edges_per_node=edges,
        max_nodes=max_nodes,
    )
    assert parent.to_json() == before  # the parent is untouched
    assert_valid_desc(child, primitives)
    assert ModelDesc.from_json(child.to_json()) == child
    if has_choice(parent, kind, primitives, max_nodes):
        assert mutation_kind(parent, child) == kind
        assert child.content_hash() != parent.content_hash()
    else:
        assert child == parent and child is not parent


def test_same_generator_state_gives_the_same_child():
    parent = seed_model(4, 1, 2, seed=3)
    for kind in MUTATIONS:
        a = mutate(parent, kind, np.random.default_rng(5), SEARCHABLE_PRIMITIVES)
        b = mutate(parent, kind, np.random.default_rng(5), SEARCHABLE_PRIMITIVES)
        assert a == b


def test_insert_node_appends_a_plain_node_to_every_cell():
    parent = seed_model(5, 2, 1, init_channels=4, seed=0)
    child = mutate(parent, "insert_node", np.random.default_rng(0), ["max_pool_3x3"])
    assert child.macro["nodes"] == 2
    for cell in child.cells:
        new = cell.nodes[-1]
        assert not new.is_search_node and len(new.edges) == 2
        assert {e.op for e in new.edges} == {"max_pool_3x3"}


def test_refuses_search_nodes_and_unknown_names():
    with pytest.raises(ValueError, match="finalise"):
        mutate(insert_node(seed_model(3, 1, 1)), "op", np.random.default_rng(0), ["skip_connect"])
    with pytest.raises(UnknownNameError, match="known: input, insert_node, op"):
        mutate(seed_model(3, 1, 1), "swap", np.random.default_rng(0), ["skip_connect"])


def test_macro_grid_skips_impossible_layouts_in_seed_grid_order():
    space = MacroSpace(reductions=[1, 2], cells=[3, 5], nodes=[0, 2])
    assert macro_grid(space) == [(1, 3, 0), (1, 3, 2), (1, 5, 0), (1, 5, 2), (2, 5, 0), (2, 5, 2)]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_model_is_valid_from_the_space_and_reproducible(seed):
    space = MacroSpace(reductions=[0, 1, 2], cells=[3, 4], nodes=[1, 3])
    desc = random_model(space, np.random.default_rng(seed), init_channels=4, edges_per_node=2)
    assert_valid_desc(desc, list(SEARCHABLE_PRIMITIVES))
    m = desc.macro
    assert (m["reductions"], m["cells"], m["nodes"]) in macro_grid(space)
    assert random_model(space, np.random.default_rng(seed), init_channels=4) == desc


def test_random_model_draws_every_macro_and_random_cells():
    space = MacroSpace(reductions=[1, 2], cells=[3, 5], nodes=[1, 2])
    rng = np.random.default_rng(0)
    descs = [random_model(space, rng) for _ in range(200)]
    drawn = {(d.macro["reductions"], d.macro["cells"], d.macro["nodes"]) for d in descs}
    assert drawn == set(macro_grid(space))
    assert len({d.content_hash() for d in descs}) > 150  # cells differ, not only macros


def test_random_model_from_an_empty_space_names_the_space():
    # The config refuses such a space; random_model guards its own callers too.
    space = MacroSpace.model_construct(reductions=[2], cells=[3], nodes=[1])
    with pytest.raises(InvalidMacroError, match="no valid macro"):
        random_model(space, np.random.default_rng(0))
