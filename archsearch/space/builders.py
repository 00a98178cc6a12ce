"""Build descriptions: Petridish seed networks and the one-node growth mutation."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

from archsearch.errors import InvalidMacroError
from archsearch.space.desc import CELL_INPUTS, CellDesc, EdgeDesc, ModelDesc, NodeDesc
from archsearch.space.primitives import SEARCHABLE_PRIMITIVES

STEM_MULTIPLIER = 3  # DARTS: the stem has 3 x init_channels feature maps


def check_macro(cells: int, reductions: int, nodes: int) -> None:
    """Reject combinations that cannot be laid out: every reduction cell needs a normal cell
    before and after it, so ``cells >= 2 * reductions + 1``."""
    if reductions < 0 or nodes < 0 or cells < 1:
        raise InvalidMacroError(
            f"cells={cells}, reductions={reductions}, nodes={nodes}: need cells >= 1, "
            "reductions >= 0, nodes >= 0"
        )
    if cells < 2 * reductions + 1:
        raise InvalidMacroError(
            f"cells={cells} with reductions={reductions} is impossible: a network with "
            f"{reductions} reduction cell(s) needs at least {2 * reductions + 1} cells "
            "(cells >= 2 * reductions + 1)"
        )


class MacroSpaceLike(Protocol):
    """What ``config.MacroSpace`` provides; a protocol so that ``space/`` never imports config."""

    reductions: list[int]
    cells: list[int]
    nodes: list[int]


def macro_grid(space: MacroSpaceLike) -> list[tuple[int, int, int]]:
    """Every valid (reductions, cells, nodes) of the space, in the seed grid's order."""
    combos = []
    for r in space.reductions:
        for c in space.cells:
            for n in space.nodes:
                try:
                    check_macro(c, r, n)
                except InvalidMacroError:
                    continue
                combos.append((r, c, n))
    return combos


def reduction_positions(cells: int, reductions: int) -> list[int]:
    """Indices of the reduction cells: the normal cells are split into ``reductions + 1``
    groups as evenly as possible, earlier groups taking the remainder (``c5r2`` -> N R N R N)."""
    check_macro(cells, reductions, 0)
    normal = cells - reductions
    groups = [
        normal // (reductions + 1) + (1 if g < normal % (reductions + 1) else 0)
        for g in range(reductions + 1)
    ]
    positions, index = [], 0
    for group in groups[:-1]:
        index += group
        positions.append(index)
        index += 1
    return positions


def random_node(
    rng: random.Random, node_index: int, edges_per_node: int, primitives: Sequence[str]
) -> NodeDesc:
    """A DARTS-style node: ``edges_per_node`` edges from distinct earlier ids, random ops."""
    candidates = list(range(CELL_INPUTS + node_index))
    chosen = rng.sample(candidates, min(edges_per_node, len(candidates)))
    return NodeDesc(
        edges=[EdgeDesc(op=rng.choice(list(primitives)), inputs=[i]) for i in sorted(chosen)]
    )


def identity_node(node_index: int, reduction: bool) -> NodeDesc:
    """The cheapest node: one parameter-free edge that passes the latest state on, as in
    archai's Petridish seeds. Node 0 reads the previous cell (input 1), node k reads node k-1.
    ``skip_connect`` is an identity except where it must halve the resolution (the first node
    of a reduction cell), where it is a FactorizedReduce conv; there ``max_pool_3x3`` is the
    parameter-free way down."""
    source = 1 if node_index == 0 else CELL_INPUTS + node_index - 1
    op = "max_pool_3x3" if reduction and source < CELL_INPUTS else "skip_connect"
    return NodeDesc(edges=[EdgeDesc(op=op, inputs=[source])])


# How a seed's cells are filled: identity nodes (the cheapest network of the macro shape, which
# Petridish then grows: archai starts from such seeds), or random DARTS cells. Cheapest first:
# Petridish trains its seeds in this order.
SEED_OPS: tuple[str, ...] = ("identity", "random")


def seed_model(
    cells: int,
    reductions: int,
    nodes: int,
    init_channels: int = 16,
    num_classes: int = 10,
    input_shape: tuple[int, int, int] = (3, 32, 32),
    edges_per_node: int = 2,
    primitives: Sequence[str] = SEARCHABLE_PRIMITIVES,
    seed: int = 0,
    ops: str = "random",
) -> ModelDesc:
    """A Petridish seed, channels doubling at each reduction cell: random DARTS cells with
    ``edges_per_node`` edges per node (``ops="random"``), or ``identity_node``s
    (``ops="identity"``, the cheapest network of this macro; ``seed`` and ``primitives`` are
    then unused). The same arguments always give the same description."""
    check_macro(cells, reductions, nodes)
    if ops not in SEED_OPS:
        raise ValueError(f"seed ops must be one of {list(SEED_OPS)}; got {ops!r}")
    rng = random.Random(f"seed_model:{cells}:{reductions}:{nodes}:{seed}")
    reduce_at = set(reduction_positions(cells, reductions))
    channels = init_channels
    cell_descs = []
    for index in range(cells):
        reduction = index in reduce_at
        if reduction:
            channels *= 2
        cell_descs.append(
            CellDesc(
                reduction=reduction,
                channels=channels,
                nodes=[
                    identity_node(n, reduction)
                    if ops == "identity"
                    else random_node(rng, n, edges_per_node, primitives)
                    for n in range(nodes)
                ],
            )
        )
    return ModelDesc(
        input_shape=tuple(input_shape),  # type: ignore[arg-type]
        num_classes=num_classes,
        stem_channels=STEM_MULTIPLIER * init_channels,
        cells=cell_descs,
        macro={
            "cells": cells,
            "reductions": reductions,
            "nodes": nodes,
            "init_channels": init_channels,
        },
    )


def insert_node(desc: ModelDesc, primitives: Sequence[str] = SEARCHABLE_PRIMITIVES) -> ModelDesc:
    """Petridish growth: in every cell, append a search node (just before the cell output)
    whose single ``petridish`` edge has as candidates both cell inputs and every earlier node.
    Returns a new description; ``desc`` is not changed."""
    if desc.has_search_nodes:
        raise ValueError("description already has a search node; finalise it before growing")
    grown = desc.copy()
    for cell in grown.cells:
        candidates = list(range(CELL_INPUTS + len(cell.nodes)))
        cell.nodes.append(
            NodeDesc(
                edges=[
                    EdgeDesc(
                        op="petridish", inputs=candidates, params={"primitives": list(primitives)}
                    )
                ]
            )
        )
    grown.macro["nodes"] = grown.macro.get("nodes", 0) + 1
    return grown
