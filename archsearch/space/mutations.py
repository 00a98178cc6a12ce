"""Plain mutations of a description for evolution, and random models from a macro space.

Pure (no torch): every function returns a new ``ModelDesc`` and never changes its input. A
mutated description stays valid: an edge reads only earlier ids, the edges of a node read
distinct ids, and ops come from the given primitives, never ``none`` (it would make an edge
that computes nothing, a wasted mutation). Search-stage edges (``petridish``/``mixed``) are
left alone, and a description that still has a Petridish search node is refused.

When a mutation has no different choice (one primitive, a node whose inputs are all taken,
a cell already at ``max_nodes``), it returns an unchanged copy; callers compare content hashes
to tell, rather than every caller re-deriving each mutation's preconditions.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from archsearch.errors import InvalidMacroError, UnknownNameError
from archsearch.space.builders import MacroSpaceLike, macro_grid, random_node, seed_model
from archsearch.space.desc import CELL_INPUTS, EdgeDesc, ModelDesc

COMPOSITE_OPS = ("petridish", "mixed")  # search-stage edges: not an architecture choice here


def random_model(
    space: MacroSpaceLike, rng: np.random.Generator, **seed_model_kwargs: Any
) -> ModelDesc:
    """A macro drawn uniformly from the valid combinations of ``space``, with random cells
    (``seed_model`` seeded from ``rng``, so the same generator state gives the same model)."""
    combos = macro_grid(space)
    if not combos:
        raise InvalidMacroError(
            f"no valid macro in reductions={space.reductions}, cells={space.cells}, "
            f"nodes={space.nodes}: every combination has cells < 2 * reductions + 1"
        )
    reductions, cells, nodes = combos[int(rng.integers(len(combos)))]
    return seed_model(cells, reductions, nodes, seed=int(rng.integers(2**31)), **seed_model_kwargs)


def _ops(primitives: Sequence[str]) -> list[str]:
    ops = [p for p in primitives if p != "none"]
    if not ops:
        raise ValueError(f"no primitive to choose from in {list(primitives)} (none excluded)")
    return ops


def _plain_copy(desc: ModelDesc) -> ModelDesc:
    if desc.has_search_nodes:
        raise ValueError("description has a search node; finalise it before mutating")
    return desc.copy()


def _pick(rng: np.random.Generator, items: Sequence[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def mutate_op(desc: ModelDesc, rng: np.random.Generator, primitives: Sequence[str]) -> ModelDesc:
    """One random edge (among those with another primitive available) gets a different op."""
    ops = _ops(primitives)
    child = _plain_copy(desc)
    edges = [
        e
        for c in child.cells
        for n in c.nodes
        for e in n.edges
        if e.op not in COMPOSITE_OPS and any(p != e.op for p in ops)
    ]
    if edges:
        edge = _pick(rng, edges)
        edge.op = _pick(rng, [p for p in ops if p != edge.op])
    return child


def mutate_input(desc: ModelDesc, rng: np.random.Generator) -> ModelDesc:
    """One random edge reads a different earlier id that no other edge of its node reads."""
    child = _plain_copy(desc)
    choices: list[tuple[EdgeDesc, list[int]]] = []
    for cell in child.cells:
        for index, node in enumerate(cell.nodes):
            taken = {i for e in node.edges for i in e.inputs}
            free = [i for i in range(CELL_INPUTS + index) if i not in taken]
            choices += [
                (e, free)
                for e in node.edges
                if free and e.op not in COMPOSITE_OPS and len(e.inputs) == 1
            ]
    if choices:
        edge, free = _pick(rng, choices)
        edge.inputs = [int(_pick(rng, free))]
    return child


def mutate_insert_node(
    desc: ModelDesc,
    rng: np.random.Generator,
    primitives: Sequence[str],
    edges_per_node: int = 2,
    max_nodes: int | None = None,
) -> ModelDesc:
    """Append one plain random node (``edges_per_node`` edges from distinct earlier ids,
    random ops) to every cell, as a Petridish growth step would but without the search.
    With ``max_nodes``, a description already that deep is returned unchanged, which keeps
    evolution inside its macro space."""
    ops = _ops(primitives)
    child = _plain_copy(desc)
    if max_nodes is not None and max((len(c.nodes) for c in child.cells), default=0) >= max_nodes:
        return child
    node_rng = random.Random(int(rng.integers(2**63)))  # builders' random_node takes a Random
    for cell in child.cells:
        cell.nodes.append(random_node(node_rng, len(cell.nodes), edges_per_node, ops))
    child.macro["nodes"] = child.macro.get("nodes", 0) + 1
    return child


MUTATIONS = ("op", "input", "insert_node")  # the names EvolutionConfig.mutations allows


def mutate(
    desc: ModelDesc,
    kind: str,
    rng: np.random.Generator,
    primitives: Sequence[str],
    edges_per_node: int = 2,
    max_nodes: int | None = None,
) -> ModelDesc:
    """Apply the mutation named ``kind``; ``edges_per_node`` and ``max_nodes`` only matter to
    ``insert_node``."""
    if kind == "op":
        return mutate_op(desc, rng, primitives)
    if kind == "input":
        return mutate_input(desc, rng)
    if kind == "insert_node":
        return mutate_insert_node(desc, rng, primitives, edges_per_node, max_nodes)
    raise UnknownNameError("mutation", kind, list(MUTATIONS))
